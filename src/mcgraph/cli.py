"""The `mcgraph` command: thin typer adapters over the library.

Exit codes: 0 ok; 1 data does not conform; 2 usage, parse or input error; 3 feature unavailable.
"""
from __future__ import annotations

import csv
import dataclasses
import functools
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Settings
from .errors import McGraphError, NonConformantData, UsageError
from .ingest import LoadResult, init_store, load_files
from .namespaces import curie
from .queries import RESULT_FORMATS, catalogue, find_query, run, serialize_results, term_text
from .recognition import assess as assess_credential
from .recognition_report import renderables, to_markdown
from .referencing import DEFAULT_MAX_HOPS, ROW_FIELDS, Comparison, ReferencingNetwork, comparison_rows
from .referencing_quality import check_referencing
from .report import FORMATS as REPORT_FORMATS
from .report import ValidationReport, render
from .stacking import COSTS, MAX_PLANS, Discovery, Evaluation, Pathways, Stackable, Stacking
from .stats import dataset_stats
from .store import GraphStore, open_store
from .validate import available_profiles, validate_files

app = typer.Typer(help="mcgraph: micro-credentials and qualifications frameworks as a knowledge graph.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
graphs_app = typer.Typer(help="List or drop named graphs.", no_args_is_help=True)
app.add_typer(graphs_app, name="graphs")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_state: dict[str, str | None] = {"store": None}

EXPORT_FORMATS = {"nq": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "ttl": ox.RdfFormat.TURTLE,
                  "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD, "rdf": ox.RdfFormat.RDF_XML}


@app.callback()
def main(store: str | None = typer.Option(None, "--store", envvar="MCGRAPH_STORE",
                                             help="Store directory, or 'memory'.")) -> None:
    _state["store"] = store


@contextmanager
def _store() -> Iterator[GraphStore]:
    with open_store(_state["store"]) as store:
        yield store


def _fail(error: McGraphError) -> None:
    if isinstance(error, NonConformantData):
        _print_report(error.report, "table", to_stderr=True)
    else:
        err.print(f"[bold red]error:[/] {error.message}", highlight=False)
    raise typer.Exit(error.exit_code)


def run_command(func):
    """Map library errors to messages and exit codes, in one place."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except McGraphError as error:
            _fail(error)

    return wrapper


class _Progress:
    """A rich progress display for long loads (shown only on a terminal)."""

    def __init__(self) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                            TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
        self.tasks: dict[str, int] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=max(total, 1))
        self.bar.update(self.tasks[phase], completed=done, total=max(total, 1))


def _print_load(result: LoadResult, verb: str) -> None:
    table = Table("graph", "triples", title=f"{verb} {result.triples} triples in {len(result.graphs)} graph(s)")
    for graph, n in sorted(result.graphs.items()):
        table.add_row(curie(graph), str(n))
    out.print(table)
    if result.report.results:
        out.print(f"validation: {result.report.summary_line()}")


@app.command()
@run_command
def init() -> None:
    """Load the ontology, shapes and bundled data into the store (replacing earlier copies)."""
    progress = _Progress()
    with progress.bar, _store() as store:
        result = init_store(store, progress=progress)
    _print_load(result, "Loaded")


@app.command()
@run_command
def load(files: list[Path] = typer.Argument(..., help="Turtle, N-Triples, N-Quads, TriG, JSON-LD or RDF/XML files."),
         graph: str | None = typer.Option(None, "--graph", help="Load every file into this graph IRI."),
         append: bool = typer.Option(False, "--append", help="Add to the graph instead of replacing it."),
         profile: list[str] = typer.Option([], "--profile", help="Also check a profile (repeatable)."),
         ) -> None:
    """Validate files and load them all or nothing (each file replaces its named graph by default)."""
    progress = _Progress()
    with progress.bar, _store() as store:
        result = load_files(store, files, graph=graph, append=append, profiles=profile, progress=progress)
    _print_load(result, "Appended" if append else "Loaded")


@app.command()
@run_command
def validate(files: list[Path] = typer.Argument(..., help="Files to check (not stored)."),
             profile: list[str] = typer.Option([], "--profile", help="Profile to add: see `mcgraph profiles`."),
             fmt: str = typer.Option("table", "--format", help=f"One of {', '.join(REPORT_FORMATS)}."),
             context: bool = typer.Option(True, "--context/--no-context",
                                          help="Resolve references against the store, if there is one."),
             ) -> None:
    """Check files against the shapes (and profiles) without storing them; exit 1 on violations."""
    if fmt not in REPORT_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(REPORT_FORMATS)}")
    if context and _store_exists():
        with _store() as store:
            report = validate_files(files, store, profile)
    else:
        report = validate_files(files, None, profile)
    _print_report(report, fmt)
    if not report.conforms:
        raise typer.Exit(1)


def _store_exists() -> bool:
    from .config import Settings

    location = _state["store"] or Settings.from_env().store
    return location != "memory" and Path(location).is_dir()


def _print_report(report: ValidationReport, fmt: str, to_stderr: bool = False) -> None:
    console = err if to_stderr else out
    if fmt != "table":
        sys.stdout.write(render(report, fmt))
        return
    style = "green" if report.conforms else "red"
    console.print(f"[bold {style}]{report.summary_line()}[/]", highlight=False)
    if not report.results:
        return
    summary = Table("severity", "shape", "path", "message", "count", title="By shape")
    for severity, shape, path, message, n in report.by_shape():
        summary.add_row(severity, shape, path, message, str(n))
    console.print(summary)
    rows = Table("severity", "focus node", "path", "value", "message", title="Results")
    for result in report.sorted_results():
        r = result.row()
        rows.add_row(r["severity"], r["focus"], r["path"], r["value"], r["message"])
    console.print(rows)


@app.command()
@run_command
def profiles() -> None:
    """List the validation profiles."""
    for name in available_profiles():
        out.print(name)


@app.command()
@run_command
def query(name: str = typer.Argument(..., help="A query name (see `mcgraph queries`) or a .rq file."),
          param: list[str] = typer.Option([], "--param", "-p", help="name=value (repeatable)."),
          fmt: str = typer.Option("table", "--format", help=f"table, {', '.join(RESULT_FORMATS)}."),
          limit: int | None = typer.Option(None, "--limit", help="At most N rows (default: every row)."),
          offset: int = typer.Option(0, "--offset", help="Skip the first N rows."),
          ) -> None:
    """Run a canned query or a .rq file against the store; --limit and --offset give one page."""
    values = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--param expects name=value, got {item!r}")
        values[key.strip()] = value
    canned = find_query(name)
    if fmt != "table" and fmt not in RESULT_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected table or one of {', '.join(RESULT_FORMATS)}")
    with _store() as store:
        result = run(store, canned, values, limit, offset)
        if fmt != "table" or isinstance(result, ox.QueryTriples):
            sys.stdout.buffer.write(serialize_results(result, "csv" if fmt == "table" else fmt))
            return
        if isinstance(result, ox.QueryBoolean):
            out.print(str(bool(result)).lower())
            return
        bound = {p.name: values.get(p.name, p.default) for p in canned.params}
        names = [v.value for v in result.variables if v.value not in bound]  # parameters go in the title
        title = canned.title + "".join(f"\n{k} = {v}" for k, v in bound.items())
        table = Table(*names, title=title)
        count = 0
        for row in result:
            table.add_row(*(curie(term_text(row[n])) if isinstance(row[n], ox.NamedNode) else term_text(row[n])
                            for n in names))
            count += 1
        out.print(table)
        err.print(f"{count} row(s)")


@app.command()
@run_command
def queries() -> None:
    """List the canned queries and their parameters."""
    table = Table("name", "title", "parameters")
    for q in catalogue().values():
        params = ", ".join(f"{p.name}:{p.type}" + ("" if p.required else f"={p.default}") for p in q.params)
        table.add_row(q.name, q.title, params)
    out.print(table)


@app.command()
@run_command
def compare(source: str = typer.Argument(..., help="A level (AQF:7, id:level/aqf-7) or a framework (AQF)."),
            to: str = typer.Option(..., "--to", help='Target framework (HKQF, id, IRI) or "all".'),
            max_hops: int = typer.Option(DEFAULT_MAX_HOPS, "--max-hops", help="Longest chain of reports."),
            fmt: str = typer.Option("table", "--format", help="table, json or csv."),
            ) -> None:
    """What a level (or each level of a framework) corresponds to in another framework, with the evidence."""
    if fmt not in ("table", "json", "csv"):
        raise UsageError(f"unknown format {fmt!r}; expected table, json or csv")
    with _store() as store:
        if not store.graph_names():
            raise UsageError("the store is empty: run `mcgraph init` first")
        result = ReferencingNetwork.load(store).compare(source, to, max_hops)
    if fmt == "json":
        sys.stdout.write(json.dumps(dataclasses.asdict(result), indent=2, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=ROW_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(comparison_rows(result))
    else:
        _print_comparison(result)


def _print_comparison(result: Comparison) -> None:
    subject = result.level.name if result.level else f"{result.source.code} (every level)"
    targets = ", ".join(t.code for t in result.targets) or "nothing"
    table = Table("level", "target", "match", "strength", "chain", "evidence",
                  title=f"{subject} compared with {targets} (chains of at most {result.max_hops} reports)")
    for row in comparison_rows(result):
        if row["target_level"]:
            table.add_row(row["level"], row["target_level"], row["match"],
                          f"{row['strength']} {row['strength_label']}", row["path"], row["reports"])
        else:
            table.add_row(row["level"], row["target"], f"[yellow]{row['status']}[/]", "", "", row["reason"])
    if result.comparisons:
        out.print(table)
    if result.note:
        out.print(f"[yellow]{result.note}[/]")


@app.command("check-referencing")
@run_command
def check_referencing_command(
        framework: str | None = typer.Argument(None, help="One framework (AQF, id or IRI); default: every "
                                                          "referenced framework."),
        fmt: str = typer.Option("table", "--format", help="table or json.")) -> None:
    """Quality checks on the referencing data: levels without rows, inverted order, fans, undated reports..."""
    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; expected table or json")
    with _store() as store:
        results = check_referencing(ReferencingNetwork.load(store), framework)
    if fmt == "json":
        sys.stdout.write(json.dumps([dataclasses.asdict(r) for r in results], indent=2, ensure_ascii=False) + "\n")
        return
    table = Table("framework", "severity", "check", "finding", title="Referencing quality")
    for result in results:
        for finding in result.findings:
            table.add_row(result.framework.code, finding.severity, finding.check, finding.message)
        if not result.findings:
            table.add_row(result.framework.code, "", "", "[green]no findings[/]")
    out.print(table)


# -- stacking -------------------------------------------------------------------------------------------
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD), or None for today; anything else is a usage error."""
    if text is None:
        return None
    try:
        if not _ISO_DATE.fullmatch(text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"not a date: {text!r}; expected YYYY-MM-DD, e.g. 2026-01-01") from None


def _json_or_table(fmt: str) -> None:
    if fmt not in ("table", "json"):
        raise UsageError(f"unknown format {fmt!r}; expected table or json")


def _write_json(result: object) -> None:
    sys.stdout.write(json.dumps(dataclasses.asdict(result), indent=2, ensure_ascii=False) + "\n")


@contextmanager
def _stacking() -> Iterator[Stacking]:
    with _store() as store:
        if not store.graph_names():
            raise UsageError("the store is empty: run `mcgraph init` first")
        yield Stacking(store)


@app.command()
@run_command
def stack(credentials: list[str] = typer.Argument(..., help="Held credentials: slug (nz-data-fundamentals), "
                                                              "CURIE (id:credential/…) or IRI."),
          target: str | None = typer.Option(None, "--target", help="Evaluate against one qualification, with "
                                                                    "completion plans; default: every "
                                                                    "qualification they count toward."),
          at: str | None = typer.Option(None, "--at", help="Date of QA and rules, YYYY-MM-DD (default today)."),
          prior_learning: str | None = typer.Option(None, "--prior-learning",
                                                    help="Credit from recognition of prior learning."),
          cost: str = typer.Option("credits", "--cost", help=f"What plans minimise: {' or '.join(COSTS)}."),
          plans: int = typer.Option(3, "--plans", help=f"Completion plans to show (0..{MAX_PLANS})."),
          fmt: str = typer.Option("table", "--format", help="table or json."),
          ) -> None:
    """Which qualifications credentials count toward, how much, what remains and how to finish."""
    _json_or_table(fmt)
    when = _date(at)
    with _stacking() as engine:
        result: Evaluation | Discovery = (
            engine.evaluate(credentials, target, when, prior_learning, cost, plans) if target
            else engine.discover(credentials, when, prior_learning))
    if fmt == "json":
        _write_json(result)
    elif isinstance(result, Evaluation):
        _print_evaluation(result)
    else:
        _print_discovery(result)


@app.command()
@run_command
def stackable(qualification: str = typer.Argument(..., help="A qualification with a stacking rule: slug, CURIE "
                                                             "or IRI."),
              at: str | None = typer.Option(None, "--at", help="Date of QA, YYYY-MM-DD (default today)."),
              limit: int | None = typer.Option(None, "--limit", help="Most credentials to list (default all)."),
              fmt: str = typer.Option("table", "--format", help="table or json."),
              ) -> None:
    """Every credential that may stack into a qualification, and whether it counts."""
    _json_or_table(fmt)
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    when = _date(at)
    with _stacking() as engine:
        result = engine.stackable(qualification, when, limit)
    if fmt == "json":
        _write_json(result)
    else:
        _print_stackable(result)


@app.command()
@run_command
def pathways(credentials: list[str] = typer.Argument(..., help="Start credentials: slug, CURIE or IRI."),
             fmt: str = typer.Option("table", "--format", help="table or json."),
             ) -> None:
    """Part-to-whole chains from credentials up to the qualifications that contain them."""
    _json_or_table(fmt)
    with _stacking() as engine:
        result = engine.pathways(credentials)
    if fmt == "json":
        _write_json(result)
    else:
        _print_pathways(result)


def _yes(flag: bool) -> str:
    return "[green]yes[/]" if flag else "[red]no[/]"


def _amount(value: str | None, of: str | None, system: str | None) -> str:
    if of is None:
        return value or "-"
    return f"{value} of {of} {system or 'credits'}"


def _print_evaluation(e: Evaluation) -> None:
    name = e.qualification.title or e.qualification.id
    out.print(f"[bold]{name}[/] ({e.qualification.id}) at {e.at}: "
              + ("[green]complete[/]" if e.complete else f"not complete, closeness {e.closeness:.0%}"),
              highlight=False)
    if e.rule_comment:
        out.print(f"[dim]{e.rule_comment}[/]", highlight=False)
    held = Table("credential", "counts", "credited", "level", "QA", "why", title=f"Credentials against {name}")
    for c in e.credentials:
        credited = c.credited if c.value is None or c.credited == c.value else f"{c.credited} of {c.value}"
        level = f"{', '.join(c.level.levels) or '-'} ({c.level.how})" if c.level else "-"
        held.add_row(c.title or c.id, _yes(c.counts), credited, level, c.qa.status, c.why)
    out.print(held)
    k = e.credits
    credits = Table("credit", "amount", title=f"Credits ({k.system or 'no credit requirement'})")
    micro = k.micro_credentials + (f" (of {k.micro_credentials_uncapped} held)"
                                   if k.micro_credentials != k.micro_credentials_uncapped else "")
    credits.add_row("micro-credentials", micro + (f", cap {k.micro_credential_cap}" if k.micro_credential_cap else ""))
    credits.add_row("prior learning", k.prior_learning + (f", cap {k.prior_learning_cap}"
                                                          if k.prior_learning_cap else ""))
    credits.add_row("other credentials", k.other_credentials)
    credits.add_row("total", _amount(k.total, k.required, k.system))
    credits.add_row("remaining", k.remaining + (f" (micro-credentials can add {k.remaining_within_cap})"
                                                if k.micro_credential_cap and not k.met else ""))
    out.print(credits)
    if e.requirements:
        reqs = Table("kind", "requirement", "met", "held", "note", title="Requirements")
        for r in e.requirements:
            reqs.add_row(r.kind, r.label, _yes(r.met), ", ".join(h.title or h.id for h in r.held), r.note)
        out.print(reqs)
    if e.remains:
        out.print("[bold]What remains[/]", highlight=False)
        for line in e.remains:
            out.print(f"  - {line}", highlight=False)
    else:
        out.print("[green]Nothing remains: the rule is complete.[/]", highlight=False)
    if e.completion is not None:
        c = e.completion
        if c.plans:
            plans = Table("#", "add", "cost", "credit added", "completes", "note",
                          title=f"Completion plans (cheapest first, by {c.cost}; {c.note})")
            for n, plan in enumerate(c.plans, 1):
                items = "; ".join((i.title or i.id) + (f" ({', '.join(i.meets)})" if i.meets else "")
                                  for i in plan.items)
                plans.add_row(str(n), items, f"{plan.cost} {plan.cost_unit}", plan.credit_added,
                              _yes(plan.completes), plan.note)
            out.print(plans)
        else:
            out.print(f"[yellow]Completion: {c.note}[/]", highlight=False)
    if e.other_rules:
        out.print("other rules: " + ", ".join(r.id for r in e.other_rules), highlight=False)


def _print_discovery(d: Discovery) -> None:
    out.print("Held: " + ", ".join(f"{c.title or c.id} ({c.id})" for c in d.credentials), highlight=False)
    table = Table("qualification", "closeness", "credits", "counting", "complete", "what remains",
                  title=f"Qualifications they count toward at {d.at}, closest first "
                        f"({len(d.results)} of {d.considered} considered)")
    for e in d.results:
        counting = sum(c.counts for c in e.credentials)
        table.add_row(f"{e.qualification.title or e.qualification.id}\n{e.qualification.id}", f"{e.closeness:.0%}",
                      _amount(e.credits.total, e.credits.required, e.credits.system),
                      f"{counting} of {len(e.credentials)}", _yes(e.complete),
                      "\n".join(f"- {line}" for line in e.remains) or "nothing")
    if d.results:
        out.print(table)
    else:
        out.print(f"[yellow]The credentials count toward no qualification in the graph at {d.at} "
                  f"({d.considered} considered).[/]", highlight=False)


def _print_stackable(s: Stackable) -> None:
    name = s.qualification.title or s.qualification.id
    table = Table("credential", "kind", "counts", "value", "level", "QA", "why",
                  title=f"Credentials that may stack into {name} at {s.at}: {s.counting} of {s.total} count")
    for c in s.credentials:
        level = f"{', '.join(c.level.levels) or '-'} ({c.level.how})" if c.level else "-"
        table.add_row(f"{c.title or c.id}\n{c.id}", c.kind, _yes(c.counts), c.value or "-", level, c.qa.status, c.why)
    out.print(table)
    if len(s.credentials) < s.total:
        out.print(f"[dim]{s.total - len(s.credentials)} more not shown (--limit)[/]", highlight=False)


def _print_pathways(p: Pathways) -> None:
    titles = {n.id: n.title or n.id for n in p.nodes}
    chains = Table("#", "chain", title="Pathways (part -> whole)")
    for n, chain in enumerate(p.chains, 1):
        chains.add_row(str(n), " -> ".join(f"{titles.get(c, c)} ({c})" for c in chain))
    if p.chains:
        out.print(chains)
    else:
        out.print("[yellow]No pathways: no credential in the graph contains these credentials.[/]", highlight=False)
    if p.edges:
        edges = Table("part", "whole", "relation", title="Links")
        for edge in p.edges:
            edges.add_row(edge.source, edge.target, edge.relation)
        out.print(edges)


# -- recognition ----------------------------------------------------------------------------------------
@app.command()
@run_command
def assess(credential: str = typer.Argument(..., help="A stored credential: slug (nz-data-ethics), CURIE or IRI."),
           host: str = typer.Option(..., "--host", help="Host country: ISO code (HK, NZ, AU) or name."),
           at: str | None = typer.Option(None, "--at", help="Date assessed, YYYY-MM-DD (default today)."),
           fmt: str = typer.Option("table", "--format", help="table, json or markdown."),
           ) -> None:
    """A first recognition assessment of a credential for a host country: evidence, not a verdict."""
    if fmt not in ("table", "json", "markdown"):
        raise UsageError(f"unknown format {fmt!r}; expected table, json or markdown")
    when = _date(at)
    with _store() as store:
        if not store.graph_names():
            raise UsageError("the store is empty: run `mcgraph init` first")
        result = assess_credential(store, store, credential, host, when)
    if fmt == "json":
        _write_json(result)
    elif fmt == "markdown":
        sys.stdout.write(to_markdown(result))
    else:
        for item in renderables(result):
            out.print(item, highlight=False)


@graphs_app.command("list")
@run_command
def graphs_list() -> None:
    """List named graphs with their size and source."""
    with _store() as store:
        table = Table("graph", "triples", "source", "loaded")
        for g in store.graphs():
            table.add_row(curie(g.name), str(g.triples), g.source or "", g.loaded_at or "")
        out.print(table)


@graphs_app.command("drop")
@run_command
def graphs_drop(graph: str = typer.Argument(..., help="Graph IRI.")) -> None:
    """Drop one named graph and its catalog record."""
    from .queries import expand_iri

    with _store() as store:
        store.drop_graph(expand_iri(graph))
    out.print(f"dropped {graph}")


@app.command()
@run_command
def export(graph: str | None = typer.Option(None, "--graph", help="Export one graph only."),
           fmt: str = typer.Option("nq", "--format", help=f"One of {', '.join(EXPORT_FORMATS)}."),
           output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
           ) -> None:
    """Export the store (N-Quads/TriG) or one graph (any RDF format)."""
    from .queries import expand_iri

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    with _store() as store:
        target = expand_iri(graph) if graph else None
        if output:
            with output.open("wb") as handle:
                store.dump(handle, EXPORT_FORMATS[fmt], target)
        else:
            store.dump(sys.stdout.buffer, EXPORT_FORMATS[fmt], target)


@app.command()
@run_command
def stats() -> None:
    """Triples, graphs and resources per class."""
    with _store() as store:
        s = dataset_stats(store)
    out.print(f"{s.triples} triples in {s.graphs} graphs")
    table = Table("class", "resources")
    for cls, n in s.classes.items():
        table.add_row(cls, str(n))
    out.print(table)


@app.command()
@run_command
def reason(files: list[Path] = typer.Argument(None, help="Extra files to check with the ontology."),
           bundled: bool = typer.Option(True, "--bundled/--no-bundled", help="Include the bundled data.")) -> None:
    """Check with the OWL reasoner (HermiT, needs Java) that ontology and data are consistent."""
    from .reasoning import check_consistency

    result = check_consistency(list(files or []), include_bundled=bundled)
    if result.consistent:
        out.print(f"[green]consistent[/] ({result.triples} triples)")
        return
    out.print(f"[red]inconsistent[/]: {result.explanation}")
    raise typer.Exit(1)


@app.command()
@run_command
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
          port: int = typer.Option(8000, "--port", help="TCP port."),
          workers: int | None = typer.Option(None, "--query-workers", help="Query worker processes "
                                             "(default MCGRAPH_QUERY_WORKERS or 3).")) -> None:
    """Serve SPARQL, the Graph Store Protocol and the JSON API; an empty store gets the bundled data first."""
    import os

    import uvicorn

    if _state["store"]:
        os.environ["MCGRAPH_STORE"] = _state["store"]
    if workers is not None:
        os.environ["MCGRAPH_QUERY_WORKERS"] = str(workers)
    settings = Settings.from_env()  # fail early on a bad setting, before the server starts
    err.print(f"mcgraph {__version__}: store {settings.store}, writes "
              f"{'need the bearer token' if settings.token else 'disabled (no MCGRAPH_TOKEN)'}; "
              f"http://{host}:{port}/sparql", highlight=False)
    # the HTTP shell is the mcgraph_api package; named here, not imported by the library
    # no access log (formatting it costs more than a cached answer); uvicorn takes httptools and uvloop
    # when they are installed (dependencies on Linux and macOS)
    uvicorn.run("mcgraph_api:create_app", factory=True, host=host, port=port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=5)


@app.command()
def version() -> None:
    """Print the version."""
    out.print(__version__)


if __name__ == "__main__":
    app()
