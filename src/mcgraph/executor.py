"""Query evaluation that can be stopped: a pool of worker processes reading snapshots of the store.

pyoxigraph cannot cancel a running query, and a pathological query can take its process down.
The server therefore evaluates every read in a worker process that has a snapshot of the store
open (a checkpoint on disk, or an N-Quads copy for a memory store). A query over its time limit
has its worker killed and replaced; a crash costs one worker, never the server. After every
write the service takes a new snapshot and workers switch to it at their next task.

`InlineExecutor` runs the same tasks in the calling thread on the live store: for tests and
library use, where no one needs to be protected from a query.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import shutil
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import McGraphError, QueryError, QueryTimeout, ServerBusy
from .namespaces import PREFIXES
from .results import Serialized, serialize_boolean, serialize_solutions, serialize_triples
from .store import OxigraphStore, Row, rows_of, triples_of


@dataclass(frozen=True)
class ResultLimits:
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class SparqlTask:
    """One protocol query: evaluated, then serialised in the format chosen for its result kind."""

    text: str
    solutions_format: str  # json | xml | csv | tsv
    graph_format: str  # turtle | ntriples | jsonld | rdfxml
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    limits: ResultLimits = ResultLimits()
    substitutions: dict[str, Any] | None = None  # values of a canned query's parameters


def evaluate(store: OxigraphStore, task: tuple[str, Any]) -> Any:
    """Run one task against a store; shared by the worker processes and the inline executor."""
    kind, payload = task
    if kind == "select":
        return rows_of(store.query(*payload))
    if kind == "construct":
        return triples_of(store.query(*payload))
    if kind == "sparql":
        return _run_sparql(store, payload)
    if kind == "preview":  # an update tried on a scratch copy (update.py)
        from .update import preview

        return preview(*payload)
    raise QueryError(f"unknown task {kind!r}")


def _run_sparql(store: OxigraphStore, task: SparqlTask) -> Serialized:
    result = store.query(task.text, task.substitutions, task.default_graphs, task.named_graphs)
    limits = task.limits
    if isinstance(result, ox.QueryBoolean):
        return serialize_boolean(bool(result), task.solutions_format)
    if isinstance(result, ox.QueryTriples):
        return serialize_triples(result, task.graph_format, limits.max_rows, PREFIXES)
    names = [v.value for v in result.variables]
    rows = ({n: row[n] for n in names} for row in result)  # lazy: truncation stops evaluation
    return serialize_solutions(names, rows, task.solutions_format, limits.max_rows, limits.max_bytes)


class Executor:
    """Where reads are evaluated. Also a `Reader` for the library's read models."""

    def select(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[Row]:
        return self.run(("select", (sparql, substitutions)))

    def construct(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[ox.Triple]:
        return self.run(("construct", (sparql, substitutions)))

    def sparql(self, task: SparqlTask) -> Serialized:
        return self.run(("sparql", task))

    def preview_update(self, snapshot: Path, text: str, graphs: set[str] | None) -> dict[str | None, list[ox.Quad]]:
        return self.run(("preview", (snapshot, text, graphs)))

    def run(self, task: tuple[str, Any]) -> Any:
        raise NotImplementedError

    def refresh(self, snapshot: Path | None) -> None:
        """The store changed; `snapshot` holds its new state (None for executors on the live store)."""

    def close(self) -> None:
        """Stop workers and release resources."""


class InlineExecutor(Executor):
    def __init__(self, store: OxigraphStore) -> None:
        self._store = store

    def run(self, task: tuple[str, Any]) -> Any:
        return evaluate(self._store, task)


def _worker_main(conn: Connection) -> None:
    """A worker's loop: (snapshot, task) in, ("ok", result) or ("error", exception) out."""
    store: OxigraphStore | None = None
    opened: Path | None = None
    while True:
        try:
            message = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if message is None:
            return
        snapshot, task = message
        try:
            if snapshot != opened:
                store, opened = None, None  # close the old snapshot before opening the new one
                store, opened = OxigraphStore.open_snapshot(snapshot), snapshot
            conn.send(("ok", evaluate(store, task)))
        except McGraphError as err:
            conn.send(("error", QueryError(err.message) if not _picklable(err) else err))
        except Exception as err:  # the engine's own errors: report, keep serving
            conn.send(("error", QueryError(f"query failed: {err}")))


def _picklable(err: Exception) -> bool:
    return type(err).__init__ is McGraphError.__init__ or len(err.args) == 1


class _Worker:
    def __init__(self, context: Any) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True, name="mcgraph-query")
        self.process.start()
        child.close()
        self.snapshot: Path | None = None

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.kill()


class WorkerPool(Executor):
    """`size` worker processes; a task waits at most `timeout` for a worker and `timeout` to finish."""

    def __init__(self, snapshot: Path, size: int, timeout: float) -> None:
        self._context = mp.get_context("spawn")  # no fork: the server process runs threads
        self._snapshot = snapshot
        self._timeout = timeout
        self._lock = threading.Lock()
        self._workers = [_Worker(self._context) for _ in range(max(1, size))]
        self._idle: queue.Queue[_Worker] = queue.Queue()
        for worker in self._workers:
            self._idle.put(worker)

    @property
    def size(self) -> int:
        return len(self._workers)

    def run(self, task: tuple[str, Any]) -> Any:
        try:
            worker = self._idle.get(timeout=self._timeout)
        except queue.Empty:
            raise ServerBusy(f"all {self.size} query workers stayed busy for {self._timeout:g} s") from None
        held = worker.snapshot
        try:
            status, payload = self._exchange(worker, task)
        finally:
            fresh = self._replace_if_dead(worker)
            self._idle.put(fresh)
            # a snapshot can only have become unused if this worker left one (moved on, or died)
            # or a write made a newer one current while it ran
            if fresh is not worker or held != worker.snapshot or worker.snapshot != self._snapshot:
                self._drop_unused_snapshots()
        if status == "error":
            raise payload
        return payload

    def _exchange(self, worker: _Worker, task: tuple[str, Any]) -> tuple[str, Any]:
        with self._lock:  # recorded before sending, so the snapshot cannot be dropped under the worker
            snapshot = worker.snapshot = self._snapshot
        try:
            worker.conn.send((snapshot, task))
            if not worker.conn.poll(self._timeout):
                worker.kill()
                raise QueryTimeout(f"the query ran longer than {self._timeout:g} s and was stopped")
            return worker.conn.recv()
        except (EOFError, OSError):
            worker.kill()
            raise QueryError("the query stopped its worker process (it was too complex to evaluate)") from None

    def _replace_if_dead(self, worker: _Worker) -> _Worker:
        if worker.process.is_alive():
            return worker
        fresh = _Worker(self._context)
        with self._lock:
            self._workers[self._workers.index(worker)] = fresh
        return fresh

    def refresh(self, snapshot: Path | None) -> None:
        if snapshot is not None:
            with self._lock:
                self._snapshot = snapshot
            self._drop_unused_snapshots()

    def _drop_unused_snapshots(self) -> None:
        """Delete snapshots no worker has open and that are not the current one."""
        with self._lock:
            in_use = {w.snapshot for w in self._workers if w.process.is_alive()} | {self._snapshot}
            for path in self._snapshot.parent.iterdir():
                if path not in in_use and path.name.startswith(SNAPSHOT_PREFIX):
                    remove_snapshot(path)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()


SNAPSHOT_PREFIX = "snapshot-"


def remove_snapshot(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
