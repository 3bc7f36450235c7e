#!/usr/bin/env python3
"""Stacking benchmark: what 10 held micro-credentials count toward, mcgraph against raw SPARQL, in one run.

    python bench/bench_stacking.py              # 5 timed calls per case (3 cold), ~6 min on 2 cores
    python bench/bench_stacking.py --quick      # 2 per case (1 cold)

Data: bench/data/mc-100k.ttl (bench/generate.py, seed 1; generated when missing): 100,000
micro-credentials and about 2,000 qualifications, each with a stacking rule. The store is made
the way bench_load.py makes its 100k store: `mcgraph init` (ontology, shapes, bundled data) into
a fresh directory, then pyoxigraph bulk_load of the file into …/graph/local/mc-100k, the graph
`mcgraph load` would write (a validated load of 100k does not fit in memory here). It is kept
in bench/data/store-mc-100k/ with a stamp of the file it holds (size, modification time) and
rebuilt only when the file changed, or with --rebuild.

The learner holds 10 micro-credentials, chosen deterministically (--seed): the required
component and 3 other parts of one qualification whose rule names a component, then parts and
non-parts of qualifications of the other credit systems, in turn. In one process, on the same
store directory:
  - raw: the SELECT texts mcgraph.stacking_data sends for the question, recorded once before
    timing from a fresh engine (so with its first-call reads: credentials, QA decisions, the
    qualifications listing a held credential, the open ones, their rules, items and parts,
    required outcomes, named credentials; for evaluate also the candidate pool, in batches of
    2,000), then run on pyoxigraph.Store.read_only(dir) with Store.query(...,
    use_default_graph_as_union=True), every solution read as a tuple. No mcgraph code runs in
    the timed path. The referencing network and credit systems are not part of it;
  - mcgraph, on open_store(dir): Stacking(store).discover(held, at=2026-01-01) warm (what the
    server does per request: a new engine given the referencing network and credit systems it
    caches per dataset version) and cold (a new engine that reads them too, as a CLI call does);
    Stacking(store).evaluate(held, best, at=...) against the best-ranked
    qualification of discover, with its completion plans (3, the default), warm and cold.
The cases are interleaved round by round. Ratios are mcgraph p50 / raw p50, both in this run.
"""
from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from bench_load import GRAPH, PYTHON, WORKER, cli_cmd, dataset, measured  # noqa: E402
from timing import machine, pct, timed  # noqa: E402

from mcgraph import stacking_data as sd  # noqa: E402
from mcgraph.credits import CreditSystems  # noqa: E402
from mcgraph.namespaces import PREFIXES, sparql_prologue  # noqa: E402
from mcgraph.referencing import ReferencingNetwork  # noqa: E402
from mcgraph.stacking import Stacking  # noqa: E402
from mcgraph.store import open_store  # noqa: E402

MC = "https://w3id.org/mcgraph/ns#"
AT = date(2026, 1, 1)
HELD = 10
PROLOGUE = sparql_prologue()


