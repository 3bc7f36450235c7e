#!/usr/bin/env python3
"""Referencing benchmark: one level compared with a framework two reports away, mcgraph against raw SPARQL.

    python bench/bench_referencing.py             # 20 (level, target) pairs, ~35 s on 2 cores
    python bench/bench_referencing.py --quick     # fewer repeats, ~15 s

On a synthetic network from bench/referencing_data.py (50 frameworks, 2,000 level
correspondences), loaded with the ontology (ontology/mcgraph.ttl) into two in-memory stores
holding the same quads in the same named graphs:
  - raw: a plain pyoxigraph.Store(); the question is answered by two SELECTs run with
    Store.query(..., use_default_graph_as_union=True): the one-hop correspondences between the
    level and the target framework (either way round, with mc:NoMatch rows), then
    queries/comparable-levels-two-hops.rq as written, its parameters bound with `substitutions=`.
    Every solution is read. No mcgraph code runs in the timed path. Also timed: each query alone,
    and the two-hops query with its parameters written into the text instead of substituted;
  - mcgraph: mcgraph.store.open_store("memory"), data written with GraphStore.commit.
    warm: net.compare_level(level, target, max_hops) on a ReferencingNetwork already loaded (the
    server caches it per dataset version); cold: ReferencingNetwork.load(store) + compare_level
    (a first request, or a CLI call, minus process start); also warm with max_hops=3, which the
    .rq would need a third UNION level for. Then the cold path in parts (private functions of
    mcgraph.referencing, timed one after the other).
On every pair, the target levels found by mcgraph with max_hops=2 (matches and matches set aside)
must equal the target levels of the raw rows, mc:NoMatch rows excluded; the script fails if not.
Ratios are mcgraph p50 / raw p50, both measured in this run.
"""
from __future__ import annotations

import argparse
import gc
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from mcgraph import referencing
from mcgraph.namespaces import GRAPH
from mcgraph.referencing import ReferencingNetwork
from mcgraph.resources import ontology_file
from mcgraph.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from referencing_data import generate
from timing import machine, pct, timed

ROOT = Path(__file__).resolve().parent.parent
TWO_HOPS = ROOT / "queries" / "comparable-levels-two-hops.rq"
DATA_GRAPH = GRAPH + "local/bench-referencing"
ONTOLOGY_GRAPH = GRAPH + "ontology"
NO_MATCH = "https://w3id.org/mcgraph/ns#NoMatch"
# Flat OPTIONALs: the nested form of the .rq files (OPTIONAL { ?c mc:establishedBy ?report OPTIONAL {...} })
# gives the same rows here but took ~2.3 ms instead of ~0.3 ms on pyoxigraph 0.5.13.
ONE_HOP = """PREFIX mc: <https://w3id.org/mcgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?level ?direction ?match ?correspondence ?report ?status ?targetLevel ?targetNotation ?target WHERE {
  {
    ?correspondence mc:fromLevel ?level ; mc:toLevel ?targetLevel ; mc:matchType ?match .
    ?targetLevel skos:inScheme ?target .
    BIND("forward" AS ?direction)
  } UNION {
    ?correspondence mc:toLevel ?level ; mc:fromLevel ?targetLevel ; mc:matchType ?match .
    ?targetLevel skos:inScheme ?target .
    BIND("reverse" AS ?direction)
  } UNION {
    ?correspondence mc:fromLevel ?level ; mc:matchType mc:NoMatch ; mc:establishedBy ?report .
    ?report mc:fromFramework|mc:toFramework ?target .
    BIND("none" AS ?direction)
    BIND(mc:NoMatch AS ?match)
  }
  OPTIONAL { ?correspondence mc:establishedBy ?report }
  OPTIONAL { ?correspondence mc:establishedBy ?report . ?report mc:referencingStatus ?status }
  OPTIONAL { ?targetLevel skos:notation ?targetNotation }
}"""


# -- timing ----------------------------------------------------------------------------------------
def summary(times: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(times), "p90": pct(times, 0.90), "min": min(times), "max": max(times)}


