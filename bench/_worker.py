"""Child processes of bench_load.py: each measurement runs in its own process (own peak RSS).

    python bench/_worker.py raw STORE_DIR FILE TIMINGS.json
        pyoxigraph Store(STORE_DIR).bulk_load(path=FILE, format=...) into a fresh store:
        what a user would pick instead of mcgraph.
    python bench/_worker.py cli TIMINGS.json -- [mcgraph arguments]
        the `mcgraph` command (same typer app and argv as the console script), with timers
        wrapped around the library's phases: parse, hash, stored context, rdflib conversion,
        pySHACL, commit. The wrappers only read the clock; nothing else changes.
    python bench/_worker.py populate STORE_DIR FILE GRAPH TIMINGS.json
        mcgraph's own submit path with SHACL switched off (parse + staged atomic commit): fills
        a store with the same content a validated load would write, and times that path.
    python bench/_worker.py raw-into STORE_DIR FILE GRAPH TIMINGS.json
        pyoxigraph bulk_load of FILE into GRAPH of an existing (initialised) store: fills a store
        with the same data triples as a load would, where mcgraph's own path does not fit in memory.
"""
from __future__ import annotations

import functools
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

STARTED = time.perf_counter()


def _write(path: str, data: dict) -> None:
    Path(path).write_text(json.dumps(data, indent=1))


def raw(store_dir: str, file: str, out: str, graph: str | None = None) -> int:
    import pyoxigraph as ox

    imported = time.perf_counter()
    fmt = ox.RdfFormat.from_extension(Path(file).suffix.lstrip("."))
    t0 = time.perf_counter()
    store = ox.Store(store_dir)
    t1 = time.perf_counter()
    if graph is None:
        store.bulk_load(path=file, format=fmt)
    else:
        store.bulk_load(path=file, format=fmt, to_graph=ox.NamedNode(graph))
    t2 = time.perf_counter()
    store.flush()
    t3 = time.perf_counter()
    quads = len(store)
    del store
    _write(out, {"import": imported - STARTED, "open": t1 - t0, "bulk_load": t2 - t1, "flush": t3 - t2,
                 "operation": t3 - t0, "quads": quads})
    return 0


class Timers:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.marks: list[tuple[str, int, int, float]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0
                self.calls[label] += 1

        setattr(owner, name, timed)


def cli(out: str, argv: list[str]) -> int:
    import pyshacl

    import mcgraph.cli
    import mcgraph.ingest
    import mcgraph.store
    import mcgraph.validate

    imported = time.perf_counter()
    timers = Timers()
    # order matters only for readability: each wrapper times one call site the library uses
    timers.wrap(mcgraph.ingest, "_parse", "parse")
    timers.wrap(mcgraph.ingest, "sha256_of", "hash")
    timers.wrap(mcgraph.ingest, "validate_staged", "validate")
    timers.wrap(mcgraph.validate, "_staged_nodes", "validate.submission_nodes")
    timers.wrap(mcgraph.validate, "stored_context", "validate.stored_context")
    timers.wrap(mcgraph.validate, "validate_store", "validate.shapes_as_sparql")
    timers.wrap(mcgraph.validate, "to_rdflib", "validate.to_rdflib")
    timers.wrap(pyshacl, "validate", "validate.pyshacl")
    timers.wrap(mcgraph.store.OxigraphStore, "commit", "commit")
    timers.wrap(mcgraph.store.OxigraphStore, "_write", "commit.write")
    timers.wrap(mcgraph.store.OxigraphStore, "close", "close")
    timers.wrap(mcgraph.cli, "open_store", "open")
    timers.wrap(mcgraph.cli, "load_files", "load_files")
    timers.wrap(mcgraph.cli, "init_store", "init_store")
    code = 0
    try:
        mcgraph.cli.app(args=argv, prog_name="mcgraph", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        ended = time.perf_counter()
        _write(out, {"import": imported - STARTED, "process_python": ended - STARTED, "exit": code,
                     "seconds": dict(timers.seconds), "calls": dict(timers.calls)})
    return code


def populate(store_dir: str, file: str, graph: str, out: str) -> int:
    import mcgraph.ingest
    import mcgraph.store
    from mcgraph.ingest import Source, submit
    from mcgraph.store import OxigraphStore

    imported = time.perf_counter()
    timers = Timers()
    timers.wrap(mcgraph.ingest, "_parse", "parse")
    timers.wrap(mcgraph.ingest, "sha256_of", "hash")
    timers.wrap(mcgraph.ingest, "validate_staged", "validate")
    timers.wrap(mcgraph.store.OxigraphStore, "commit", "commit")
    timers.wrap(mcgraph.store.OxigraphStore, "_write", "commit.write")
    t0 = time.perf_counter()
    with OxigraphStore(store_dir) as store:
        result = submit(store, [Source(Path(file), graph, validate=False)])
    t1 = time.perf_counter()
    _write(out, {"import": imported - STARTED, "operation": t1 - t0, "triples": result.triples,
                 "seconds": dict(timers.seconds)})
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["raw"] and len(argv) == 4:
        return raw(*argv[1:])
    if argv[:1] == ["raw-into"] and len(argv) == 5:
        return raw(argv[1], argv[2], argv[4], graph=argv[3])
    if argv[:1] == ["populate"] and len(argv) == 5:
        return populate(*argv[1:])
    if argv[:1] == ["cli"] and len(argv) >= 3 and argv[2] == "--":
        return cli(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
