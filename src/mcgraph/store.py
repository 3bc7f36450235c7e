"""The graph store behind a small interface; embedded Oxigraph (on disk or in memory).

Nothing else in mcgraph touches pyoxigraph's Store. Every named graph holds one source; queries
see the union of named graphs as their default graph. Writes of a whole submission are
all-or-nothing: replaced graphs are first written to hidden staging graphs, then swapped in by a
single SPARQL update (one transaction); staging graphs left by a killed process are dropped when
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
from typing import IO, Any

import pyoxigraph as ox

from .errors import QueryError, UnknownResource, UsageError
from .namespaces import CATALOG_GRAPH, ID, MC, PREFIXES

STAGING_PREFIX = "urn:mcgraph:staging:"
_BULK_THRESHOLD = 50_000  # quads; above this, staging is written with the bulk loader
_XSD = "http://www.w3.org/2001/XMLSchema#"
_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


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
    def query(self, sparql: str, substitutions: dict[str, Any] | None = None) -> QueryResult: ...

    @abstractmethod
    def commit(self, graphs: dict[str, list[ox.Quad]], records: list[LoadRecord], replace: bool) -> None:
        """Write a whole submission atomically: every graph is replaced (or appended to) or none is."""

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

    # -- reading -------------------------------------------------------------------------
    def query(self, sparql: str, substitutions: dict[str, Any] | None = None) -> QueryResult:
        subs = {ox.Variable(k): v for k, v in (substitutions or {}).items()}
        try:
            if self._hidden:  # a replacement is being staged: keep it out of sight
                visible = [g for g in self._store.named_graphs() if g.value not in self._hidden]
                return self._store.query(sparql, default_graph=visible, named_graphs=visible,
                                         substitutions=subs, prefixes=PREFIXES)
            return self._store.query(sparql, use_default_graph_as_union=True, substitutions=subs,
                                     prefixes=PREFIXES)
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

    # -- writing -------------------------------------------------------------------------
    def commit(self, graphs: dict[str, list[ox.Quad]], records: list[LoadRecord], replace: bool) -> None:
        catalog = [q for r in records for q in r.quads()]
        if not replace:  # appending is one transaction: data and catalog together
            self._store.extend([q for quads in graphs.values() for q in quads] + catalog)
            return
        staging = {g: f"{STAGING_PREFIX}{uuid.uuid4()}" for g in graphs}
        self._hidden |= set(staging.values())
        try:
            for g, quads in graphs.items():
                self._write_staging(staging[g], quads)
            self._store.update(_swap_update(staging, catalog))
        finally:
            for name in staging.values():
                self._store.remove_graph(ox.NamedNode(name))
            self._hidden -= set(staging.values())

    def drop_graph(self, graph: str) -> None:
        if not self._store.contains_named_graph(ox.NamedNode(graph)):
            raise UnknownResource(f"no graph {graph}")
        self._store.update(f"DROP GRAPH <{graph}> ; {_forget_loads(graph)}")

    def _write_staging(self, name: str, quads: list[ox.Quad]) -> None:
        target = ox.NamedNode(name)
        staged = (ox.Quad(q.subject, q.predicate, q.object, target) for q in quads)
        if len(quads) > _BULK_THRESHOLD:
            self._store.bulk_extend(staged)
        else:
            self._store.extend(staged)
        self._store.add_graph(target)

    def _drop_leftover_staging(self) -> None:
        for g in list(self._store.named_graphs()):
            if _is_staging(g):
                self._store.remove_graph(g)

    def flush(self) -> None:
        if self.location != "memory":
            self._store.flush()

    def close(self) -> None:
        if getattr(self, "_store", None) is not None:
            self.flush()
            self._store = None


def _is_staging(graph: object) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(STAGING_PREFIX)


def _forget_loads(graph: str) -> str:
    return (f"DELETE WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?l <{MC}graph> <{graph}> ; ?p ?o }} }}")


def _swap_update(staging: dict[str, str], catalog: Iterable[ox.Quad]) -> str:
    """One update request = one transaction: drop old graphs, move staged ones in, record loads."""
    ops = []
    for graph, staged in staging.items():
        ops.append(f"DROP SILENT GRAPH <{graph}>")
        ops.append(f"MOVE SILENT GRAPH <{staged}> TO GRAPH <{graph}>")
        ops.append(_forget_loads(graph))
    triples = " ".join(f"{q.subject} {q.predicate} {q.object} ." for q in catalog)
    ops.append(f"INSERT DATA {{ GRAPH <{CATALOG_GRAPH}> {{ {triples} }} }}")
    return " ;\n".join(ops)


def open_store(location: str | None = None) -> GraphStore:
    """Open the store named by `location` (default: settings from the environment)."""
    if location is None:
        from .config import Settings

        location = Settings.from_env().store
    if location.startswith(("http://", "https://")):
        raise UsageError("remote SPARQL stores are not supported by this version; use a directory or 'memory'")
    return OxigraphStore(location)
