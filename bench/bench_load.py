#!/usr/bin/env python3
"""Load benchmark: mcgraph's validated load against a raw pyoxigraph bulk load, in one run.

    python bench/bench_load.py                          # 10k credentials, 3 runs
    python bench/bench_load.py --sizes 10000,100000     # runs: 3 up to 20k credentials, else 1
    python bench/bench_load.py --sizes 100000 --no-validated --no-shacl-max 20000
        # 100k without the whole-file loads that do not fit in memory here (see docs/PERFORMANCE.md):
        # raw bulk_load, and the 1k append into a store holding the 100k (filled by bulk_load)

For each size N, each run measures, every step in its own process (peak RSS from wait4):
  init       `mcgraph init` into a fresh on-disk store (reported, never counted in a load)
  raw        pyoxigraph `Store(dir).bulk_load(path=FILE, format=...)` into a fresh on-disk store
  validated  `mcgraph load FILE` into a copy of the initialised store, split into phases
  no-shacl   mcgraph's submit path with SHACL off (parse + staged atomic commit): the cost of
             mcgraph around the validator; it also fills the store used by the append cases
             (above --no-shacl-max, the store is filled by bulk_load into the same graph instead)
  append     `mcgraph load NEW-1k --append --graph ...` (1k NEW credentials, their own IRIs) into
             the store holding the N credentials, and into a copy of the initialised store
Ratios are computed within each run (validated / raw, append-full / append-empty), then
summarised by their median and spread. Data files are generated into bench/data/ when missing;
results are printed and written as JSON to bench/results/.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
WORKER = str(BENCH / "_worker.py")
GRAPH = "https://w3id.org/mcgraph/graph/"
TARGET_VALIDATED = 3.0  # validated load <= 3x raw bulk_load
TARGET_APPEND = 1.5  # appending 1k into a full store <= 1.5x into an empty one

sys.path.insert(0, str(BENCH))
import generate  # noqa: E402


# -- processes -------------------------------------------------------------------------------------
def measured(cmd: list[str], log: Path, timeout: float | None = None, env: dict | None = None) -> dict:
    """Run one process to completion: wall seconds, peak RSS (MiB) from its own rusage, exit code."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log.with_suffix(".out"), "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(proc.pid, signal.SIGKILL)) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "exit": proc.returncode,
              "user": usage.ru_utime, "sys": usage.ru_stime}
    if proc.returncode != 0:
        tail = log.with_suffix(".err").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    return result


def mcgraph_script() -> str:
    script = Path(PYTHON).parent / "mcgraph"
    if not script.exists():
        raise SystemExit(f"no `mcgraph` console script next to {PYTHON}")
    return str(script)


def cli_cmd(args: list[str], timings: Path, plain: bool) -> list[str]:
    if plain:
        return [mcgraph_script(), *args]
    return [PYTHON, WORKER, "cli", str(timings), "--", *args]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


# -- data --------------------------------------------------------------------------------------
def label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


