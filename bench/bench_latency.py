#!/usr/bin/env python3
"""Query latency: each REST endpoint and canned query through `mcgraph serve`, against its own SPARQL
run directly on pyoxigraph, in one run.

    python bench/bench_latency.py                        # 1M credentials (bench/data/mc-1m.ttl)
    python bench/bench_latency.py --credentials 10000    # quick: bench/data/mc-10k.ttl
    python bench/bench_latency.py --credentials 100000 --requests 50 --only credential,search

Targets: per endpoint, HTTP p50 <= 1.5x and HTTP p99 <= 3x the raw SPARQL of the same request.

Data: bench/data/mc-<N>.ttl (bench/generate.py, seed 1; generated when missing), in the store
bench_stacking.py builds and reuses (`mcgraph init`, then bulk_load of the file into
…/graph/local/mc-<N>). The inputs are picked from the data: a generated credential's slug, a
word of its title, the learner of bench_stacking.py (10 held credentials, --seed), one
generated qualification with a stacking rule, and a level of one bundled framework compared with
another.

The raw side. A helper process (spawned, before the server starts) opens the store with the
library and calls, once per endpoint, the same library function the route calls (browse.credential,
browse.credentials, Stacking.discover with the referencing network and credit systems loaded first,
as the server caches them; a canned query as the SparqlTask the route builds), through an
executor that records every task it is given: SPARQL text, substitutions, result limit. The bench
process then replays those texts on pyoxigraph.Store.read_only(store) with
use_default_graph_as_union=True and the library's prefixes, reading every solution (up to the
server's row limit for canned queries, whose first page of 1,000 rows the route asks for; nothing is
serialised); the raw time of a request is the sum
over its queries. No mcgraph code runs in the timed raw path.
  - GET /compare runs no SPARQL once the server has the referencing network cached (it searches in
    memory); its raw side is the project's own SPARQL for the question instead: the canned
    comparable-levels-one-hop and comparable-levels-two-hops queries for the same level and target
    (two hops; the endpoint follows up to three).
  - GET /queries (the catalogue) runs no SPARQL; it is timed over HTTP only.

The server is a real `mcgraph serve` process (its defaults: 3 query workers) on 127.0.0.1 against
the store. Requests are sequential from this process over one keep-alive httpx client; after a
warm-up, each sample is one HTTP request followed by one raw replay, so both sides see the same
machine load. A slow endpoint stops early after --budget seconds (at least --min-requests
samples). Results are printed and written as JSON to bench/results/.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from bench_api import free_port, start_server, stop_server  # noqa: E402
from bench_stacking import pick_learner, store_for  # noqa: E402
from timing import machine, pct  # noqa: E402

ID = "https://w3id.org/mcgraph/id/"
MC = "https://w3id.org/mcgraph/ns#"
AT = date(2026, 1, 1)
P50_TARGET, P99_TARGET = 1.5, 3.0
COMPARE_LEVEL, COMPARE_TO = "AQF:7", "EQF"  # bundled frameworks; a chain exists (checked below)
ROW_LIMIT = 100_000  # the server's default max_result_rows (MCGRAPH_MAX_RESULT_ROWS)
SIZES = {10_000: "10k", 30_000: "30k", 100_000: "100k", 1_000_000: "1m"}


# -- inputs from the data --------------------------------------------------------------------------
def label(n: int) -> str:
    return SIZES.get(n, f"{n // 1000}k" if n % 1000 == 0 else str(n))


def dataset(n: int) -> Path:
    path = BENCH / "data" / f"mc-{label(n)}.ttl"
    if not path.exists():
        print(f"generating {path} ({n} credentials, seed 1)", flush=True)
        import subprocess
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--credentials", str(n), "--out", str(path),
                        "--seed", "1"], check=True)
    return path


def one(raw: ox.Store, query: str) -> list[Any]:
    for s in raw.query(query, use_default_graph_as_union=True):
        return [t.value if t is not None else None for t in s]
    raise RuntimeError(f"no row for {query}")


def pick_inputs(raw: ox.Store, seed: int) -> dict[str, Any]:
    """Slug and title word of one generated credential; the learner; one qualification with a rule."""
    rng = random.Random(seed)
    number = rng.randrange(1, 1000)  # the first thousand exist at every size
    iri = f"{ID}credential/syn-mc-{number:06d}"
    title = one(raw, f"SELECT ?t WHERE {{ <{iri}> <http://purl.org/dc/terms/title> ?t }}")[0]
    words = [w for w in title.split() if w.isalpha() and len(w) > 4]
    held, qual = pick_learner(raw, seed)
    return {"credential": iri, "slug": iri.rsplit("/", 1)[1], "title": title, "word": words[0],
            "held": held, "qualification": qual}


def cases(inputs: dict[str, Any], names: list[str]) -> dict[str, dict[str, Any]]:
    """name -> the HTTP request and what the helper records for its raw side."""
    out: dict[str, dict[str, Any]] = {
        "compare": {"title": f"GET /compare?level={COMPARE_LEVEL}&to={COMPARE_TO}", "method": "GET",
                    "path": "/compare", "params": {"level": COMPARE_LEVEL, "to": COMPARE_TO}},
        "stack": {"title": "POST /stack (10 held, discover)", "method": "POST", "path": "/stack",
                  "json": {"credentials": inputs["held"], "at": AT.isoformat()}},
        "search": {"title": f"GET /credentials?q={inputs['word']}", "method": "GET", "path": "/credentials",
                   "params": {"q": inputs["word"]}},
        "credential": {"title": f"GET /credentials/{inputs['slug']}", "method": "GET",
                       "path": f"/credentials/{inputs['slug']}"},
        "queries": {"title": "GET /queries (catalogue)", "method": "GET", "path": "/queries"},
    }
    qual = inputs["qualification"]
    for name in names:
        values = {}
        if name in ("stacking-candidates", "stacking-contributors"):
            values["qualification"] = qual
        out[f"q:{name}"] = {"title": f"GET /queries/{name}", "method": "GET", "path": f"/queries/{name}",
                            "params": values, "canned": name}
    return out


# -- the raw side: recorded once, in a helper process ----------------------------------------------
def record(store_dir: str, plan: dict[str, dict[str, Any]], held: list[str]) -> dict[str, Any]:
    """Run in a spawned process: each endpoint's library call once, every query it sends recorded."""
    from mcgraph import browse
    from mcgraph.credits import CreditSystems
    from mcgraph.executor import Executor, ResultLimits, SparqlTask, evaluate
    from mcgraph.namespaces import PREFIXES
    from mcgraph.queries import bind, catalogue, find_query, paged
    from mcgraph.referencing import ReferencingNetwork
    from mcgraph.stacking import Stacking
    from mcgraph.store import OxigraphStore
    from mcgraph_api.routes.rest import PAGE_SIZE

    class Recorder(Executor):
        def __init__(self, store: OxigraphStore) -> None:
            self.store, self.log = store, []

        def run(self, task: tuple[str, Any]) -> Any:
            kind, payload = task
            if kind == "sparql":  # a canned query: its result drives nothing, so it is not evaluated here
                self.log.append({"kind": "sparql", "text": payload.text, "subs": payload.substitutions or {},
                                 "limit": payload.limits.max_rows})
                return None
            else:
                text, subs = payload
                self.log.append({"kind": kind, "text": text, "subs": subs or {}, "limit": None})
            return evaluate(self.store, task)

    store = OxigraphStore.open_snapshot(Path(store_dir))
    network = ReferencingNetwork.load(store)  # cached by the server per dataset version
    systems = CreditSystems.load(store)
    level = network.level(COMPARE_LEVEL)
    comparison = network.compare(level.iri, COMPARE_TO, 3)
    if not comparison.targets:
        raise RuntimeError(f"{COMPARE_LEVEL} -> {COMPARE_TO}: no answer; pick another pair")
    recorded: dict[str, Any] = {"prefixes": dict(PREFIXES), "cases": {}, "notes": {}}
    for name, case in plan.items():
        rec = Recorder(store)
        if name == "compare":
            network.compare(network.level(COMPARE_LEVEL).iri, COMPARE_TO, 3)  # in memory: records nothing
            recorded["notes"][name] = f"compare itself sent {len(rec.log)} queries (network cached)"
            target = network.framework(COMPARE_TO).iri
            for rq in ("comparable-levels-one-hop", "comparable-levels-two-hops"):
                q = find_query(rq)
                rec.sparql(SparqlTask(q.text, "json", "turtle", limits=ResultLimits(),
                                      substitutions=bind(q, {"level": level.iri, "target": target})))
        elif name == "stack":
            result = Stacking(rec, network=network, systems=systems).discover(held, AT, None)
            recorded["notes"][name] = f"discover: {len(result.results)} qualifications"
        elif name == "search":
            page = browse.credentials(rec, text=case["params"]["q"], limit=50)
            recorded["notes"][name] = f"{len(page.items)} items on the first page"
        elif name == "credential":
            browse.credential(rec, ID + "credential/" + case["path"].rsplit("/", 1)[1])
        elif name == "queries":
            catalogue()  # no SPARQL
        else:
            q = find_query(case["canned"])  # the first page, as the route asks for it
            rec.sparql(SparqlTask(paged(q.text, PAGE_SIZE), "json", "turtle", limits=ResultLimits(),
                                  substitutions=bind(q, case.get("params", {}))))
        recorded["cases"][name] = rec.log
    del store  # read-only: nothing to flush
    return recorded


