"""The graph as a service: what the HTTP API does, over one store.

Reads go through an executor (worker processes that can be stopped, see executor.py) after the
guards in guard.py; writes are serialised by one lock and pass the same SHACL gate as
`mcgraph load`. After every write the dataset version changes and readers get a new snapshot.
"""
from __future__ import annotations

import asyncio
import io
import itertools
import re
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox

from .config import Settings
from .credits import CreditSystems
from .errors import UnknownResource, UsageError
from .executor import SNAPSHOT_PREFIX, Executor, InlineExecutor, ResultLimits, SparqlTask, WorkerPool, remove_snapshot
from .guard import GuardLimits, check_dataset_iris, check_query, check_update
from .ingest import LoadResult, init_store, parse_document, submit_documents
from .recognition import RecognitionAssessment, assess, assess_submission
from .referencing import ReferencingNetwork
from .report import ValidationReport
from .results import RDF_FORMATS, Serialized
from .store import GraphStore, OxigraphStore, open_store
from .update import UpdateResult, apply_update
from .validate import validate_staged

VALIDATION_GRAPH = "urn:mcgraph:submitted"
GUARD_CACHE_MAX_TEXT = 64 * 1024  # longer query texts are checked every time
T = TypeVar("T")
_MISSING = object()
# functions whose value differs from one evaluation to the next: such answers are never cached
# (a match inside a string or an IRI only costs a cache miss)
_VOLATILE = re.compile(r"\b(?:RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


class LruCache:
    """A bounded, thread-safe LRU map: at most `entries` items and `max_bytes` in all, none over `max_item`."""

    def __init__(self, entries: int, max_bytes: int, max_item: int) -> None:
        self._entries, self._max_bytes, self._max_item = entries, max_bytes, max_item
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: Any, size: int) -> None:
        if self._entries <= 0 or size > self._max_item:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self._entries or self._bytes > self._max_bytes:
                self._bytes -= self._items.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