def dataset(data_dir: Path, n: int, prefix: str, seed: int, ext: str) -> Path:
    path = data_dir / (f"mc-{label(n)}.{ext}" if prefix == "syn" else f"mc-{prefix}-{label(n)}.{ext}")
    if not path.exists():
        t0 = time.perf_counter()
        triples = generate.generate(path, n, seed=seed, prefix=prefix)
        print(f"  generated {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
              f"{triples} triples in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


# -- one run -------------------------------------------------------------------------------------
def one_run(n: int, run: int, work: Path, data: Path, new: Path, args: argparse.Namespace,
            validated: bool, no_shacl: bool = True) -> dict:
    res: dict = {"run": run}
    base = work / f"{label(n)}-run{run}"
    logs = base / "logs"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    say = lambda msg: print(f"  [{label(n)} run {run}] {msg}", flush=True)  # noqa: E731

    template = base / "init"
    t = base / "t-init.json"
    res["init"] = measured(cli_cmd(["--store", str(template), "init"], t, args.plain), logs / "init")
    res["init"]["phases"] = read_json(t).get("seconds", {})
    say(f"init {res['init']['wall']:.1f} s")

    t = base / "t-raw.json"
    res["raw"] = measured([PYTHON, WORKER, "raw", str(base / "raw"), str(data), str(t)], logs / "raw")
    res["raw"].update(read_json(t))
    shutil.rmtree(base / "raw", ignore_errors=True)
    say(f"raw bulk_load {res['raw']['wall']:.1f} s ({res['raw']['quads']} quads)")

    full = None
    if validated:
        store = base / "validated"
        shutil.copytree(template, store)
        t = base / "t-validated.json"
        res["validated"] = measured(cli_cmd(["--store", str(store), "load", str(data)], t, args.plain),
                                    logs / "validated", timeout=args.timeout)
        res["validated"].update(read_json(t))
        full = store
        say(f"validated load {res['validated']['wall']:.1f} s")

    graph = GRAPH + "local/" + data.stem  # the graph `mcgraph load FILE` writes
    store = base / "no-shacl"
    shutil.copytree(template, store)
    if no_shacl:
        t = base / "t-no-shacl.json"
        res["no_shacl"] = measured([PYTHON, WORKER, "populate", str(store), str(data), graph, str(t)],
                                   logs / "no-shacl")
        res["no_shacl"].update(read_json(t))
        say(f"no-SHACL load {res['no_shacl']['wall']:.1f} s")
    elif full is None:  # mcgraph's commit of the whole file does not fit: fill it with the same data triples
        t = base / "t-fill.json"
        res["fill_raw"] = measured([PYTHON, WORKER, "raw-into", str(store), str(data), graph, str(t)], logs / "fill")
        res["fill_raw"].update(read_json(t))
        say(f"store filled by bulk_load into {graph} in {res['fill_raw']['wall']:.1f} s")
    if full is None:
        full = store
    else:
        shutil.rmtree(store, ignore_errors=True)
    res["append_store"] = "validated load" if validated else ("no-SHACL submit" if no_shacl else
                                                              "raw bulk_load into the load's graph")

    append_args = ["load", str(new), "--append", "--graph", GRAPH + "local/bench-new"]
    for case, source in (("append_full", full), ("append_empty", template)):
        store = base / case
        shutil.copytree(source, store)
        t = base / f"t-{case}.json"
        res[case] = measured(cli_cmd(["--store", str(store), *append_args], t, args.plain), logs / case,
                             timeout=args.timeout)
        res[case].update(read_json(t))
        shutil.rmtree(store, ignore_errors=True)
        say(f"{case.replace('_', ' ')} {res[case]['wall']:.1f} s")

    if validated:
        res["ratio_validated_raw"] = res["validated"]["wall"] / res["raw"]["wall"]
        ops = res["validated"].get("seconds", {})
        if "load_files" in ops:
            res["ratio_validated_raw_inprocess"] = ops["load_files"] / res["raw"]["operation"]
    if no_shacl:
        res["ratio_noshacl_raw"] = res["no_shacl"]["wall"] / res["raw"]["wall"]
    res["ratio_append"] = res["append_full"]["wall"] / res["append_empty"]["wall"]
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    return res


# -- summary -------------------------------------------------------------------------------------
PHASE_ORDER = ("process start, imports, exit", "open", "parse", "hash", "validate", "validate.submission_nodes",
               "validate.stored_context", "validate.shapes_as_sparql", "validate.to_rdflib", "validate.pyshacl",
               "validate.other (adding context and ontology, counting)", "commit", "commit.write",
               "commit.finish (one SPARQL update: catalog, staged graphs moved)", "close", "load_files other",
               "init_store")


def derived_phases(step: dict) -> dict:
    """The timers of one process plus what they leave out: startup, unlisted validate work, the rest."""
    sec = dict(step.get("seconds", {}))
    if not sec:
        return {}
    if "validate" in sec and any(k.startswith("validate.") for k in sec):
        inner = sum(v for k, v in sec.items() if k.startswith("validate."))
        sec["validate.other (adding context and ontology, counting)"] = max(0.0, sec["validate"] - inner)
    if "commit.write" in sec and "commit" in sec:
        sec["commit.finish (one SPARQL update: catalog, staged graphs moved)"] = max(
            0.0, sec["commit"] - sec["commit.write"])
    if "load_files" in sec:
        sec["load_files other"] = max(0.0, sec["load_files"] - sum(sec.get(k, 0.0) for k in
                                                                    ("parse", "hash", "validate", "commit")))
        outside = sec["load_files"] + sec.get("open", 0.0) + sec.get("close", 0.0)
        sec["process start, imports, exit"] = max(0.0, step["wall"] - outside)
        del sec["load_files"]
    return {k: sec[k] for k in PHASE_ORDER if k in sec}


def stats(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {}
    med = statistics.median(values)
    return {"median": med, "min": min(values), "max": max(values), "n": len(values),
            "spread_pct": 100 * (max(values) - min(values)) / med if med else 0.0}


def fmt(s: dict, unit: str = "s", digits: int = 1) -> str:
    if not s:
        return "not run"
    text = f"{s['median']:.{digits}f} {unit}".rstrip()
    if s["n"] > 1:
        text += f" (min {s['min']:.{digits}f}, max {s['max']:.{digits}f}, n={s['n']})"
    return text


def summarise(runs: list[dict]) -> dict:
    out: dict = {}
    for step in ("init", "raw", "validated", "no_shacl", "fill_raw", "append_full", "append_empty"):
        got = [r[step] for r in runs if step in r]
        if not got:
            continue
        out[step] = {"wall": stats([g["wall"] for g in got]), "rss_mib": stats([g["rss_mib"] for g in got])}
        split = [derived_phases(g) for g in got]
        phases = [k for k in PHASE_ORDER if any(k in p for p in split)]
        if phases:
            out[step]["phases"] = {k: stats([p.get(k, 0.0) for p in split]) for k in phases}
        if step == "raw":
            out[step]["bulk_load"] = stats([g["bulk_load"] for g in got])
            out[step]["quads"] = got[0]["quads"]
    out["append_store"] = runs[-1].get("append_store") if runs else None
    for ratio in ("ratio_validated_raw", "ratio_validated_raw_inprocess", "ratio_noshacl_raw", "ratio_append"):
        got = [r[ratio] for r in runs if ratio in r]
        if got:
            out[ratio] = stats(got)
    return out


def verdict(ratio: dict, target: float) -> str:
    if not ratio:
        return "not measured"
    med = ratio["median"]
    return (f"PASS: {med:.2f}x <= {target:g}x" if med <= target
            else f"FALLS SHORT: {med:.2f}x > {target:g}x (needs {med / target:.1f}x faster)")


def report(n: int, summary: dict, triples: int, new: int, new_triples: int) -> None:
    print(f"\n== {n} credentials ({triples} triples); append case: {new} new credentials ({new_triples} triples)")
    rows = [("mcgraph init (not counted)", "init"), ("raw pyoxigraph bulk_load", "raw"),
            ("mcgraph load (validated)", "validated"), ("mcgraph submit, SHACL off", "no_shacl"),
            ("fill N store by bulk_load (setup)", "fill_raw"),
            ("append NEW into the N store", "append_full"), ("append NEW into empty store", "append_empty")]
    for title, step in rows:
        s = summary.get(step)
        if not s:
            print(f"  {title:<32} not run")
            continue
        print(f"  {title:<32} {fmt(s['wall'])}   peak RSS {fmt(s['rss_mib'], 'MiB', 0)}")
        for phase, p in s.get("phases", {}).items():
            print(f"      {phase:<46} {fmt(p, 's', 2)}")
    print(f"  ratio validated / raw           {fmt(summary.get('ratio_validated_raw', {}), 'x', 2)}")
    print(f"    target <= {TARGET_VALIDATED:g}x: {verdict(summary.get('ratio_validated_raw', {}), TARGET_VALIDATED)}")
    if summary.get("ratio_validated_raw_inprocess"):
        print(f"    same, in-process (load_files vs open+bulk_load+flush): "
              f"{fmt(summary['ratio_validated_raw_inprocess'], 'x', 2)}")
    print(f"  ratio SHACL-off submit / raw    {fmt(summary.get('ratio_noshacl_raw', {}), 'x', 2)}")
    print(f"  ratio append full / empty       {fmt(summary.get('ratio_append', {}), 'x', 2)}"
          f"   (N store from: {summary.get('append_store', '?')})")
    print(f"    target <= {TARGET_APPEND:g}x: {verdict(summary.get('ratio_append', {}), TARGET_APPEND)}")


def versions() -> dict:
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    out = {"python": platform.python_version(), "cpu": cpu, "cores": os.cpu_count(),
           "ram_gib": round(mem / 1024 / 1024, 1), "platform": platform.platform()}
    for pkg in ("pyoxigraph", "pyshacl", "rdflib", "mcgraph"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def count_triples(path: Path) -> int:
    import pyoxigraph as ox

    return sum(1 for _ in ox.parse(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated credential counts (default 10000)")
    parser.add_argument("--runs", type=int, default=None, help="runs per size (default: 3 up to 20k, else 1)")
    parser.add_argument("--new", type=int, default=1000, help="credentials in the append submission (default 1000)")
    parser.add_argument("--format", choices=("ttl", "nt"), default="ttl", help="data file format (default ttl)")
    parser.add_argument("--data-dir", type=Path, default=BENCH / "data")
    parser.add_argument("--results-dir", type=Path, default=BENCH / "results")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the stores go (default: a temp dir)")
    parser.add_argument("--no-validated", action="store_true",
                        help="skip the full validated load (pySHACL over the whole file)")
    parser.add_argument("--validated-max", type=int, default=None,
                        help="skip the full validated load above this many credentials")
    parser.add_argument("--no-shacl-max", type=int, default=None,
                        help="above this many credentials, skip the SHACL-off submit (its commit holds the "
                             "whole file in memory) and fill the store for the append case by bulk_load")
    parser.add_argument("--plain", action="store_true",
                        help="run the `mcgraph` console script itself (no per-phase timings)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds before a load is killed")
    parser.add_argument("--keep", action="store_true", help="keep stores and logs of each run")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="mcgraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    machine = versions()
    print(f"mcgraph load benchmark, {started:%Y-%m-%d %H:%M} UTC; {machine['cpu']}, {machine['cores']} cores, "
          f"{machine['ram_gib']} GiB; Python {machine['python']}, pyoxigraph {machine['pyoxigraph']}, "
          f"pySHACL {machine['pyshacl']}; stores in {work}", flush=True)
    new = dataset(args.data_dir, args.new, "new", 2, args.format)
    new_triples = count_triples(new)
    results = {"started": started.isoformat(), "machine": machine, "argv": sys.argv[1:],
               "new_file": str(new), "new_triples": new_triples, "sizes": {}}
    args.results_dir.mkdir(parents=True, exist_ok=True)
    out = args.results_dir / f"load-{started:%Y%m%dT%H%M%S}.json"
    for n in sizes:
        runs = args.runs or (3 if n <= 20_000 else 1)
        validated = not args.no_validated and (args.validated_max is None or n <= args.validated_max)
        no_shacl = args.no_shacl_max is None or n <= args.no_shacl_max
        data = dataset(args.data_dir, n, "syn", 1, args.format)
        triples = count_triples(data)
        print(f"{n} credentials: {data.name}, {triples} triples, {runs} run(s), "
              f"validated load {'on' if validated else 'off'}", flush=True)
        done = []
        for run in range(1, runs + 1):
            done.append(one_run(n, run, work, data, new, args, validated, no_shacl))
            entry = {"file": str(data), "triples": triples, "runs": done, "summary": summarise(done),
                     "validated": validated, "no_shacl": no_shacl, "append_store": done[-1]["append_store"]}
            results["sizes"][str(n)] = entry
            out.write_text(json.dumps(results, indent=1))  # after every run: a long job leaves partial results
        report(n, results["sizes"][str(n)]["summary"], triples, args.new, new_triples)
    results["ended"] = datetime.now(UTC).isoformat()
    out.write_text(json.dumps(results, indent=1))
    print(f"\nresults: {out}")
    if args.work_dir is None and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