# -- the two stores --------------------------------------------------------------------------------
def quads_of(data: bytes, graph: str) -> list[ox.Quad]:
    target = ox.NamedNode(graph)
    return [ox.Quad(t.subject, t.predicate, t.object, target)
            for t in ox.parse(data, format=ox.RdfFormat.TURTLE)]


def build_stores(seed: int):
    """The raw pyoxigraph.Store and the mcgraph store, holding the same quads; and the graph size."""
    data = quads_of(generate(seed).encode(), DATA_GRAPH)
    ontology = quads_of(ontology_file().read_bytes(), ONTOLOGY_GRAPH)
    raw = ox.Store()
    raw.extend(data + ontology)
    store = open_store("memory")
    store.commit({ONTOLOGY_GRAPH: ontology, DATA_GRAPH: data}, [], replace=False)
    return raw, store, len(data), len(ontology)


# -- raw SPARQL ------------------------------------------------------------------------------------
def raw_answer(store: ox.Store, two_hops: str, level: str, target: str) -> tuple[list[tuple], list[tuple]]:
    """The one-hop and the two-hop rows, every solution read."""
    return raw_one(store, level, target), raw_two(store, two_hops, level, target)


def raw_one(store: ox.Store, level: str, target: str) -> list[tuple]:
    subs = {ox.Variable("level"): ox.NamedNode(level), ox.Variable("target"): ox.NamedNode(target)}
    return [tuple(s) for s in store.query(ONE_HOP, substitutions=subs, use_default_graph_as_union=True)]


def raw_two(store: ox.Store, two_hops: str, level: str, target: str) -> list[tuple]:
    subs = {ox.Variable("level"): ox.NamedNode(level), ox.Variable("target"): ox.Literal(target)}
    return [tuple(s) for s in store.query(two_hops, substitutions=subs, use_default_graph_as_union=True)]


def inlined(two_hops: str, level: str, target: str) -> str:
    """The two-hops query with its parameters written into the text as constants (not projected)."""
    text = two_hops.replace("SELECT ?level ", "SELECT ").replace(" ?target\nWHERE", "\nWHERE")
    text = re.sub(r"\?level\b", f"<{level}>", text)
    return re.sub(r"\?target\b", f'"{target}"', text)


def raw_inlined(store: ox.Store, text: str) -> list[tuple]:
    return [tuple(s) for s in store.query(text, use_default_graph_as_union=True)]


def raw_targets(store: ox.Store, two_hops: str, level: str, target: str) -> set[str]:
    """Target levels of the raw rows, mc:NoMatch rows excluded (outside the timed path)."""
    subs = {ox.Variable("level"): ox.NamedNode(level), ox.Variable("target"): ox.NamedNode(target)}
    found = {s["targetLevel"].value for s in store.query(ONE_HOP, substitutions=subs, use_default_graph_as_union=True)
             if s["match"].value != NO_MATCH}
    subs[ox.Variable("target")] = ox.Literal(target)
    found |= {s["targetLevel"].value for s in store.query(two_hops, substitutions=subs,
                                                          use_default_graph_as_union=True)
              if s["hop1Match"].value != NO_MATCH and s["hop2Match"].value != NO_MATCH}
    return found


def mcgraph_targets(result: referencing.LevelComparison) -> set[str]:
    return {m.level.iri for m in [*result.matches, *result.set_aside]}


# -- the pairs -------------------------------------------------------------------------------------
def pick_pairs(net: ReferencingNetwork, raw: ox.Store, two_hops: str, count: int, seed: int) -> list[tuple[str, str]]:
    """(level, target framework) with the target exactly two reports away and a non-empty answer."""
    rng = random.Random(seed)
    levels = sorted(net.levels)
    rng.shuffle(levels)
    pairs = []
    for level in levels:
        source = net.level_framework[level]
        reach = nx.single_source_shortest_path_length(net.framework_graph, source, cutoff=2)
        targets = sorted(fw for fw, d in reach.items() if d == 2)
        if not targets:
            continue
        target = rng.choice(targets)
        if raw_targets(raw, two_hops, level, target):
            pairs.append((level, target))
        if len(pairs) == count:
            return pairs
    raise SystemExit(f"only {len(pairs)} usable (level, target) pairs; wanted {count}")