class GraphService:
    def __init__(self, store: OxigraphStore, settings: Settings, pool: bool = False) -> None:
        self.store = store
        self.settings = settings
        self._write_lock = threading.Lock()
        self._counter = itertools.count()
        self._snapshots = _snapshot_dir(store)
        self._version = store.version()
        self._names: tuple[str, set[str]] | None = None
        self._cache: dict[tuple[str, str], Any] = {}
        self._results = LruCache(settings.result_cache_entries, settings.result_cache_bytes,
                                 settings.result_cache_bytes // 16)
        self._verdicts = LruCache(1024, 16 * 1024 * 1024, GUARD_CACHE_MAX_TEXT)
        self.executor: Executor = (WorkerPool(self._new_snapshot(), settings.query_workers, settings.query_timeout,
                                              settings.worker_max_memory) if pool else InlineExecutor(store))

    @classmethod
    def open(cls, settings: Settings, pool: bool = True) -> GraphService:
        """Open the configured store; an empty store first receives the bundled data."""
        store = open_store(settings.store)
        if not store.graph_names():
            init_store(store)
        return cls(store, settings, pool=pool)  # type: ignore[arg-type]

    # -- reading -------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self._version

    @property
    def guard_limits(self) -> GuardLimits:
        s = self.settings
        return GuardLimits(s.max_query_bytes, s.max_query_depth, s.allowed_sources)

    def cached(self, name: str, compute: Callable[[GraphStore], T]) -> T:
        """compute(store), kept until the dataset version changes (e.g. statistics)."""
        key = (name, self._version)
        if key not in self._cache:
            self._cache = {k: v for k, v in self._cache.items() if k[1] == self._version}
            self._cache[key] = compute(self.store)
        return self._cache[key]

    def referencing(self) -> ReferencingNetwork:
        """The correspondence network of the current dataset version (read once, then searched in memory)."""
        return self.cached("referencing", ReferencingNetwork.load)

    async def browse(self, model: str, *args: Any, **kwargs: Any) -> Any:
        """One read model of browse.py (`credential`, `frameworks`, ...) built whole by the executor, next to
        the data: one round trip whatever the number of queries behind it."""
        return await self.executor.arun(("browse", (model, args, kwargs)))

    async def stack(self, question: str, *args: Any) -> Any:
        """One stacking question (`Stacking.evaluate`, `discover`, `stackable` or `pathways`) answered whole
        by the executor, next to the data: rows never cross to the server, the time limit bounds it all."""
        return await self.executor.arun(("stacking", (question, args)))

    def assess(self, credential: str, host: str, at: date | None = None) -> RecognitionAssessment:
        """A recognition assessment of a stored credential for a host country (recognition.py)."""
        return assess(self.executor, self.store, credential, host, at, network=self.referencing(),
                      systems=self.cached("credit-systems", CreditSystems.load))

    def assess_submission(self, data: bytes, fmt: ox.RdfFormat, host: str,
                          at: date | None = None) -> RecognitionAssessment:
        """The same for a credential described in `data`: validated, assessed, never stored."""
        return assess_submission(self.store, data, fmt, host, at, network=self.referencing(),
                                 systems=self.cached("credit-systems", CreditSystems.load), reader=self.executor)

    def graph_names(self) -> set[str]:
        if self._names is None or self._names[0] != self._version:
            self._names = (self._version, self.store.graph_names())
        return self._names[1]

    def sparql(self, text: str, solutions_format: str = "json", graph_format: str = "turtle",
               default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> Serialized:
        """A protocol query: guarded, evaluated by the executor, answered from the result cache when it may be."""
        key, prepared = self._prepare(text, solutions_format, graph_format, default_graphs, named_graphs)
        if isinstance(prepared, Serialized):
            return prepared
        return self._keep(key, text, self.executor.sparql(prepared))

    async def asparql(self, text: str, solutions_format: str = "json", graph_format: str = "turtle",
                      default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> Serialized:
        """`sparql` for the event loop: the evaluation is awaited, no thread waits on it."""
        if len(text) > GUARD_CACHE_MAX_TEXT:  # its verdict is never cached: the guard's scan would hold the loop up
            return await asyncio.to_thread(self.sparql, text, solutions_format, graph_format, default_graphs,
                                           named_graphs)
        key, prepared = self._prepare(text, solutions_format, graph_format, default_graphs, named_graphs)
        if isinstance(prepared, Serialized):
            return prepared
        return self._keep(key, text, await self.executor.asparql(prepared))

    def _prepare(self, text: str, solutions_format: str, graph_format: str, default_graphs: list[str] | None,
                 named_graphs: list[str] | None) -> tuple[tuple[Any, ...], Serialized | SparqlTask]:
        """The cache key, and the cached answer or the guarded task to evaluate."""
        version = self._version  # read first: a write publishes its version only once readers see its snapshot
        key = _result_key(version, text, solutions_format, graph_format, default_graphs, named_graphs)
        hit = self._results.get(key)
        if hit is not None:
            return key, hit
        own_dataset = self._checked(text, version)
        check_dataset_iris([*(default_graphs or []), *(named_graphs or [])], self.guard_limits, self.graph_names())
        if own_dataset and not (default_graphs or named_graphs):  # protocol parameters win over FROM
            default_graphs, named_graphs = own_dataset
        limits = ResultLimits(self.settings.max_result_rows, self.settings.max_result_bytes)
        dataset = (default_graphs, named_graphs) if default_graphs or named_graphs else (None, None)
        return key, SparqlTask(text, solutions_format, graph_format, *dataset, limits)

    def _keep(self, key: tuple[Any, ...], text: str, result: Serialized) -> Serialized:
        if not _VOLATILE.search(text):
            self._results.put(key, result, len(result.body) + len(text))
        return result

    def cached_sparql(self, text: str, solutions_format: str = "json", graph_format: str = "turtle",
                      default_graphs: list[str] | None = None,
                      named_graphs: list[str] | None = None) -> Serialized | None:
        """The answer `sparql` would give from its result cache, or None: no evaluation, no waiting."""
        return self._results.get(_result_key(self._version, text, solutions_format, graph_format, default_graphs,
                                             named_graphs))

    def _checked(self, text: str, version: str) -> tuple[list[str], list[str]] | None:
        """check_query, its verdict on a passing text kept per dataset version (FROM depends on the graphs)."""
        key = (version, text)
        verdict = self._verdicts.get(key, _MISSING)
        if verdict is _MISSING:
            verdict = check_query(text, self.guard_limits, self.graph_names)
            self._verdicts.put(key, verdict, len(text))
        return verdict  # type: ignore[return-value]

    async def run_canned(self, text: str, substitutions: dict[str, Any], solutions_format: str = "json",
                         graph_format: str = "turtle") -> Serialized:
        """A catalogue query (trusted text) with bound parameters, awaited on the event loop."""
        limits = ResultLimits(self.settings.max_result_rows, self.settings.max_result_bytes)
        return await self.executor.asparql(SparqlTask(text, solutions_format, graph_format, limits=limits,
                                                      substitutions=substitutions))

    def read_graph(self, graph: str | None, fmt: ox.RdfFormat) -> bytes:
        """One named graph, or (None) the default graph: the union of all named graphs."""
        if graph is None:
            task = SparqlTask("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "json", _graph_format_name(fmt),
                              limits=ResultLimits(self.settings.max_result_rows, self.settings.max_result_bytes))
            result = self.executor.sparql(task)
            if result.truncated:
                raise UsageError("the default graph is larger than one response may be; read its named graphs")
            return result.body
        buffer = io.BytesIO()
        self.store.dump(buffer, fmt, graph)
        return buffer.getvalue()

    def validate(self, data: bytes, fmt: ox.RdfFormat, profiles: Sequence[str] = ()) -> ValidationReport:
        """Validate a document in the context of the store, without storing it."""
        doc = parse_document(data, fmt, VALIDATION_GRAPH, "request body")
        report = validate_staged(doc.data, self.store, profiles, replacing=[])
        report.files = ["request body"]
        return report

    # -- writing -------------------------------------------------------------------------
    def put_graph(self, graph: str, data: bytes, fmt: ox.RdfFormat, append: bool = False,
                  profiles: Sequence[str] = ()) -> tuple[bool, LoadResult]:
        """Replace (or, with append, add to) one graph; returns whether the graph is new."""
        doc = parse_document(data, fmt, graph, f"HTTP {'POST' if append else 'PUT'}")
        others = set(doc.graphs()) - {graph}
        if others:
            raise UsageError(f"the body names other graphs ({', '.join(sorted(others))}); send triples only")
        with self._write_lock:
            created = graph not in self.store.graph_names()
            result = submit_documents(self.store, [doc], append=append, profiles=profiles)
            self._after_write()
        return created, result

    def delete_graph(self, graph: str) -> None:
        with self._write_lock:
            self.store.drop_graph(graph)
            self._after_write()

    def update(self, text: str, profiles: Sequence[str] = ()) -> UpdateResult:
        check_update(text, self.guard_limits)
        with self._write_lock:
            scratch = self._snapshots / f"scratch-{next(self._counter)}"
            self.store.snapshot(scratch)
            try:
                result = apply_update(self.store, text, scratch, self.executor.preview_update, profiles)
            finally:
                remove_snapshot(scratch)
            if result.changed or result.dropped:
                self._after_write()
        return result

    def _after_write(self) -> None:
        version = self.store.version()
        if isinstance(self.executor, WorkerPool):
            self.executor.refresh(self._new_snapshot())
        # published after the workers have the new snapshot: what is cached under a version was read at
        # that version or later, never earlier
        self._version = version
        self._results.clear()
        self._verdicts.clear()

    def _new_snapshot(self) -> Path:
        path = self._snapshots / f"{SNAPSHOT_PREFIX}{next(self._counter)}"
        self.store.snapshot(path)
        return path

    def close(self) -> None:
        self.executor.close()
        self.store.close()
        shutil.rmtree(self._snapshots, ignore_errors=True)


def _result_key(version: str, text: str, solutions_format: str, graph_format: str,
                default_graphs: list[str] | None, named_graphs: list[str] | None) -> tuple[Any, ...]:
    return version, text, solutions_format, graph_format, tuple(default_graphs or ()), tuple(named_graphs or ())


def _snapshot_dir(store: OxigraphStore) -> Path:
    """Beside an on-disk store (checkpoints are hard links: same file system); a temp dir for memory."""
    if store.location == "memory":
        return Path(tempfile.mkdtemp(prefix="mcgraph-snapshots-"))
    path = Path(store.location).with_name(Path(store.location).name + ".snapshots")
    shutil.rmtree(path, ignore_errors=True)  # left by a previous run
    path.mkdir(parents=True)
    return path


def _graph_format_name(fmt: ox.RdfFormat) -> str:
    for name, known in RDF_FORMATS.items():
        if known == fmt:
            return name
    raise UnknownResource(f"no graph serialisation {fmt}")