# -- the store -------------------------------------------------------------------------------------
def stamp_of(data: Path) -> dict:
    st = data.stat()
    return {"file": data.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def store_for(data: Path, rebuild: bool) -> Path:
    """An initialised on-disk store holding `data` in …/graph/local/<stem>; reused when its stamp matches."""
    store = data.parent / f"store-{data.stem}"
    stamp = data.parent / f"store-{data.stem}.json"
    if not rebuild and store.is_dir() and stamp.exists() and json.loads(stamp.read_text()) == stamp_of(data):
        print(f"store: reusing {store} (stamp matches {data.name})", flush=True)
        return store
    shutil.rmtree(store, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    work = data.parent / f"store-{data.stem}.build"
    shutil.rmtree(work, ignore_errors=True)
    logs = work / "logs"
    init = measured(cli_cmd(["--store", str(store), "init"], work / "t-init.json", plain=True), logs / "init")
    graph = GRAPH + "local/" + data.stem  # the graph `mcgraph load FILE` writes
    fill = measured([PYTHON, WORKER, "raw-into", str(store), str(data), graph, str(work / "t-fill.json")],
                    logs / "fill")
    shutil.rmtree(work, ignore_errors=True)
    stamp.write_text(json.dumps(stamp_of(data)))
    print(f"store: built {store} (init {init['wall']:.1f} s, bulk_load into {graph} {fill['wall']:.1f} s)",
          flush=True)
    return store


# -- the learner -----------------------------------------------------------------------------------
def rows(raw: ox.Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(t.value for t in s) for s in raw.query(PROLOGUE + query, use_default_graph_as_union=True)]


def pick_learner(raw: ox.Store, seed: int) -> tuple[list[str], str]:
    """10 micro-credential IRIs, and the qualification the first four are parts of."""
    rng = random.Random(seed)
    named = sorted(rows(raw, """SELECT ?q ?c ?system WHERE {
        ?q mc:stackingRule ?r . ?r mc:requiredComponent ?c ; mc:requiredCredits/mc:creditSystem ?system .
        FILTER(STRSTARTS(STR(?q), "https://w3id.org/mcgraph/id/credential/syn-")) }"""))
    qual, component, system = named[rng.randrange(len(named))]
    parts = sorted(p for (p,) in rows(raw, f"SELECT ?c WHERE {{ ?c mc:isPartOf <{qual}> }}") if p != component)
    held = [component, *rng.sample(parts, min(3, len(parts)))]
    by_system: dict[str, tuple[list[str], list[str]]] = {}
    for c, s, part in sorted(rows(raw, """SELECT ?c ?s (BOUND(?q) AS ?part) WHERE {
            ?c a mc:MicroCredential ; mc:creditValue/mc:creditSystem ?s .
            FILTER(STRSTARTS(STR(?c), "https://w3id.org/mcgraph/id/credential/syn-"))
            OPTIONAL { ?c mc:isPartOf ?q } }""")):
        by_system.setdefault(s, ([], []))[0 if part == "true" else 1].append(c)
    others = [s for s in sorted(by_system) if s != system]
    turn = 0
    while len(held) < HELD:
        pool = by_system[others[turn % len(others)]][(turn // len(others)) % 2]  # parts first, then non-parts
        pick = rng.choice(pool)
        if pick not in held:
            held.append(pick)
        turn += 1
    return held, qual


# -- raw SPARQL ------------------------------------------------------------------------------------
class Recorder:
    """A reader that records the SELECT texts going through it (setup only, never timed)."""

    def __init__(self, reader) -> None:
        self.reader, self.texts = reader, []

    def select(self, sparql: str, substitutions=None):
        if substitutions:
            raise SystemExit("stacking used substitutions; the raw side would have to bind them too")
        self.texts.append(sparql)
        return self.reader.select(sparql)

    def __getattr__(self, name: str):
        return getattr(self.reader, name)


def kind_of(text: str) -> str:
    """Which stacking_data query a recorded text is (by its fixed head)."""
    for name in ("RULES_QUERY", "TITLES_QUERY", "RULE_ITEMS_QUERY", "PARTS_QUERY", "CREDENTIALS_QUERY",
                 "CANDIDATES_QUERY", "QA_QUERY", "OUTCOMES_QUERY", "OPEN_CANDIDATES_QUERY"):
        template = getattr(sd, name)
        if text.startswith(template[:template.index("%s")]):
            return name.removesuffix("_QUERY").lower().replace("_", " ")
    return "listing, open"  # qualifications_listing (named) and open_qualifications


def run_raw(raw: ox.Store, text: str) -> list[tuple]:
    return [tuple(s) for s in raw.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)]


def run_all(raw: ox.Store, texts: list[str], parts: dict[str, list[float]] | None = None) -> int:
    """Every recorded text, every solution read; per-kind milliseconds summed into `parts` when given."""
    total, spent = 0, {}
    for text in texts:
        t0 = time.perf_counter()
        total += len(run_raw(raw, text))
        kind = kind_of(text)
        spent[kind] = spent.get(kind, 0.0) + (time.perf_counter() - t0) * 1000
    if parts is not None:
        for kind, ms in spent.items():
            parts.setdefault(kind, []).append(ms)
    return total


# -- mcgraph ---------------------------------------------------------------------------------------
def recorded(store, network, systems, call: Callable) -> list[str]:
    """The SELECTs a fresh engine (network and credit systems given) runs for `call(engine)`."""
    recorder = Recorder(store)
    call(Stacking(recorder, network=network, systems=systems))
    return recorder.texts


# -- measuring -------------------------------------------------------------------------------------
def summary(times: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(times), "p90": pct(times, 0.90), "min": min(times), "max": max(times)}


def measure(cases: dict[str, Callable[[], object]], repeats: dict[str, int], rounds: int) -> dict[str, list[float]]:
    """Every case `repeats[case]` times, split over `rounds` rounds, the cases interleaved in each round;
    one untimed call of each case first."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for r in range(rounds):
        for name, call in cases.items():
            n = repeats[name] // rounds + (1 if r < repeats[name] % rounds else 0)
            if n or r == 0:
                gc.collect()
                times[name] += timed(call, n, warmup=1 if r == 0 else 0)
    return times


def print_results(times: dict[str, list[float]], names: dict[str, tuple[str, str | None]]) -> None:
    print("\nms per call (pooled over rounds)")
    print(f"{'case':<62}{'calls':>6}{'p50':>9}{'p90':>9}{'min':>9}{'max':>9}{'/raw p50':>10}")
    for key, (name, base) in names.items():
        if not times.get(key):
            continue
        s = summary(times[key])
        ratio = f"{s['p50'] / statistics.median(times[base]):>9.3g}x" if base else ""
        print(f"{name:<62}{len(times[key]):>6}{s['p50']:>9.1f}{s['p90']:>9.1f}{s['min']:>9.1f}{s['max']:>9.1f}{ratio}")


def print_parts(title: str, texts: list[str], parts: dict[str, list[float]]) -> None:
    counts: dict[str, int] = {}
    for text in texts:
        counts[kind_of(text)] = counts.get(kind_of(text), 0) + 1
    total = sum(statistics.median(v) for v in parts.values())
    print(f"  {title}: medians over the raw calls")
    for kind, ms in sorted(parts.items(), key=lambda kv: -statistics.median(kv[1])):
        med = statistics.median(ms)
        print(f"    {kind:<22}{counts.get(kind, 0):>4} queries{med:>10.1f} ms  ({med / total:>4.0%})")


# -- main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BENCH / "data" / "mc-100k.ttl", help="generated data file")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per raw and warm case")
    parser.add_argument("--cold-repeats", type=int, default=3, help="timed calls per cold case")
    parser.add_argument("--seed", type=int, default=1, help="seed of the learner's choice")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even if its stamp matches")
    parser.add_argument("--quick", action="store_true", help="2 timed calls per case (1 cold)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.quick:
        args.repeats, args.cold_repeats = 2, 1
    print(machine(), flush=True)
    t0 = time.perf_counter()
    if not args.data.exists():
        if args.data.name != "mc-100k.ttl":
            raise SystemExit(f"{args.data}: no such file")
        dataset(args.data.parent, 100_000, "syn", 1, "ttl")
    store_dir = store_for(args.data, args.rebuild)
    raw = ox.Store.read_only(str(store_dir))
    store = open_store(str(store_dir))
    held, source = pick_learner(raw, args.seed)
    print(f"store: {len(raw):,} quads; learner holds {len(held)} micro-credentials (4 parts of {source}):",
          flush=True)
    print("  " + " ".join(i.rsplit("/", 1)[1] for i in held))

    network, systems = ReferencingNetwork.load(store), CreditSystems.load(store)
    engine = Stacking(store, network=network, systems=systems)
    found = engine.discover(held, at=AT)
    if not found.results:
        raise SystemExit("discover found no qualification for the learner")
    best = found.results[0]
    target = best.qualification.iri
    evaluation = engine.evaluate(held, target, at=AT)
    plans = evaluation.completion.plans if evaluation.completion else []
    print(f"discover: {found.considered} qualifications evaluated, {len(found.results)} the credentials count "
          f"toward; best ranked {best.qualification.id} (closeness {best.closeness:g}); evaluate: "
          f"{len(plans)} completion plan(s), {evaluation.completion.note if evaluation.completion else '-'}",
          flush=True)
    discover_texts = recorded(store, network, systems, lambda e: e.discover(held, at=AT))
    evaluate_texts = recorded(store, network, systems, lambda e: e.evaluate(held, target, at=AT))
    for name, texts in (("discover", discover_texts), ("evaluate", evaluate_texts)):
        rows_read = run_all(raw, texts)
        print(f"raw {name}: {len(texts)} SELECTs ({', '.join(sorted({kind_of(t) for t in texts}))}), "
              f"{rows_read:,} solutions", flush=True)

    parts: dict[str, dict[str, list[float]]] = {"discover": {}, "evaluate": {}}
    cases: dict[str, Callable[[], object]] = {
        "raw": lambda: run_all(raw, discover_texts, parts["discover"]),
        "warm": lambda: Stacking(store, network=network, systems=systems).discover(held, at=AT),
        "cold": lambda: Stacking(store).discover(held, at=AT),
        "raw-eval": lambda: run_all(raw, evaluate_texts, parts["evaluate"]),
        "eval-warm": lambda: Stacking(store, network=network, systems=systems).evaluate(held, target, at=AT),
        "eval-cold": lambda: Stacking(store).evaluate(held, target, at=AT),
    }
    repeats = {"raw": args.repeats, "warm": args.repeats, "cold": args.cold_repeats,
               "raw-eval": args.repeats, "eval-warm": args.repeats, "eval-cold": args.cold_repeats}
    times = measure(cases, repeats, rounds=max(1, min(3, args.cold_repeats)))
    print_results(times, {
        "raw": ("raw SPARQL: the SELECTs discover runs (pyoxigraph)", "raw"),
        "warm": ("mcgraph discover, warm (network, credit systems cached)", "raw"),
        "cold": ("mcgraph discover, cold (new engine per call)", "raw"),
        "raw-eval": ("raw SPARQL: the SELECTs evaluate runs (pyoxigraph)", "raw-eval"),
        "eval-warm": ("mcgraph evaluate best-ranked + plans, warm", "raw-eval"),
        "eval-cold": ("mcgraph evaluate best-ranked + plans, cold", "raw-eval"),
    })
    print("\nraw SPARQL by query")
    print_parts("discover", discover_texts, parts["discover"])
    print_parts("evaluate", evaluate_texts, parts["evaluate"])
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
