#!/usr/bin/env python3
"""Validation cost grows with the submission, not the store: append 1k credentials to a large store.

    python bench/bench_append.py                      # the 1M store (built by bench_stacking.store_for)
    python bench/bench_append.py --credentials 100000 --runs 5

Each run is `mcgraph load mc-new-1k.ttl --append --graph …/local/bench-new` as a process (parse,
SHACL against the stored context, commit), alternately into the N-credential store and into a
store holding only the bundled data (`mcgraph init`). The N store is reused in place: the graph
is dropped again after each run (`mcgraph graphs drop`), so it is left as it was found.
Target: the N store costs at most 1.5x the empty one (median of the per-pair ratios).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
from pathlib import Path

from bench_latency import dataset, label
from bench_load import GRAPH, cli_cmd, measured
from bench_load import dataset as load_dataset
from bench_stacking import store_for
from timing import machine

HERE = Path(__file__).resolve().parent
TARGET = 1.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = label(args.credentials)
    big = store_for(dataset(args.credentials), rebuild=False)
    new = load_dataset(HERE / "data", 1000, prefix="new", seed=2, ext="ttl")
    graph = GRAPH + "local/bench-new"
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="mcgraph-append-") as tmp:
        work = Path(tmp)
        empty = work / "empty"
        measured(cli_cmd(["--store", str(empty), "init"], work / "t.json", plain=True), work / "logs" / "init")
        ratios, full_times, empty_times = [], [], []
        for run in range(1, args.runs + 1):
            walls = {}
            for name, store in (("full", big), ("empty", empty)):
                load = ["--store", str(store), "load", str(new), "--append", "--graph", graph]
                walls[name] = measured(cli_cmd(load, work / "t.json", plain=True), work / "logs" / name)["wall"]
                drop = ["--store", str(store), "graphs", "drop", graph]
                measured(cli_cmd(drop, work / "t.json", plain=True), work / "logs" / "drop")
            ratios.append(walls["full"] / walls["empty"])
            full_times.append(walls["full"])
            empty_times.append(walls["empty"])
            print(f"run {run}: into the {size} store {walls['full']:.2f} s, into the bundled-only store "
                  f"{walls['empty']:.2f} s, ratio {ratios[-1]:.2f}x", flush=True)
        shutil.rmtree(empty, ignore_errors=True)
    median = statistics.median(ratios)
    print(f"median: {statistics.median(full_times):.2f} s vs {statistics.median(empty_times):.2f} s; "
          f"ratio {median:.2f}x (runs {min(ratios):.2f}-{max(ratios):.2f}); target <= {TARGET}x: "
          f"{'meets' if median <= TARGET else 'falls short'}")


if __name__ == "__main__":
    main()
