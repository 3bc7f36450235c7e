#!/usr/bin/env python3
"""Start-up and memory of `mcgraph serve`, against Oxigraph's own server, in one run.

    python bench/bench_serve.py                          # 1M credentials (bench/data/mc-1m.ttl)
    python bench/bench_serve.py --credentials 100000 --runs 3
    python bench/bench_serve.py --no-memory              # start-up only

Targets: (a) on an existing N-credential store, `mcgraph serve` answers within 5 s of process start;
(b) a first start on an empty store directory (it loads the bundled data) within 10 s; (c) the whole
server process tree stays under 2 GiB while serving the N-credential store after a burst of requests
to every endpoint of bench_latency.py.

Data and store as in bench_latency.py (bench_stacking.store_for: `mcgraph init`, then bulk_load of
bench/data/mc-<N>.ttl; generated and built when missing).

  (a) Ready = the first 200 from GET /-/health, then a 200 `true` from a cheap ASK via GET /sparql,
      timed from just before the process is started (so including interpreter start and imports).
      Polled every 20 ms. `mcgraph serve` runs on the store itself (it writes its snapshots beside
      it); the baseline, `oxigraph serve-read-only --union-default-graph` (the oxigraph package's
      server), on a copy of the same directory, with the same check (GET / for health, the ASK via
      GET /query). The two are alternated run by run.
  (b) The same readiness, `mcgraph serve` on a fresh empty directory each run.
  (c) `mcgraph serve` on the N store: one request to every endpoint (REST, the catalogue and every
      canned query, with the inputs bench_latency.py picks), sequentially, while a sampler reads
      the process tree every 0.25 s; then the tree is measured again after the burst. Per process,
      VmRSS from /proc/<pid>/status and Pss from /proc/<pid>/smaps_rollup; the tree is the server
      and every descendant (the query workers, multiprocessing's resource tracker). RSS summed
      over processes counts pages they share more than once; PSS splits them.
Results are printed and written as JSON to bench/results/.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
from bench_api import free_port, stop_server  # noqa: E402
from bench_latency import cases, dataset, label, pick_inputs  # noqa: E402
from bench_stacking import store_for  # noqa: E402
from timing import machine  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
ASK = "ASK { ?s ?p ?o }"
ASK_HEADERS = {"Accept": "application/sparql-results+json"}
READY_TARGET, FIRST_TARGET, MEMORY_TARGET = 5.0, 10.0, 2 * 1024**3
GIB = 1024**3


# -- start-up --------------------------------------------------------------------------------------
def mcgraph_cmd(store: Path, port: int) -> tuple[list[str], dict[str, str]]:
    script = BIN / "mcgraph"
    cmd = [str(script)] if script.exists() else [PYTHON, "-m", "mcgraph.cli"]
    env = {**os.environ, "MCGRAPH_STORE": str(store), "MCGRAPH_TOKEN": os.urandom(16).hex()}
    return [*cmd, "serve", "--port", str(port)], env


def oxigraph_cmd(store: Path, port: int) -> tuple[list[str], dict[str, str]]:
    return [str(BIN / "oxigraph"), "serve-read-only", "--location", str(store), "--bind", f"127.0.0.1:{port}",
            "--union-default-graph"], dict(os.environ)


def ready(client: httpx.Client, health: str, sparql: str) -> bool:
    try:
        if client.get(health, timeout=2).status_code != 200:
            return False
        answer = client.get(sparql, params={"query": ASK}, headers=ASK_HEADERS, timeout=5)
        return answer.status_code == 200 and answer.json()["boolean"] is True
    except (httpx.HTTPError, ValueError, KeyError):
        return False


def start_timed(kind: str, store: Path, limit: float = 600) -> tuple[subprocess.Popen, str, float]:
    """Start a server and poll it until ready; (process, base URL, seconds from start to ready)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd, env = (mcgraph_cmd if kind == "mcgraph" else oxigraph_cmd)(store, port)
    health, sparql = ("/-/health", "/sparql") if kind == "mcgraph" else ("/", "/query")
    with httpx.Client(base_url=url) as client:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not ready(client, health, sparql):
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} exited with {proc.returncode}")
            if time.perf_counter() - t0 > limit:
                stop_server(proc)
                raise RuntimeError(f"{kind} did not become ready in {limit:g} s")
            time.sleep(0.02)
        return proc, url, time.perf_counter() - t0


def startup(store: Path, runs: int) -> dict[str, list[float]]:
    """(a): mcgraph on the store and oxigraph on a copy, alternated; (b): mcgraph on an empty directory."""
    times: dict[str, list[float]] = {"mcgraph": [], "oxigraph": [], "first": []}
    with tempfile.TemporaryDirectory(prefix="mcgraph-bench-serve-", dir=store.parent) as tmp:
        copy = Path(tmp) / "oxigraph-store"
        t0 = time.perf_counter()
        shutil.copytree(store, copy)
        print(f"copied the store for oxigraph in {time.perf_counter() - t0:.0f} s", flush=True)
        for i in range(runs):
            for kind, where in (("mcgraph", store), ("oxigraph", copy)):
                proc, _, seconds = start_timed(kind, where)
                stop_server(proc)
                times[kind].append(seconds)
                print(f"  run {i + 1}: {kind} ready in {seconds:.2f} s", flush=True)
            empty = Path(tmp) / f"empty-{i}"
            proc, _, seconds = start_timed("mcgraph", empty)
            stop_server(proc)
            shutil.rmtree(empty, ignore_errors=True)
            shutil.rmtree(empty.with_name(empty.name + ".snapshots"), ignore_errors=True)
            times["first"].append(seconds)
            print(f"  run {i + 1}: mcgraph first start (empty store) ready in {seconds:.2f} s", flush=True)
    return times


