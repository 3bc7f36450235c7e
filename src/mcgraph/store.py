"""The graph store behind a small interface; embedded Oxigraph (on disk or in memory).

Nothing else in mcgraph touches pyoxigraph's Store. Every named graph holds one source; queries
see the union of named graphs as their default graph. Writes of a whole submission are
all-or-nothing:
- a graph that is new (absent or empty) is bulk-written in place, hidden from readers and marked
  pending in the catalog; one SPARQL update then clears the mark and records the load;
- a graph that replaces or extends stored content is written to a hidden staging graph and moved
  (or added) into place by that same update (one transaction).
Staging graphs, and pending graphs with their marks, left by a killed process are dropped when
the store is next opened.
"""
from __future__ import annotations

import getpass
import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

import pyoxigraph as ox

from .errors import QueryError, UnknownResource, UsageError
from .namespaces import CATALOG_GRAPH, ID, MC, PREFIXES

STAGING_PREFIX = "urn:mcgraph:staging:"
PENDING = ox.NamedNode(MC + "pendingLoad")  # catalog mark: <graph> mc:pendingLoad "token" while it is written
_BULK_THRESHOLD = 50_000  # quads; above this, staging is written with the bulk loader
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term | None]  # variable name -> value (None when unbound)


class QuadSource(Protocol):
    """Quads to write into one graph: a list, or a view over a parsed document's store."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[ox.Quad]: ...


class Reader(Protocol):
    """What read-only library functions need: rows and triples as plain, picklable values.

    A GraphStore is a Reader; so is the server's pool of killable query workers.
    """

    def select(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[Row]: ...

    def construct(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[ox.Triple]: ...


class UnionReader:
    """Several readers as one, for queries whose rows each state one fact about an anchored node
    (a row never joins data held by two readers): a submission read together with the store."""

    def __init__(self, readers: list[Reader]) -> None:
        self.readers = readers

    def select(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[Row]:
        return [row for reader in self.readers for row in reader.select(sparql, substitutions)]

    def construct(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[ox.Triple]:
        return [t for reader in self.readers for t in reader.construct(sparql, substitutions)]


def rows_of(result: QueryResult) -> list[Row]:
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("expected a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: row[n] for n in names} for row in result]


def triples_of(result: QueryResult) -> list[ox.Triple]:
    if not isinstance(result, ox.QueryTriples):
        raise QueryError("expected a CONSTRUCT or DESCRIBE query")
    return list(result)


@dataclass
class LoadRecord:
    """Provenance of one load into one named graph, kept in the catalog graph."""

    graph: str
    source: str
    sha256: str
    triples: int
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    loaded_by: str = field(default_factory=lambda: _user())

    def quads(self) -> list[ox.Quad]:
        node = ox.NamedNode(f"{ID}load/{uuid.uuid4()}")
        cat = ox.NamedNode(CATALOG_GRAPH)

        def q(pred: str, obj: ox.NamedNode | ox.Literal) -> ox.Quad:
            return ox.Quad(node, ox.NamedNode(pred), obj, cat)

        return [
            ox.Quad(node, _RDF_TYPE, ox.NamedNode(MC + "GraphLoad"), cat),
            q(MC + "graph", ox.NamedNode(self.graph)),
            q(MC + "sourceFile", ox.Literal(self.source)),
            q(MC + "sha256", ox.Literal(self.sha256)),
            q(MC + "tripleCount", ox.Literal(str(self.triples), datatype=ox.NamedNode(_XSD + "integer"))),
            q(_PROV + "endedAtTime", ox.Literal(self.loaded_at.isoformat(), datatype=ox.NamedNode(_XSD + "dateTime"))),
            q(MC + "loadedBy", ox.Literal(self.loaded_by)),
        ]


@dataclass
class GraphInfo:
    name: str
    triples: int
    source: str | None = None
    loaded_at: str | None = None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class GraphStore(ABC):
    """What mcgraph needs from a store; a remote SPARQL 1.1 store can implement the same."""

    location: str

    @abstractmethod
    def query(self, sparql: str, substitutions: dict[str, Any] | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult: ...

    def select(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[Row]:
        return rows_of(self.query(sparql, substitutions))

    def construct(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list[ox.Triple]:
        return triples_of(self.query(sparql, substitutions))

    @abstractmethod
    def commit(self, graphs: dict[str, QuadSource | None], records: list[LoadRecord], replace: bool) -> None:
        """Write a whole submission atomically: every graph is replaced (or appended to, or dropped when
        mapped to None) or none is; the dataset version changes in the same transaction."""

    @abstractmethod
    def graph_names(self) -> set[str]: ...

    @abstractmethod
    def version(self) -> str:
        """An opaque value that changes whenever any graph changes."""

    @abstractmethod
    def drop_graph(self, graph: str) -> None: ...

    @abstractmethod
    def graphs(self) -> list[GraphInfo]: ...

    @abstractmethod
    def dump(self, output: IO[bytes], fmt: ox.RdfFormat, graph: str | None = None) -> None: ...

    @abstractmethod
    def quads(self) -> Iterator[ox.Quad]: ...

    def close(self) -> None:  # noqa: B027 - optional for implementations
        """Release resources."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OxigraphStore(GraphStore):
    """Embedded Oxigraph: a directory on disk, or memory when location is 'memory'."""

    def __init__(self, location: str = "memory") -> None:
        self.location = location
        if location == "memory":
            self._store = ox.Store()
        else:
            Path(location).mkdir(parents=True, exist_ok=True)
            try:
                self._store = ox.Store(location)
            except OSError as err:
                raise UsageError(f"cannot open the store at {location}: {err}") from None
        self._hidden: set[str] = set()
        self._drop_leftover_staging()

    @classmethod
    def open_snapshot(cls, path: Path, writable: bool = False) -> OxigraphStore:
        """Open a snapshot made by `snapshot()`: a checkpoint (read-only unless `writable`, when it becomes an
        independent scratch copy), or an N-Quads file loaded into memory."""
        store = cls.__new__(cls)
        store.location, store._hidden = str(path), set()
        if path.is_dir():
            store._store = ox.Store(str(path)) if writable else ox.Store.read_only(str(path))
        else:
            store._store = ox.Store()
            store._store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        return store

    # -- reading -------------------------------------------------------------------------
    def query(self, sparql: str, substitutions: dict[str, Any] | None = None,
              default_graphs: list[str] | None = None, named_graphs: list[str] | None = None) -> QueryResult:
        """Evaluate SPARQL; the default graph is the union of named graphs unless `default_graphs` names some."""
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        dataset: dict[str, Any] = {"use_default_graph_as_union": True}
        if default_graphs is not None or named_graphs is not None or self._hidden:
            visible = [ox.NamedNode(g) for g in sorted(self.graph_names())]
            dataset = {"default_graph": _named(default_graphs) if default_graphs is not None else visible,
                       "named_graphs": _named(named_graphs) if named_graphs is not None else visible}
        try:
            return self._store.query(sparql, substitutions=subs, prefixes=PREFIXES, **dataset)
        except SyntaxError as err:
            raise QueryError(f"malformed SPARQL: {err}") from None
        except (OSError, ValueError, TypeError, RuntimeError) as err:
            raise QueryError(f"query failed: {err}") from None

    def graphs(self) -> list[GraphInfo]:
        info = {g.value: GraphInfo(g.value, 0) for g in self._store.named_graphs()
                if g.value not in self._hidden and isinstance(g, ox.NamedNode)}
        rows = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        for row in rows:
            if row["g"].value in info:
                info[row["g"].value].triples = int(row["n"].value)
        catalog = self._store.query(
            f"""SELECT ?g ?src ?at WHERE {{ GRAPH <{CATALOG_GRAPH}> {{
                ?l <{MC}graph> ?g ; <{MC}sourceFile> ?src ; <{_PROV}endedAtTime> ?at }} }}
                ORDER BY ?at""")
        for row in catalog:
            if row["g"].value in info:
                info[row["g"].value].source = row["src"].value
                info[row["g"].value].loaded_at = row["at"].value
        return sorted(info.values(), key=lambda g: g.name)

    def quads(self) -> Iterator[ox.Quad]:
        return (q for q in self._store if not _is_staging(q.graph_name))

    def dump(self, output: IO[bytes], fmt: ox.RdfFormat, graph: str | None = None) -> None:
        if graph is not None:
            if not self._store.contains_named_graph(ox.NamedNode(graph)):
                raise UnknownResource(f"no graph {graph}")
            self._store.dump(output, fmt, from_graph=ox.NamedNode(graph))
        elif fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            self._store.dump(output, fmt)
        else:
            raise UsageError("a whole-store export needs a dataset format (nq or trig), or name a graph")

    def graph_names(self) -> set[str]:
        """Names of the visible named graphs (cheap: no triple counts)."""
        return {g.value for g in self._store.named_graphs()
                if isinstance(g, ox.NamedNode) and not _is_staging(g) and g.value not in self._hidden}

    def graph_quads(self, graph: str | None) -> list[ox.Quad]:
        """Every quad of one named graph (None: the store's own default graph)."""
        name = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        return list(self._store.quads_for_pattern(None, None, None, name))

    def version(self) -> str:
        rows = self._store.query(_VERSION_QUERY)
        return next((row["v"].value for row in rows), "0")

    def snapshot(self, target: Path) -> None:
        """A consistent, independent copy of the store at `target` for readers in other processes.

        On disk this is a checkpoint (hard links: cheap); in memory, an N-Quads file.
        """
        if self.location == "memory":
            with target.open("wb") as handle:
                self._store.dump(handle, ox.RdfFormat.N_QUADS)
        else:
            self._store.backup(str(target))

    # -- writing -------------------------------------------------------------------------
    def commit(self, graphs: dict[str, QuadSource | None], records: list[LoadRecord], replace: bool) -> None:
        """Write new graphs in place and stage the others, then finish with one update (one transaction).

        A graph mapped to None is dropped in the same transaction.
        """
        catalog = [q for r in records for q in r.quads()]
        written = {g: quads for g, quads in graphs.items() if quads is not None}
        direct = [g for g, quads in written.items() if quads and self._is_empty(g)]
        staging = {g: f"{STAGING_PREFIX}{uuid.uuid4()}" for g in written if g not in direct}
        drops = [g for g, quads in graphs.items() if quads is None]
        hidden = set(staging.values()) | set(direct)
        token = str(uuid.uuid4())
        self._hidden |= hidden
        done = False
        try:
            self._mark_pending(direct, token)
            for g in direct:  # no transaction needed: the pending mark covers a partial write
                self._write(ox.NamedNode(g), written[g], rename=False, bulk=True)
            for g, name in staging.items():
                self._write_staging(name, written[g])
            self._store.update(_finish_update(staging, direct if replace else [], drops, catalog, replace, token))
            done = True
        finally:
            for name in staging.values():
                self._store.remove_graph(ox.NamedNode(name))
            if not done:
                self._drop_pending(token)
            self._hidden -= hidden

    def _is_empty(self, graph: str) -> bool:
        name = ox.NamedNode(graph)
        return next(iter(self._store.quads_for_pattern(None, None, None, name)), None) is None

    def _mark_pending(self, graphs: list[str], token: str) -> None:
        catalog, mark = ox.NamedNode(CATALOG_GRAPH), ox.Literal(token)
        self._store.extend(ox.Quad(ox.NamedNode(g), PENDING, mark, catalog) for g in graphs)

    def _drop_pending(self, token: str | None = None) -> None:
        """Remove graphs marked pending (by `token`, or all: leftovers of a killed process) and their marks."""
        catalog = ox.NamedNode(CATALOG_GRAPH)
        mark = None if token is None else ox.Literal(token)
        for quad in list(self._store.quads_for_pattern(None, PENDING, mark, catalog)):
            self._store.remove_graph(quad.subject)
            self._store.remove(quad)

    def raw_update(self, sparql: str) -> None:
        """Apply SPARQL Update as is: no validation, no catalog. Only for scratch copies (see update.py)."""
        try:
            self._store.update(sparql, prefixes=PREFIXES)
        except SyntaxError as err:
            raise QueryError(f"malformed SPARQL update: {err}") from None
        except (OSError, ValueError, RuntimeError) as err:
            raise QueryError(f"update failed: {err}") from None

    def drop_graph(self, graph: str) -> None:
        if not self._store.contains_named_graph(ox.NamedNode(graph)):
            raise UnknownResource(f"no graph {graph}")
        self._store.update(f"DROP GRAPH <{graph}> ; {_forget_loads(graph)} ; {_bump_version()}")

    def _write_staging(self, name: str, quads: QuadSource) -> None:
        self._write(ox.NamedNode(name), quads, rename=True)

    def _write(self, target: ox.NamedNode, quads: QuadSource, rename: bool, bulk: bool = False) -> None:
        """Write quads into `target` (their own graph name is `target` unless `rename`); with the bulk
        loader when asked or when they are many."""
        batch = (ox.Quad(q.subject, q.predicate, q.object, target) for q in quads) if rename else quads
        if bulk or len(quads) > _BULK_THRESHOLD:
            self._store.bulk_extend(batch)
        else:
            self._store.extend(batch)
        self._store.add_graph(target)

    def _drop_leftover_staging(self) -> None:
        for g in list(self._store.named_graphs()):
            if _is_staging(g):
                self._store.remove_graph(g)
        self._drop_pending()

    def flush(self) -> None:
        if self.location != "memory":
            self._store.flush()

    def close(self) -> None:
        if getattr(self, "_store", None) is not None:
            self.flush()
            self._store = None