def replay(raw: ox.Store, queries: list[dict[str, Any]], prefixes: dict[str, str]) -> int:
    """Every recorded query on pyoxigraph, every solution (or triple) read; the number of rows."""
    n = 0
    for q in queries:
        subs = {ox.Variable(k): v for k, v in q["subs"].items()}
        result = raw.query(q["text"], substitutions=subs, prefixes=prefixes, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            n += 1
            continue
        limit = q["limit"] or sys.maxsize
        for row in result:
            tuple(row)
            n += 1
            if n >= limit:
                break
    return n


# -- sampling --------------------------------------------------------------------------------------
@dataclass
class Samples:
    http: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    raw_rows: int = 0
    queries: int = 0
    error: str | None = None
    error_after_ms: float | None = None


class Failed(Exception):
    """The server did not answer 200 (e.g. a query over its time limit)."""


def send(client: httpx.Client, case: dict[str, Any]) -> None:
    answer = client.request(case["method"], case["path"], params=case.get("params"), json=case.get("json"))
    if answer.status_code != 200:
        raise Failed(f"HTTP {answer.status_code}: {answer.text[:200]}")
    answer.content  # noqa: B018 - read the whole body


def sample(client: httpx.Client, raw: ox.Store, case: dict[str, Any], queries: list[dict[str, Any]] | None,
           prefixes: dict[str, str], args: argparse.Namespace) -> Samples:
    out = Samples(queries=len(queries or []))
    for _ in range(args.warmup):
        t0 = time.perf_counter()
        try:
            send(client, case)
        except Failed as err:
            out.error, out.error_after_ms = str(err), (time.perf_counter() - t0) * 1000
            return out
        if queries:
            out.raw_rows = replay(raw, queries, prefixes)
    started = time.perf_counter()
    while len(out.http) < args.requests:
        t0 = time.perf_counter()
        try:
            send(client, case)
        except Failed as err:  # e.g. over the time limit on this sample: reported with the samples before it
            out.error, out.error_after_ms = str(err), (time.perf_counter() - t0) * 1000
            return out
        out.http.append((time.perf_counter() - t0) * 1000)
        if queries:
            t0 = time.perf_counter()
            replay(raw, queries, prefixes)
            out.raw.append((time.perf_counter() - t0) * 1000)
        if len(out.http) >= args.min_requests and time.perf_counter() - started > args.budget:
            break
    return out


def summary(times: list[float]) -> dict[str, float] | None:
    if not times:
        return None
    return {"n": len(times), "p50": statistics.median(times), "p99": pct(times, 0.99), "min": min(times),
            "max": max(times)}


# -- main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=1_000_000, help="dataset size (default 1M)")
    parser.add_argument("--requests", type=int, default=200, help="timed samples per endpoint (K)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed requests (and replays) per endpoint")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per endpoint before stopping early")
    parser.add_argument("--min-requests", type=int, default=5, help="samples taken whatever the budget")
    parser.add_argument("--seed", type=int, default=1, help="seed of the picked inputs")
    parser.add_argument("--only", default="", help="comma-separated case names (compare, stack, search, "
                                                   "credential, queries, q:<canned name>)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even if its stamp matches")
    return parser.parse_args()


def verdict(ratio: float | None, target: float) -> str:
    if ratio is None:
        return "n/a"
    return "meets" if ratio <= target else "falls short"


def main() -> None:
    args = parse_args()
    from mcgraph.queries import catalogue  # names only, outside any timed path

    data = dataset(args.credentials)
    store_dir = store_for(data, args.rebuild)
    print(machine(f"data {data.name}"), flush=True)
    raw = ox.Store.read_only(str(store_dir))
    t0 = time.perf_counter()
    inputs = pick_inputs(raw, args.seed)
    print(f"inputs picked in {time.perf_counter() - t0:.1f} s: credential {inputs['slug']}, word "
          f"{inputs['word']!r} (from {inputs['title']!r}), qualification {inputs['qualification']}", flush=True)
    plan = cases(inputs, sorted(catalogue()))
    if args.only:
        wanted = set(args.only.split(","))
        plan = {k: v for k, v in plan.items() if k in wanted}
    t0 = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        recorded = pool.apply(record, (str(store_dir), plan, inputs["held"]))
    print(f"raw queries recorded in {time.perf_counter() - t0:.1f} s (helper process)", flush=True)
    for name, note in recorded["notes"].items():
        print(f"  {name}: {note}")
    prefixes = recorded["prefixes"]

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = start_server(store_dir, port)
    print(f"server ready in {time.perf_counter() - t0:.1f} s", flush=True)
    results: dict[str, Samples] = {}
    try:
        with httpx.Client(base_url=url, timeout=300) as client:
            for name, case in plan.items():
                queries = recorded["cases"][name] if name != "queries" else None
                t0 = time.perf_counter()
                results[name] = s = sample(client, raw, case, queries, prefixes, args)
                if s.error:
                    print(f"  {case['title']}: failed after {s.error_after_ms / 1000:.1f} s: {s.error}", flush=True)
                    continue
                h, r = summary(s.http), summary(s.raw)
                print(f"  {case['title']}: {len(s.http)} samples in {time.perf_counter() - t0:.0f} s, "
                      f"HTTP p50 {h['p50']:.2f} ms" + (f", raw p50 {r['p50']:.2f} ms ({s.queries} queries, "
                                                         f"{s.raw_rows} rows)" if r else ""), flush=True)
    finally:
        stop_server(proc)

    rows = []
    print(f"\nLatency, ms (sequential; after {args.warmup} warm-up; each sample = one HTTP request then its raw "
          f"SPARQL replay)")
    print(f"{'endpoint':<52}{'n':>5}{'HTTP p50':>10}{'HTTP p99':>10}{'raw p50':>10}{'raw p99':>10}"
          f"{'p50 x':>8}{'p99 x':>8}  verdict (p50 <= {P50_TARGET}x, p99 <= {P99_TARGET}x)")
    for name, s in results.items():
        if s.error:
            print(f"{plan[name]['title'][:51]:<52}  fails: {s.error[:60]} (after {s.error_after_ms / 1000:.1f} s)")
            rows.append({"case": name, "title": plan[name]["title"], "error": s.error,
                         "error_after_ms": s.error_after_ms, "p50_verdict": "falls short",
                         "p99_verdict": "falls short"})
            continue
        h, r = summary(s.http), summary(s.raw)
        r50 = h["p50"] / r["p50"] if r else None
        r99 = h["p99"] / r["p99"] if r else None
        v50, v99 = verdict(r50, P50_TARGET), verdict(r99, P99_TARGET)
        line = (f"{plan[name]['title'][:51]:<52}{h['n']:>5}{h['p50']:>10.2f}{h['p99']:>10.2f}"
                + (f"{r['p50']:>10.2f}{r['p99']:>10.2f}{r50:>7.2f}x{r99:>7.2f}x" if r else f"{'—':>10}{'—':>10}"
                   f"{'—':>8}{'—':>8}")
                + (f"  p50 {v50}, p99 {v99}" if r else "  no SPARQL: no baseline"))
        print(line)
        rows.append({"case": name, "title": plan[name]["title"], "http": h, "raw": r, "queries": s.queries,
                     "raw_rows": s.raw_rows, "p50_ratio": r50, "p99_ratio": r99, "p50_verdict": v50,
                     "p99_verdict": v99, "http_ms": s.http, "raw_ms": s.raw})
    short = [r["case"] for r in rows if "falls short" in (r["p50_verdict"], r["p99_verdict"])]
    print(f"\n{len(rows) - len(short)} of {len(rows)} endpoints meet both targets"
          + (f"; falling short: {', '.join(short)}" if short else ""))
    out = BENCH / "results" / f"latency-{label(args.credentials)}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "data": data.name, "store": str(store_dir), "inputs": inputs,
                               "args": vars(args), "notes": recorded["notes"], "results": rows}, indent=1))
    print(f"written {out.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
