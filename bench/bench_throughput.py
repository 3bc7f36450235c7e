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
The query is the ASK of bench_api.py (one framework's triples exist); the load generator runs in
a second (spawned) process: C threads, each with its own keep-alive client, for a fixed time.
Targets (the performance issue): mcgraph at least 0.5x Oxigraph's requests per second and at
least 10x rdflib-endpoint's; each ratio is printed with "meets" or "falls short".
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
from bench_api import ASK_HEADERS, ASK_PARAMS, free_port, start_server, stop_server, throughput
from bench_stacking import store_for
from timing import machine

from mcgraph.resources import bundled_data_files

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "mc-10k.ttl"
BIN = Path(sys.executable).parent
TARGETS = {"oxigraph": 0.5, "rdflib-endpoint": 10.0}  # mcgraph rps / their rps, at least


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


def measure(name: str, proc: subprocess.Popen, url: str, path: str, connections: list[int],
            seconds: float) -> dict[int, dict[str, float]]:
    try:
        return {c: throughput(url, c, seconds, path) for c in connections}
    finally:
        stop_server(proc)
        print(f"  {name}: done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per server and concurrency")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8], help="concurrent connections")
    args = parser.parse_args()
    for tool in ("oxigraph", "rdflib-endpoint"):
        if not (BIN / tool).exists():
            raise SystemExit(f"{tool} is not installed next to this interpreter: pip install -e \".[bench]\"")
    if not DATA.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--credentials", "10000", "--out", str(DATA),
                        "--seed", "1"], check=True)
    print(machine(), flush=True)
    store = store_for(DATA, rebuild=False)
    results: dict[str, dict[int, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="mcgraph-throughput-") as tmp:
        work = Path(tmp) / "store"
        shutil.copytree(store, work)  # mcgraph serve writes its snapshots beside the store
        port = free_port()
        results["mcgraph"] = measure("mcgraph", start_server(work, port), f"http://127.0.0.1:{port}", "/sparql",
                                     args.connections, args.seconds)
        copy = Path(tmp) / "oxigraph-store"
        shutil.copytree(store, copy)
        port = free_port()
        results["oxigraph"] = measure("oxigraph", start_oxigraph(copy, port), f"http://127.0.0.1:{port}", "/query",
                                      args.connections, args.seconds)
    port = free_port()
    started = time.perf_counter()
    proc = start_rdflib_endpoint([*bundled_data_files(), DATA], port)
    print(f"  rdflib-endpoint: ready after {time.perf_counter() - started:.0f} s (parsing the files)", flush=True)
    results["rdflib-endpoint"] = measure("rdflib-endpoint", proc, f"http://127.0.0.1:{port}", "/",
                                         args.connections, args.seconds)
    report(results, args.seconds)


def report(results: dict[str, dict[int, dict[str, float]]], seconds: float) -> None:
    print(f"\nCheap ASK, requests per second ({seconds:g} s per case; load generator in its own process)")
    print(f"{'server':<18}{'C':>4}{'rps':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, by_c in results.items():
        for c, r in by_c.items():
            print(f"{name:<18}{c:>4}{r['rps']:>10.1f}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['errors']:>8}")
    print("\nmcgraph / other, requests per second")
    for other, target in TARGETS.items():
        for c, r in results[other].items():
            ratio = results["mcgraph"][c]["rps"] / r["rps"]
            verdict = "meets" if ratio >= target else "falls short of"
            print(f"  vs {other:<16} C={c}: {ratio:6.2f}x  ({verdict} the target of {target:g}x)")


if __name__ == "__main__":
    main()