def _named(iris: list[str]) -> list[ox.NamedNode]:
    return [ox.NamedNode(iri) for iri in iris]


def _is_staging(graph: object) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX)


def _forget_loads(graph: str) -> str:
    return (f"DELETE WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?l <{MC}graph> <{graph}> ; ?p ?o }} }}")


def _clear_pending(token: str) -> str:
    return f'DELETE WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?g <{PENDING.value}> "{token}" }} }}'


def _finish_update(staging: dict[str, str], written: list[str], drops: list[str], catalog: Iterable[ox.Quad],
                   replace: bool, token: str) -> str:
    """One update request = one transaction: clear the pending marks of graphs `written` in place (and
    forget their earlier loads), replace (or add to) staged graphs, drop others, record loads."""
    ops = [_clear_pending(token)] + [_forget_loads(graph) for graph in written]
    for graph, staged in staging.items():
        if replace:
            ops.append(f"DROP SILENT GRAPH <{graph}>")
            ops.append(_forget_loads(graph))
        ops.append(f"{'MOVE' if replace else 'ADD'} SILENT GRAPH <{staged}> TO GRAPH <{graph}>")
        ops.append(f"CREATE SILENT GRAPH <{graph}>")  # an empty submission still creates its graph
    for graph in drops:
        ops += [f"DROP SILENT GRAPH <{graph}>", _forget_loads(graph)]
    triples = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in catalog)
    ops.append(f"INSERT DATA {{ GRAPH <{CATALOG_GRAPH}> {{ {triples} }} }}")
    ops.append(_bump_version())
    return " ;\n".join(ops)


# The dataset version: a fresh value in the catalog graph, rewritten by every write in the same
# transaction, so that caches (ETags) and other processes can tell that something changed.
_VERSION_QUERY = (f"SELECT ?v WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{CATALOG_GRAPH}> "
                  f"<http://www.w3.org/2002/07/owl#versionInfo> ?v }} }}")


def _bump_version() -> str:
    subject, pred = f"<{CATALOG_GRAPH}>", "<http://www.w3.org/2002/07/owl#versionInfo>"
    return (f"DELETE WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ {subject} {pred} ?v }} }} ; "
            f"INSERT DATA {{ GRAPH <{CATALOG_GRAPH}> {{ {subject} {pred} \"{uuid.uuid4()}\" }} }}")


def open_store(location: str | None = None) -> GraphStore:
    """Open the store named by `location` (default: settings from the environment)."""
    if location is None:
        from .config import Settings

        location = Settings.from_env().store
    if location.startswith(("http://", "https://")):
        raise UsageError("remote SPARQL stores are not supported by this version; use a directory or 'memory'")
    return OxigraphStore(location)
