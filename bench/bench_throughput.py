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

`--client wrk` sends the same workloads with wrk (Debian's `wrk` package; a Lua script makes each
request's text distinct) instead of the Python generator, whose own cost (about 1 ms per request
on 2 cores) bounds every server's rate: wrk shows what the servers themselves sustain.
"""
from __future__ import annotations

import argparse
import re
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


WRK_SCRIPT = """
local template, path, counter = %s, %s, 0
local function encode(s)
  return (s:gsub("[^%%w%%-_%%.~]", function(c) return string.format("%%%%%%02X", string.byte(c)) end))
end
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function request()
  counter = counter + 1
  local text = template:gsub("{n}", tostring(id * 10000000 + counter))
  return wrk.format("GET", path .. "?query=" .. encode(text), {["Accept"] = "application/sparql-results+json"})
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def throughput_wrk(url: str, connections: int, seconds: float, path: str, query: str) -> dict[str, float]:
    """The workload sent by wrk with `connections` connections on up to 2 threads; rps, p50, p99, errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (_lua_string(query), _lua_string(path)))
    try:
        command = ["wrk", f"-t{min(connections, 2)}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "60s",
                   "--latency", "-s", script.name, url]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(script.name).unlink()
    latency = {p: float(v) * _UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": latency["50"],
            "p99": latency["99"], "errors": errors}


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def measure(name: str, proc: subprocess.Popen, url: str, path: str, connections: list[int],
            seconds: float, workloads: list[str], client: str = "python") -> dict[str, dict[int, dict[str, float]]]:
    try:
        out: dict[str, dict[int, dict[str, float]]] = {}
        for workload in workloads:
            query = WORKLOADS[workload]
            print(f"  {name} {workload}: {rows(url + path, query)} row(s) per answer", flush=True)
            if client == "wrk":
                out[workload] = {c: throughput_wrk(url, c, seconds, path, query) for c in connections}
            else:
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
    parser.add_argument("--client", choices=("python", "wrk"), default="python",
                        help="load generator: the Python one (default) or wrk (apt-get install wrk)")
    args = parser.parse_args()
    if args.client == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
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
                                     args.connections, args.seconds, args.workloads, args.client)
        copy = Path(tmp) / "oxigraph-store"
        shutil.copytree(store, copy)
        port = free_port()
        results["oxigraph"] = measure("oxigraph", start_oxigraph(copy, port), f"http://127.0.0.1:{port}", "/query",
                                      args.connections, args.seconds, args.workloads, args.client)
    port = free_port()
    started = time.perf_counter()
    proc = start_rdflib_endpoint([*bundled_data_files(), DATA], port)
    print(f"  rdflib-endpoint: ready after {time.perf_counter() - started:.0f} s (parsing the files)", flush=True)
    results["rdflib-endpoint"] = measure("rdflib-endpoint", proc, f"http://127.0.0.1:{port}", "/",
                                         args.connections, args.seconds, args.workloads, args.client)
    report(results, args.seconds, args.client)


def report(results: dict[str, dict[str, dict[int, dict[str, float]]]], seconds: float, client: str) -> None:
    print(f"\nRequests per second ({seconds:g} s per case; load generator {client} in its own process)")
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
