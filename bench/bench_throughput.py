#!/usr/bin/env python3
"""Throughput of /sparql on a cheap query: `mcgraph serve` against Oxigraph's own server and rdflib-endpoint.

    pip install -e ".[bench]"                   # the oxigraph server and rdflib-endpoint
    python bench/bench_throughput.py            # 10 s per server and concurrency
    python bench/bench_throughput.py --seconds 5 --connections 1 8

Data: bench/data/mc-10k.ttl (bench/generate.py, seed 1; generated when missing) in an initialised
on-disk store (the bundled data, then the file bulk-loaded, as bench_stacking.py builds it and
reuses it). Three servers on 127.0.0.1, one at a time:
  - mcgraph: `mcgraph serve` on that store (worker processes, guards, limits as shipped);
  - oxigraph: `oxigraph serve-read-only --union-default-graph` on a copy of the same directory
    (Oxigraph's own server: what a user would run instead);
  - rdflib-endpoint: `rdflib-endpoint serve` of the same files (the bundled data and the 10k
    file), in an rdflib in-memory store.
Three workloads, each sent by a load generator in a second (spawned) process: C threads, each
with its own keep-alive client, for a fixed time:
  - ask: the ASK of bench_api.py (one framework's triples exist), the same text every time, so
    mcgraph answers all but the first from its result cache;
  - ask-distinct: the same ASK with a FILTER on a literal that differs in every request (the
    answer is the same): every request is guarded and evaluated, nothing comes from a cache;
  - join-filter: a SELECT joining credentials, titles and providers' labels with a FILTER on the
    title (126 rows over the 10k credentials), also with a literal that differs in every request.
Targets: mcgraph at least 0.5x Oxigraph's requests per second and at least 10x rdflib-endpoint's;
each ratio is printed with "meets" or "falls short".
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_api import ASK, ASK_HEADERS, ASK_PARAMS, free_port, start_server, stop_server, throughput
from bench_stacking import store_for
from timing import machine

from mcgraph.resources import bundled_data_files

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "mc-10k.ttl"
BIN = Path(sys.executable).parent
TARGETS = {"oxigraph": 0.5, "rdflib-endpoint": 10.0}  # mcgraph rps / their rps, at least
ASK_DISTINCT = ASK.replace("}", 'FILTER(?o != "n{n}") }')
JOIN_FILTER = """PREFIX mc: <https://w3id.org/mcgraph/ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?title ?provider WHERE {
  ?c a mc:MicroCredential ; dct:title ?title ; mc:awardingBody ?p ;
     mc:issuerCountry <https://w3id.org/mcgraph/id/country/IN> .
  ?p skos:prefLabel ?provider .
  FILTER(CONTAINS(STR(?title), "Data") && ?title != "n{n}"@en)
}"""
WORKLOADS = {"ask": ASK, "ask-distinct": ASK_DISTINCT, "join-filter": JOIN_FILTER}


def wait_for(proc: subprocess.Popen, url: str, limit: float = 600) -> None:
    """Until the endpoint answers the ASK (rdflib-endpoint parses the files first)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {proc.returncode}")
        try:
            if httpx.get(url, params=ASK_PARAMS, headers=ASK_HEADERS, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError(f"{url} did not become ready")


def start_oxigraph(store: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "oxigraph"), "serve-read-only", "--location", str(store),
                             "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(proc, f"http://127.0.0.1:{port}/query")
    return proc


def start_rdflib_endpoint(files: list[Path], port: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "rdflib-endpoint"), "serve", *map(str, files), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(proc, f"http://127.0.0.1:{port}/")
    return proc


def rows(url: str, query: str) -> int:
    """How many solutions one request gets (a check that every server sees the same data)."""
    answer = httpx.get(url, params={"query": query.replace("{n}", "check")}, headers=ASK_HEADERS, timeout=600)
    answer.raise_for_status()
    body = answer.json()
    return len(body["results"]["bindings"]) if "results" in body else int(body["boolean"])


def measure(name: str, proc: subprocess.Popen, url: str, path: str, connections: list[int],
            seconds: float, workloads: list[str]) -> dict[str, dict[int, dict[str, float]]]:
    try:
        out: dict[str, dict[int, dict[str, float]]] = {}
        for workload in workloads:
            query = WORKLOADS[workload]
            print(f"  {name} {workload}: {rows(url + path, query)} row(s) per answer", flush=True)
            out[workload] = {c: throughput(url, c, seconds, path, query) for c in connections}
        return out
    finally:
        stop_server(proc)
        print(f"  {name}: done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per server and concurrency")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8], help="concurrent connections")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS),
                        help="queries to send (default: all)")
    args = parser.parse_args()
    for tool in ("oxigraph", "rdflib-endpoint"):
        if not (BIN / tool).exists():
            raise SystemExit(f"{tool} is not installed next to this interpreter: pip install -e \".[bench]\"")
    if not DATA.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--credentials", "10000", "--out", str(DATA),
                        "--seed", "1"], check=True)
    print(machine(), flush=True)
    store = store_for(DATA, rebuild=False)
    results: dict[str, dict[str, dict[int, dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="mcgraph-throughput-") as tmp:
        work = Path(tmp) / "store"
        shutil.copytree(store, work)  # mcgraph serve writes its snapshots beside the store
        port = free_port()
        results["mcgraph"] = measure("mcgraph", start_server(work, port), f"http://127.0.0.1:{port}", "/sparql",
                                     args.connections, args.seconds, args.workloads)
        copy = Path(tmp) / "oxigraph-store"
        shutil.copytree(store, copy)
        port = free_port()
        results["oxigraph"] = measure("oxigraph", start_oxigraph(copy, port), f"http://127.0.0.1:{port}", "/query",
                                      args.connections, args.seconds, args.workloads)
    port = free_port()
    started = time.perf_counter()
    proc = start_rdflib_endpoint([*bundled_data_files(), DATA], port)
    print(f"  rdflib-endpoint: ready after {time.perf_counter() - started:.0f} s (parsing the files)", flush=True)
    results["rdflib-endpoint"] = measure("rdflib-endpoint", proc, f"http://127.0.0.1:{port}", "/",
                                         args.connections, args.seconds, args.workloads)
    report(results, args.seconds)


def report(results: dict[str, dict[str, dict[int, dict[str, float]]]], seconds: float) -> None:
    print(f"\nRequests per second ({seconds:g} s per case; load generator in its own process)")
    print(f"{'workload':<14}{'server':<18}{'C':>4}{'rps':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    workloads = list(next(iter(results.values())))
    for workload in workloads:
        for name, by_workload in results.items():
            for c, r in by_workload[workload].items():
                print(f"{workload:<14}{name:<18}{c:>4}{r['rps']:>10.1f}{r['p50']:>9.2f}{r['p99']:>9.2f}"
                      f"{r['errors']:>8}")
    print("\nmcgraph / other, requests per second")
    for workload in workloads:
        for other, target in TARGETS.items():
            for c, r in results[other][workload].items():
                ratio = results["mcgraph"][workload][c]["rps"] / r["rps"]
                verdict = "meets" if ratio >= target else "falls short of"
                print(f"  {workload:<13} vs {other:<16} C={c}: {ratio:7.2f}x  ({verdict} the target of {target:g}x)")


if __name__ == "__main__":
    main()