def check(net: ReferencingNetwork, raw: ox.Store, two_hops: str, pairs: list[tuple[str, str]]) -> int:
    """Fail unless mcgraph (max_hops=2) and the raw SPARQL find the same target levels on every pair."""
    total = 0
    for level, target in pairs:
        want = raw_targets(raw, two_hops, level, target)
        got = mcgraph_targets(net.compare_level(level, target, max_hops=2))
        if got != want:
            raise SystemExit(f"MISMATCH for {level} -> {target}:\n  mcgraph only: {sorted(got - want)}\n"
                             f"  raw SPARQL only: {sorted(want - got)}")
        substituted = [row[1:-1] for row in raw_two(raw, two_hops, level, target)]  # without ?level, ?target
        if sorted(map(str, raw_inlined(raw, inlined(two_hops, level, target)))) != sorted(map(str, substituted)):
            raise SystemExit(f"the two-hops query gives other rows with its parameters inlined: {level} -> {target}")
        if not mcgraph_targets(net.compare_level(level, target, max_hops=3)) >= got:
            raise SystemExit(f"max_hops=3 lost target levels of max_hops=2 for {level} -> {target}")
        total += len(got)
    return total


# -- measuring -------------------------------------------------------------------------------------
def measure(cases: dict[str, Callable[[str, str], object]], pairs: list[tuple[str, str]],
            repeats: dict[str, int]) -> dict[str, list[float]]:
    """Every case on every pair, `repeats[case]` times; the cases interleaved pair by pair."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for level, target in pairs:
        for name, call in cases.items():
            gc.collect()
            times[name] += timed(lambda call=call, lv=level, t=target: call(lv, t), repeats[name])
    return times


def load_breakdown(store, raw: ox.Store, pairs: list[tuple[str, str]], n: int) -> dict[str, list[float]]:
    """ReferencingNetwork.load in its three parts (the four SELECTs, reading them into tables, the networkx
    build), then compare_level on the fresh network; n times each, on the first pair."""
    level, target = pairs[0]
    queries = referencing.NETWORK_QUERIES
    parts: dict[str, list[float]] = {"select": [], "tables": [], "build": [], "compare": [], "raw select": []}
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter()
        rows = [store.select(q) for q in queries]
        t1 = time.perf_counter()
        tables = referencing.tables_from_rows(rows)
        t2 = time.perf_counter()
        net = ReferencingNetwork(tables)
        t3 = time.perf_counter()
        net.compare_level(level, target, max_hops=2)
        t4 = time.perf_counter()
        for key, (a, b) in zip(("select", "tables", "build", "compare"), [(t0, t1), (t1, t2), (t2, t3), (t3, t4)],
                               strict=True):
            parts[key].append((b - a) * 1000)
        gc.collect()
        t0 = time.perf_counter()
        for q in queries:
            [tuple(s) for s in raw.query(q, use_default_graph_as_union=True)]
        parts["raw select"].append((time.perf_counter() - t0) * 1000)
    parts["rows read"] = [float(sum(map(len, rows)))]
    return parts


# -- report ----------------------------------------------------------------------------------------
def print_results(times: dict[str, list[float]], repeats: dict[str, int], pairs: int) -> None:
    print(f"\nOne comparison, ms (over {pairs} (level, target) pairs; times pooled over pairs x repeats)")
    print(f"{'case':<48}{'calls':>6}{'p50':>9}{'p90':>9}{'min':>9}{'max':>9}{'/raw p50':>11}")
    base = statistics.median(times["raw"])
    names = {"raw": "raw SPARQL: one-hop + two-hops .rq (pyoxigraph)",
             "raw1": "  of which: one-hop query",
             "raw2": "  of which: two-hops .rq, substitutions=",
             "raw2i": "  (two-hops .rq, parameters inlined as text)",
             "warm2": "mcgraph warm: compare_level, max_hops=2",
             "warm3": "mcgraph warm: compare_level, max_hops=3",
             "cold2": "mcgraph cold: load network + compare, 2 hops"}
    for key, name in names.items():
        s = summary(times[key])
        print(f"{name:<48}{len(times[key]):>6}{s['p50']:>9.3f}{s['p90']:>9.3f}{s['min']:>9.3f}{s['max']:>9.3f}"
              f"{s['p50'] / base:>10.3g}x")


def print_breakdown(parts: dict[str, list[float]]) -> None:
    rows = int(parts.pop("rows read")[0])
    raw = statistics.median(parts.pop("raw select"))
    n = len(parts["select"])
    total = sum(statistics.median(v) for v in parts.values())
    print(f"\nCold path in parts, ms (median of {n}; first pair; {rows} SELECT rows read)")
    names = {"select": "4 SELECTs (store.select: run, read into dicts)",
             "tables": "rows -> frameworks, levels, reports, correspondences",
             "build": "networkx graphs (framework graph, level multigraph)",
             "compare": "compare_level, max_hops=2"}
    for key, name in names.items():
        med = statistics.median(parts[key])
        print(f"  {name:<56}{med:>9.2f}  ({med / total:>4.0%})")
    print(f"  {'(the same 4 SELECTs on the raw pyoxigraph.Store, tuples)':<56}{raw:>9.2f}")


# -- main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20, help="(level, target framework) pairs")
    parser.add_argument("--repeats", type=int, default=50, help="timed calls per pair for raw and warm cases")
    parser.add_argument("--cold-repeats", type=int, default=5, help="timed calls per pair for the cold case")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic network and of the pairs")
    parser.add_argument("--quick", action="store_true", help="10 repeats (2 cold) per pair")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.quick:
        args.repeats, args.cold_repeats = 10, 2
    print(machine(f"networkx {nx.__version__}"), flush=True)
    t0 = time.perf_counter()
    raw, store, data_triples, ontology_triples = build_stores(args.seed)
    two_hops = TWO_HOPS.read_text(encoding="utf-8")
    net = ReferencingNetwork.load(store)
    print(f"graph: {data_triples:,} synthetic triples + {ontology_triples:,} ontology triples "
          f"(raw store {len(raw):,} quads); {len(net.frameworks)} frameworks, {len(net.levels)} levels, "
          f"{len(net.reports)} reports ({net.framework_graph.number_of_edges()} framework pairs), "
          f"{len(net.rows):,} correspondences; built in {time.perf_counter() - t0:.1f} s", flush=True)

    pairs = pick_pairs(net, raw, two_hops, args.pairs, args.seed)
    found = check(net, raw, two_hops, pairs)
    print(f"check: on all {len(pairs)} pairs, mcgraph (max_hops=2) and raw SPARQL find the same target levels "
          f"({found} in all)", flush=True)

    texts = {pair: inlined(two_hops, *pair) for pair in pairs}
    cases: dict[str, Callable[[str, str], object]] = {
        "raw": lambda lv, t: raw_answer(raw, two_hops, lv, t),
        "raw1": lambda lv, t: raw_one(raw, lv, t),
        "raw2": lambda lv, t: raw_two(raw, two_hops, lv, t),
        "raw2i": lambda lv, t: raw_inlined(raw, texts[(lv, t)]),
        "warm2": lambda lv, t: net.compare_level(lv, t, max_hops=2),
        "warm3": lambda lv, t: net.compare_level(lv, t, max_hops=3),
        "cold2": lambda lv, t: ReferencingNetwork.load(store).compare_level(lv, t, max_hops=2),
    }
    repeats = {"raw": args.repeats, "raw1": args.repeats, "raw2": args.repeats, "raw2i": args.repeats,
               "warm2": args.repeats, "warm3": args.repeats, "cold2": args.cold_repeats}
    times = measure(cases, pairs, repeats)
    print_results(times, repeats, len(pairs))
    print_breakdown(load_breakdown(store, raw, pairs, max(3, args.cold_repeats)))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
