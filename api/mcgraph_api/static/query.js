// mcgraph SPARQL query page: runs queries with fetch and renders the results.
"use strict";

(() => {
  const form = document.getElementById("query-form");
  if (!form) return;

  const textarea = document.getElementById("query");
  const examples = document.getElementById("examples");
  const runButton = document.getElementById("run");
  const results = document.getElementById("results");
  const statusLine = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const notice = document.getElementById("notice");
  const output = document.getElementById("output");
  const downloads = document.getElementById("downloads");

  const ENDPOINT = "/sparql";
  const LOCAL_ID = location.origin + "/id/";
  const W3ID_ID = "https://w3id.org/mcgraph/id/";
  const XSD = "http://www.w3.org/2001/XMLSchema#";
  const RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
  const DEFAULT_PREFIXES = {
    mc: "https://w3id.org/mcgraph/ns#",
    id: W3ID_ID,
    dct: "http://purl.org/dc/terms/",
    skos: "http://www.w3.org/2004/02/skos/core#",
    rdf: RDF,
    rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    owl: "http://www.w3.org/2002/07/owl#",
    xsd: XSD,
  };

  let controller = null;
  let prefixes = [];

  // Progressive enhancement: reveal the JavaScript-only controls, hide the others.
  for (const el of document.querySelectorAll("[data-js-only]")) el.hidden = false;
  for (const el of document.querySelectorAll("[data-nojs-only]")) el.hidden = true;

  // ---- Query inspection -------------------------------------------------

  /** The query form (SELECT, ASK, CONSTRUCT, DESCRIBE) after the prologue, or "" if unknown. */
  function queryKind(text) {
    const skip = /^(?:\s|#[^\n\r]*)*/;
    const decl = /^(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)/i;
    let rest = text;
    for (;;) {
      rest = rest.replace(skip, "");
      const m = decl.exec(rest);
      if (!m) break;
      rest = rest.slice(m[0].length);
    }
    const k = /^(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(rest);
    return k ? k[1].toUpperCase() : "";
  }

  const isGraphKind = (kind) => kind === "CONSTRUCT" || kind === "DESCRIBE";

  /** Prefix declarations of the query merged over the defaults, longest namespace first. */
  function collectPrefixes(text) {
    const map = new Map(Object.entries(DEFAULT_PREFIXES));
    const re = /PREFIX\s+([^\s:]*):\s*<([^>\s]*)>/gi;
    for (const m of text.matchAll(re)) {
      if (m[2]) map.set(m[1], m[2]);
    }
    return [...map].sort((a, b) => b[1].length - a[1].length);
  }

  // ---- Term rendering ---------------------------------------------------

  const LOCAL_NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_.~%/-]*$/u;

  function compact(iri) {
    for (const [prefix, ns] of prefixes) {
      if (iri.length > ns.length && iri.startsWith(ns)) {
        const local = iri.slice(ns.length);
        if (LOCAL_NAME.test(local) && !local.endsWith(".")) return prefix + ":" + local;
      }
    }
    return null;
  }

  function hrefFor(iri) {
    if (iri.startsWith(LOCAL_ID)) return iri.slice(location.origin.length);
    if (iri.startsWith(W3ID_ID)) return "/id/" + iri.slice(W3ID_ID.length);
    if (/^https?:\/\//i.test(iri)) return iri;
    return null;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function iriNode(iri) {
    const href = hrefFor(iri);
    const short = compact(iri);
    const node = el(href ? "a" : "span", "iri", short ?? iri);
    if (href) node.href = href;
    if (short) node.title = iri;
    return node;
  }

  function termNode(term) {
    if (!term) return document.createTextNode("");
    switch (term.type) {
      case "uri":
        return iriNode(term.value);
      case "bnode":
        return el("span", "bnode", "_:" + term.value);
      case "literal":
      case "typed-literal": {
        const frag = document.createDocumentFragment();
        frag.append(term.value);
        const lang = term["xml:lang"];
        const dt = term.datatype;
        if (lang) {
          frag.append(el("span", "meta", "@" + lang));
        } else if (dt && dt !== XSD + "string" && dt !== RDF + "langString") {
          const meta = el("span", "meta", "^^" + (compact(dt) ?? "<" + dt + ">"));
          meta.title = dt;
          frag.append(meta);
        }
        return frag;
      }
      case "triple": {
        const t = term.value || {};
        const frag = document.createDocumentFragment();
        frag.append("<< ", termNode(t.subject), " ", termNode(t.predicate), " ", termNode(t.object), " >>");
        return frag;
      }
      default:
        return document.createTextNode(String(term.value ?? ""));
    }
  }

  // ---- Output -----------------------------------------------------------

  function formatMs(ms) {
    return ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s";
  }

  function formatBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " kB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }

  const plural = (n, word) => n.toLocaleString() + " " + word + (n === 1 ? "" : "s");

  function clearOutput() {
    errorBox.replaceChildren();
    notice.hidden = true;
    notice.textContent = "";
    output.replaceChildren();
  }

  function showError(title, detail) {
    const box = el("div", "alert");
    box.append(el("strong", "", title || "Error"));
    if (detail) box.append(el("p", "", detail));
    errorBox.replaceChildren(box);
  }

  function showTruncation(value) {
    if (!value) return;
    const v = value.trim().toLowerCase();
    let text;
    if (v === "rows") {
      text = "Results truncated: the server's row limit was reached. Add a LIMIT or narrow the query to see everything.";
    } else if (v === "bytes") {
      text = "Results truncated: the server's size limit was reached. Narrow the query or add a LIMIT to see everything.";
    } else {
      text = "Results truncated by the server (" + value + ").";
    }
    notice.textContent = text;
    notice.hidden = false;
  }

  function scrollRegion(child, label) {
    const wrap = el("div", "table-wrap");
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", label);
    wrap.append(child);
    return wrap;
  }

  function renderTable(vars, bindings) {
    const table = document.createElement("table");
    table.append(el("caption", "visually-hidden", "Query results"));
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    const numTh = el("th", "num", "#");
    numTh.scope = "col";
    headRow.append(numTh);
    for (const v of vars) {
      const th = el("th", "", "?" + v);
      th.scope = "col";
      headRow.append(th);
    }
    head.append(headRow);

    const body = document.createElement("tbody");
    const frag = document.createDocumentFragment();
    bindings.forEach((binding, i) => {
      const tr = document.createElement("tr");
      tr.append(el("td", "num", String(i + 1)));
      for (const v of vars) {
        const td = document.createElement("td");
        td.append(termNode(binding[v]));
        tr.append(td);
      }
      frag.append(tr);
    });
    body.append(frag);
    table.append(head, body);
    output.replaceChildren(scrollRegion(table, "Query results"));
    if (bindings.length === 0) output.append(el("p", "empty", "No rows matched."));
  }

  function renderBoolean(value) {
    const p = el("p");
    p.append(el("span", "boolean", value ? "true" : "false"));
    output.replaceChildren(p);
  }

  function renderText(text, label) {
    const pre = el("pre", "graph", text || "# (empty graph)");
    pre.tabIndex = 0;
    pre.setAttribute("role", "region");
    pre.setAttribute("aria-label", label);
    output.replaceChildren(pre);
  }

  // ---- Downloads --------------------------------------------------------

  function updateDownloads() {
    const text = textarea.value;
    const q = encodeURIComponent(text);
    const graph = isGraphKind(queryKind(text));
    for (const a of downloads.querySelectorAll("a[data-format]")) {
      a.href = ENDPOINT + "?query=" + q + "&format=" + a.dataset.format;
      a.download = "mcgraph-results." + (a.dataset.format === "turtle" ? "ttl" : a.dataset.format);
      a.hidden = graph ? !a.hasAttribute("data-graph") : a.hasAttribute("data-graph");
    }
  }

  // ---- Running ----------------------------------------------------------

  async function run() {
    const text = textarea.value;
    clearOutput();
    if (!text.trim()) {
      statusLine.textContent = "";
      showError("Empty query", "Type a SPARQL query, or choose an example.");
      return;
    }

    if (controller) controller.abort();
    const ctrl = new AbortController();
    controller = ctrl;

    const kind = queryKind(text);
    const graph = isGraphKind(kind);
    prefixes = collectPrefixes(text);
    results.setAttribute("aria-busy", "true");
    runButton.setAttribute("aria-busy", "true");
    statusLine.textContent = "Running";

    const started = performance.now();
    let response;
    let body;
    try {
      response = await fetch(ENDPOINT, {
        method: "POST",
        headers: {
          "Content-Type": "application/sparql-query",
          Accept: graph ? "text/turtle" : "application/sparql-results+json",
        },
        body: text,
        signal: ctrl.signal,
      });
      body = await response.text();
    } catch (err) {
      if (ctrl.signal.aborted) return;
      statusLine.textContent = "Failed";
      showError("The request failed", String(err && err.message ? err.message : err));
      return;
    } finally {
      if (controller === ctrl) {
        controller = null;
        results.removeAttribute("aria-busy");
        runButton.removeAttribute("aria-busy");
      }
    }
    if (ctrl.signal.aborted) return;

    const elapsed = formatMs(performance.now() - started);
    const type = (response.headers.get("Content-Type") || "").toLowerCase();

    if (!response.ok) {
      let title = (response.status + " " + response.statusText).trim();
      let detail = type.includes("json") ? "" : body.slice(0, 2000);
      if (type.includes("json")) {
        try {
          const problem = JSON.parse(body);
          title = problem.title || title;
          detail = problem.detail || "";
        } catch {
          detail = body.slice(0, 2000);
        }
      }
      statusLine.textContent = "Failed after " + elapsed;
      showError(title, detail);
      return;
    }

    showTruncation(response.headers.get("Mcgraph-Results-Truncated"));

    if (type.includes("json")) {
      let data;
      try {
        data = JSON.parse(body);
      } catch {
        statusLine.textContent = "Failed after " + elapsed;
        showError("Unreadable response", "The server's answer was not valid JSON.");
        return;
      }
      if (typeof data.boolean === "boolean") {
        statusLine.textContent = "ASK result · " + elapsed;
        renderBoolean(data.boolean);
        return;
      }
      const vars = (data.head && data.head.vars) || [];
      const bindings = (data.results && data.results.bindings) || [];
      statusLine.textContent = plural(bindings.length, "row") + " · " + elapsed;
      renderTable(vars, bindings);
      return;
    }

    const label = type.includes("turtle") ? "Turtle" : (type.split(";")[0] || "Text");
    statusLine.textContent = label + " · " + formatBytes(new Blob([body]).size) + " · " + elapsed;
    renderText(body, "Query result (" + label + ")");
  }

  // ---- Wiring -----------------------------------------------------------

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
      event.preventDefault();
      run();
    }
  });

  if (examples) {
    examples.addEventListener("change", () => {
      if (!examples.value) return;
      textarea.value = examples.value;
      updateDownloads();
    });
  }

  textarea.addEventListener("input", updateDownloads);
  updateDownloads();
})();
