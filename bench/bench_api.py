#!/usr/bin/env python3
"""HTTP API benchmark: `mcgraph serve` against the same reads done in-process, in one run.

    python bench/bench_api.py                            # 500 requests per latency case, 5 s per load case
    python bench/bench_api.py --requests 2000 --seconds 10

On the bundled data, in a fresh temporary store:
  1. starts `mcgraph serve` on 127.0.0.1 (its first start loads the bundled data);
  2. latency, one keep-alive httpx client: a cheap SPARQL ASK via GET /sparql, and GET /frameworks/aqf;
  3. throughput: a load generator in a second process (spawned), C threads each with its own client,
     sending the cheap query for a fixed time; C = 1 and 8;
  4. stops the server and opens the same store directory in-process: the ASK on pyoxigraph directly,
     and `browse.framework` on an OxigraphStore (the library without HTTP and without worker processes).
Ratios are HTTP p50 / in-process p50, both measured in this run.
"""
from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
from timing import machine, pct, timed

from mcgraph import browse
from mcgraph.store import OxigraphStore

PYTHON = sys.executable
FRAMEWORK = "https://w3id.org/mcgraph/id/framework/aqf"
ASK = f"ASK {{ <{FRAMEWORK}> ?p ?o }}"
ASK_PARAMS = {"query": ASK}
ASK_HEADERS = {"Accept": "application/sparql-results+json"}
WARMUP = 50


# -- timing ----------------------------------------------------------------------------------------
def summary(times: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(times), "p99": pct(times, 0.99)}


# -- the server ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: Path, port: int) -> subprocess.Popen:
    script = Path(PYTHON).parent / "mcgraph"
    cmd = [str(script)] if script.exists() else [PYTHON, "-m", "mcgraph.cli"]
    env = {**os.environ, "MCGRAPH_STORE": str(store), "MCGRAPH_TOKEN": os.urandom(16).hex()}
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(proc, f"http://127.0.0.1:{port}")
    return proc


def wait_ready(proc: subprocess.Popen, url: str, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/-/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not become ready")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- over HTTP -------------------------------------------------------------------------------------
def http_latency(url: str, n: int) -> dict[str, list[float]]:
    with httpx.Client(base_url=url, timeout=30) as client:
        def ask() -> None:
            answer = client.get("/sparql", params=ASK_PARAMS, headers=ASK_HEADERS)
            answer.raise_for_status()
            assert answer.json()["boolean"] is True

        def rest() -> None:
            answer = client.get("/frameworks/aqf")
            answer.raise_for_status()
            answer.json()

        return {"ask": timed(ask, n, WARMUP), "rest": timed(rest, n, WARMUP)}


def load_worker(url: str, seconds: float, times: list[float], errors: list[int], path: str = "/sparql",
                query: str = ASK, offset: int = 0) -> None:
    """One connection: send the query until the deadline, recording each latency (ms).

    A `query` containing "{n}" is a template: request i of this connection sends it with n = offset + i,
    so that no two requests of a run carry the same text."""
    distinct = "{n}" in query
    with httpx.Client(base_url=url, timeout=60) as client:
        deadline = time.perf_counter() + seconds
        i = 0
        while (t0 := time.perf_counter()) < deadline:
            text = query.replace("{n}", str(offset + i)) if distinct else query
            i += 1
            answer = client.get(path, params={"query": text}, headers=ASK_HEADERS)
            times.append((time.perf_counter() - t0) * 1000)
            if answer.status_code != 200:
                errors.append(answer.status_code)


def load_generator(url: str, connections: int, seconds: float, path: str = "/sparql",
                   query: str = ASK) -> dict[str, float]:
    """Run in a separate process: C threads, each with its own client, for a fixed time."""
    per_thread: list[list[float]] = [[] for _ in range(connections)]
    errors: list[int] = []
    threads = [threading.Thread(target=load_worker,
                                args=(url, seconds, per_thread[i], errors, path, query, i * 10_000_000))
               for i in range(connections)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t0
    times = [t for ts in per_thread for t in ts]
    return {"rps": len(times) / wall, "requests": len(times), "errors": len(errors), **summary(times)}


def throughput(url: str, connections: int, seconds: float, path: str = "/sparql",
               query: str = ASK) -> dict[str, float]:
    """`query` (the cheap ASK by default) sent to `url + path` by a load generator in its own (spawned) process."""
    answer = httpx.get(url + path, params={"query": query.replace("{n}", "check")}, headers=ASK_HEADERS, timeout=60)
    answer.raise_for_status()
    if query == ASK:
        assert answer.json()["boolean"] is True, answer.text
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(load_generator, (url, connections, seconds, path, query))


# -- in-process ------------------------------------------------------------------------------------
def raw_ask(store_dir: Path, n: int) -> list[float]:
    """The ASK on pyoxigraph directly; the store is released (and its lock with it) on return."""
    store = ox.Store(str(store_dir))
    return timed(lambda: _ask(store), n, WARMUP)


def _ask(store: ox.Store) -> None:
    assert store.query(ASK, use_default_graph_as_union=True)


def raw_framework(store_dir: Path, n: int) -> list[float]:
    store = OxigraphStore(str(store_dir))
    try:
        return timed(lambda: browse.framework(store, FRAMEWORK), n, WARMUP)
    finally:
        store.close()


# -- report ----------------------------------------------------------------------------------------
def print_latency(http: dict[str, list[float]], raw: dict[str, list[float]], n: int) -> None:
    print(f"\nLatency, ms ({n} requests after {WARMUP} warm-up; one keep-alive client)")
    print(f"{'case':<34}{'p50':>9}{'p99':>9}   {'raw p50':>9}{'raw p99':>9}   {'HTTP/raw p50':>13}")
    names = {"ask": "ASK via GET /sparql", "rest": "GET /frameworks/aqf"}
    for key, name in names.items():
        h, r = summary(http[key]), summary(raw[key])
        print(f"{name:<34}{h['p50']:>9.2f}{h['p99']:>9.2f}   {r['p50']:>9.3f}{r['p99']:>9.3f}   "
              f"{h['p50'] / r['p50']:>12.1f}x")
    print("  raw: ASK on pyoxigraph.Store in-process; browse.framework(OxigraphStore) in-process")


def print_throughput(loads: dict[int, dict[str, float]], seconds: float) -> None:
    print(f"\nThroughput, cheap ASK via GET /sparql ({seconds:g} s per case, load generator in its own process)")
    print(f"{'connections':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for c, res in loads.items():
        print(f"{c:<14}{res['rps']:>9.0f}{res['p50']:>9.2f}{res['p99']:>9.2f}{res['errors']:>8}")


# -- main ------------------------------------------------------------------------------------------
def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="timed requests per latency case")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each throughput case")
    parser.add_argument("--connections", default="1,8", help="comma-separated concurrency levels")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="mcgraph-bench-api-") as tmp:
        store_dir = Path(tmp) / "store"
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        t0 = time.perf_counter()
        proc = start_server(store_dir, port)
        print(f"server ready in {time.perf_counter() - t0:.1f} s (first start: bundled data loaded)", flush=True)
        try:
            http = http_latency(url, args.requests)
            loads = {c: throughput(url, c, args.seconds) for c in map(int, args.connections.split(","))}
        finally:
            stop_server(proc)
        raw = {"ask": raw_ask(store_dir, args.requests)}
        gc.collect()
        raw["rest"] = raw_framework(store_dir, args.requests)
    print_latency(http, raw, args.requests)
    print_throughput(loads, args.seconds)


if __name__ == "__main__":
    main()
