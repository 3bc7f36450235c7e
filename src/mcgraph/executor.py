"""Query evaluation that can be stopped: a pool of worker processes reading snapshots of the store.

pyoxigraph cannot cancel a running query, and a pathological query can take its process down.
The server therefore evaluates every read in a worker process that has a snapshot of the store
open (a checkpoint on disk, or an N-Quads copy for a memory store). A query over its time limit
has its worker killed and replaced; a crash costs one worker, never the server. After every
write the service takes a new snapshot and workers switch to it at their next task.

`InlineExecutor` runs the same tasks in the calling thread on the live store: for tests and
library use, where no one needs to be protected from a query.

The server awaits a worker's answer on its event loop (`arun`): no thread per request. A reply is
two messages, its size then its pickle, so a large one is read off the loop.
"""
from __future__ import annotations

import asyncio
import contextlib
import ctypes
import multiprocessing as mp
import os
import pickle
import queue
import shutil
import struct
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from .errors import McGraphError, QueryError, QueryTimeout, ServerBusy
from .namespaces import PREFIXES
from .results import Serialized, serialize_boolean, serialize_solutions, serialize_triples
from .store import OxigraphStore, Row, rows_of, triples_of

if TYPE_CHECKING:
    from .stacking import Stacking


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
    if kind == "browse":  # a whole read model (browse.py) next to the data: one round trip, only its answer back
        name, args, kwargs = payload
        if name not in BROWSE_MODELS:
            raise QueryError(f"unknown read model {name!r}")
        from . import browse

        return getattr(browse, name)(store, *args, **kwargs)
    if kind == "stacking":  # a whole stacking question next to the data: only its answer crosses the pipe
        method, args = payload
        if method not in STACKING_QUESTIONS:
            raise QueryError(f"unknown stacking question {method!r}")
        return getattr(_stacking_engine(store), method)(*args)
    if kind == "preview":  # an update tried on a scratch copy (update.py)
        from .update import preview

        return preview(*payload)
    raise QueryError(f"unknown task {kind!r}")


BROWSE_MODELS = ("frameworks", "framework", "level", "credentials", "credential", "organisations", "countries",
                 "describe")
STACKING_QUESTIONS = ("evaluate", "discover", "stackable", "pathways")
_shared: dict[str, Any] = {}  # per process: the network and credit systems of the store version last read


def _stacking_engine(store: OxigraphStore) -> Stacking:
    """A stacking engine over `store`, the correspondence network and credit systems read once per version."""
    from .credits import CreditSystems
    from .referencing import ReferencingNetwork
    from .stacking import Stacking  # here: a worker imports stacking on its first question only

    key = (id(store), store.version())
    if _shared.get("key") != key:
        _shared.clear()
        _shared.update(key=key, network=ReferencingNetwork.load(store), systems=CreditSystems.load(store))
    return Stacking(store, network=_shared["network"], systems=_shared["systems"])


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

    async def arun(self, task: tuple[str, Any]) -> Any:
        """`run` for an event loop: the loop is never blocked by the evaluation."""
        return await asyncio.to_thread(self.run, task)

    async def asparql(self, task: SparqlTask) -> Serialized:
        return await self.arun(("sparql", task))

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
    """A worker's loop: (snapshot, task) in; out, the reply's header (size, long task) then the pickled
    ("ok", result) or ("error", exception)."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="parent-watch").start()
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
        started = time.monotonic()
        try:
            if snapshot != opened:
                store, opened = None, None  # close the old snapshot before opening the new one
                store, opened = OxigraphStore.open_snapshot(snapshot), snapshot
            reply: tuple[str, Any] = ("ok", evaluate(store, task))
        except McGraphError as err:
            reply = ("error", QueryError(err.message) if not _picklable(err) else err)
        except Exception as err:  # the engine's own errors: report, keep serving
            reply = ("error", QueryError(f"query failed: {err}"))
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # an answer that cannot cross the pipe
            data = pickle.dumps(("error", QueryError(f"the answer could not be sent: {err}")))
        del reply
        long_task = time.monotonic() - started > LONG_TASK
        if long_task:
            _trim_heap()  # before replying, so that the pool measures the worker after it
        conn.send_bytes(_HEADER.pack(len(data), long_task))
        conn.send_bytes(data)


def _exit_with_parent(parent: int) -> None:
    """A worker never outlives its server (killed, it cannot stop its workers): a query runs without the
    GIL, so this thread notices within a second even while one is evaluated."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