# -- memory ----------------------------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def kib(path: str, key: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> dict[str, Any]:
    procs = []
    for p in descendants(pid):
        try:
            name = Path(f"/proc/{p}/comm").read_text().strip()
        except OSError:
            continue
        procs.append({"pid": p, "name": name, "rss": kib(f"/proc/{p}/status", "VmRSS") * 1024,
                      "pss": kib(f"/proc/{p}/smaps_rollup", "Pss") * 1024})
    return {"rss": sum(p["rss"] for p in procs), "pss": sum(p["pss"] for p in procs), "processes": procs}


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.peak_rss, self.peak_pss = pid, every, 0, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            m = tree_memory(self.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, m["rss"]), max(self.peak_pss, m["pss"])
            self.stopped.wait(self.every)


def memory(store: Path, seed: int) -> dict[str, Any]:
    from mcgraph.queries import catalogue

    raw = ox.Store.read_only(str(store))
    inputs = pick_inputs(raw, seed)
    del raw
    plan = cases(inputs, sorted(catalogue()))
    proc, url, seconds = start_timed("mcgraph", store)
    print(f"  mcgraph ready in {seconds:.2f} s; burst of {len(plan)} requests", flush=True)
    try:
        idle = tree_memory(proc.pid)
        sampler = Sampler(proc.pid)
        sampler.start()
        statuses = {}
        with httpx.Client(base_url=url, timeout=600) as client:
            for name, case in plan.items():
                t0 = time.perf_counter()
                answer = client.request(case["method"], case["path"], params=case.get("params"),
                                        json=case.get("json"))
                statuses[name] = {"status": answer.status_code, "seconds": time.perf_counter() - t0,
                                  "bytes": len(answer.content)}
                print(f"    {case['title']}: {answer.status_code} in {statuses[name]['seconds']:.2f} s", flush=True)
        sampler.stopped.set()
        sampler.join()
        after = tree_memory(proc.pid)
    finally:
        stop_server(proc)
    return {"idle": idle, "after": after, "peak_rss": sampler.peak_rss, "peak_pss": sampler.peak_pss,
            "requests": statuses}


# -- report ----------------------------------------------------------------------------------------
def spread(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


def verdict(ok: bool) -> str:
    return "meets" if ok else "falls short"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=1_000_000, help="dataset size (default 1M)")
    parser.add_argument("--runs", type=int, default=5, help="starts per case")
    parser.add_argument("--seed", type=int, default=1, help="seed of the burst's inputs (as bench_latency.py)")
    parser.add_argument("--no-startup", action="store_true", help="skip (a) and (b)")
    parser.add_argument("--no-memory", action="store_true", help="skip (c)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the store even if its stamp matches")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    data = dataset(args.credentials)
    store = store_for(data, args.rebuild)
    print(machine(f"data {data.name}"), flush=True)
    results: dict[str, Any] = {"machine": machine(), "data": data.name, "args": vars(args)}
    if not args.no_startup:
        print("\nStart-up", flush=True)
        times = startup(store, args.runs)
        results["startup"] = times
    if not args.no_memory:
        print("\nMemory", flush=True)
        results["memory"] = memory(store, args.seed)

    print()
    if "startup" in results:
        t = results["startup"]
        m, o, f = (statistics.median(t[k]) for k in ("mcgraph", "oxigraph", "first"))
        print(f"(a) ready on the {label(args.credentials)} store, from process start (health + ASK):")
        print(f"    mcgraph serve            {spread(t['mcgraph'])}")
        print(f"    oxigraph serve-read-only {spread(t['oxigraph'])}")
        print(f"    mcgraph / oxigraph (medians) {m / o:.1f}x;  "
              f"target <= {READY_TARGET:g} s: {verdict(m <= READY_TARGET)}"
              f" (slowest run {max(t['mcgraph']):.2f} s: {verdict(max(t['mcgraph']) <= READY_TARGET)})")
        print(f"(b) first start, empty store (bundled data loaded): {spread(t['first'])}")
        print(f"    target <= {FIRST_TARGET:g} s: {verdict(f <= FIRST_TARGET)}"
              f" (slowest run {max(t['first']):.2f} s: {verdict(max(t['first']) <= FIRST_TARGET)})")
    if "memory" in results:
        mem = results["memory"]
        print(f"(c) memory of the server process tree on the {label(args.credentials)} store:")
        for when in ("idle", "after"):
            m = mem[when]
            print(f"    {'ready, idle' if when == 'idle' else 'after the burst':<16} RSS {m['rss'] / GIB:.2f} GiB, "
                  f"PSS {m['pss'] / GIB:.2f} GiB over {len(m['processes'])} processes")
            for p in m["processes"]:
                print(f"        {p['pid']:>8} {p['name']:<16} RSS {p['rss'] / 2**20:>8.0f} MiB  "
                      f"PSS {p['pss'] / 2**20:>8.0f} MiB")
        print(f"    peak during the burst (0.25 s samples): RSS {mem['peak_rss'] / GIB:.2f} GiB, "
              f"PSS {mem['peak_pss'] / GIB:.2f} GiB")
        failed = {k: v["status"] for k, v in mem["requests"].items() if v["status"] != 200}
        if failed:
            print(f"    requests not answered 200: {failed}")
        worst = max(mem["peak_pss"], mem["after"]["pss"])
        print(f"    target < 2 GiB: by PSS {verdict(worst < MEMORY_TARGET)} ({worst / GIB:.2f} GiB), "
              f"by summed RSS {verdict(max(mem['peak_rss'], mem['after']['rss']) < MEMORY_TARGET)}")
    out = BENCH / "results" / f"serve-{label(args.credentials)}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"written {out.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