LONG_TASK = 0.1  # seconds; after a task this long a worker gives freed memory back, and the pool checks its size


def _trim_heap() -> None:
    """Return the freed heap to the system (glibc keeps it otherwise, and the worker's RSS stays at its peak)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def private_memory(pid: int) -> int:
    """Bytes of a process's anonymous resident memory (its heap: not the store's mapped files); 0 if unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


_HEADER = struct.Struct("!Q?")  # a reply's size in bytes; whether its task ran long
LARGE_REPLY = 1024 * 1024  # bytes; a reply this large is read in a thread, not on the event loop


def _reply_header(conn: Connection) -> tuple[int, bool]:
    return _HEADER.unpack(conn.recv_bytes())


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
    """`size` worker processes; a task waits at most `timeout` for a worker and `timeout` to finish.

    A worker whose private memory stays above `max_memory` bytes after a long task is replaced.
    """

    def __init__(self, snapshot: Path, size: int, timeout: float, max_memory: int = 0) -> None:
        self._context = mp.get_context("spawn")  # no fork: the server process runs threads
        self._snapshot = snapshot
        self._timeout = timeout
        self._max_memory = max_memory
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
        held, long_task = worker.snapshot, False
        try:
            self._send(worker, task)
            if not worker.conn.poll(self._timeout):
                self._timed_out(worker)
            size, long_task = _reply_header(worker.conn)
            status, payload = self._receive(worker, size)
        except (EOFError, OSError):
            self._died(worker)
        finally:
            self._give_back(worker, held, long_task)
        return _unwrap(status, payload)

    async def arun(self, task: tuple[str, Any]) -> Any:
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:  # every worker busy: wait for one in a thread, as `run` does
            return await asyncio.to_thread(self.run, task)
        held, long_task = worker.snapshot, False
        try:
            self._send(worker, task)
            await self._readable(worker)
            size, long_task = _reply_header(worker.conn)
            if size > LARGE_REPLY:
                status, payload = await asyncio.to_thread(self._receive, worker, size)
            else:
                status, payload = self._receive(worker, size)
        except (EOFError, OSError):
            self._died(worker)
        except asyncio.CancelledError:  # the worker may still be evaluating: it cannot be reused
            worker.kill()
            raise
        finally:
            self._give_back(worker, held, long_task)
        return _unwrap(status, payload)

    async def _readable(self, worker: _Worker) -> None:
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        timed_out = False
        try:
            await asyncio.wait_for(ready, self._timeout)
        except TimeoutError:
            timed_out = True
        finally:
            loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop leaves a watched descriptor non-blocking
        if timed_out:
            self._timed_out(worker)

    def _send(self, worker: _Worker, task: tuple[str, Any]) -> None:
        with self._lock:  # recorded before sending, so the snapshot cannot be dropped under the worker
            snapshot = worker.snapshot = self._snapshot
        worker.conn.send((snapshot, task))

    @staticmethod
    def _receive(worker: _Worker, size: int) -> tuple[str, Any]:
        data = worker.conn.recv_bytes()
        if len(data) != size:
            raise EOFError("truncated reply")
        return pickle.loads(data)

    def _timed_out(self, worker: _Worker) -> None:
        worker.kill()
        raise QueryTimeout(f"the query ran longer than {self._timeout:g} s and was stopped")

    @staticmethod
    def _died(worker: _Worker) -> None:
        worker.kill()
        raise QueryError("the query stopped its worker process (it was too complex to evaluate)") from None

    def _give_back(self, worker: _Worker, held: Path | None, long_task: bool) -> None:
        if (long_task and self._max_memory and worker.process.is_alive()
                and private_memory(worker.process.pid) > self._max_memory):  # measured after the worker trimmed
            worker.stop()
        fresh = self._replace_if_dead(worker)
        self._idle.put(fresh)
        # a snapshot can only have become unused if this worker left one (moved on, or died)
        # or a write made a newer one current while it ran
        if fresh is not worker or held != worker.snapshot or worker.snapshot != self._snapshot:
            self._drop_unused_snapshots()

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


def _unwrap(status: str, payload: Any) -> Any:
    if status == "error":
        raise payload
    return payload


SNAPSHOT_PREFIX = "snapshot-"


def remove_snapshot(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
