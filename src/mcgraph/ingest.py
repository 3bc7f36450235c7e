"""Parse -> validate -> commit, all or nothing per submission."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import NonConformantData
from .namespaces import GRAPH
from .rdfio import format_for, load_into
from .report import ValidationReport
from .resources import bundled_data_files, ontology_file, resource_dir
from .store import GraphStore, LoadRecord, sha256_of
from .validate import validate_staged

# progress(phase, done, total): phases are "parse <file>", "validate", "commit"
ProgressFn = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Source:
    path: Path
    graph: str
    validate: bool = True  # the ontology and shapes are the schema, not data to check


@dataclass
class LoadResult:
    report: ValidationReport
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples written
    append: bool = False

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def graph_for_file(path: Path) -> str:
    """Bundled files keep their bundled graph name; any other file gets one from its name."""
    resolved = path.resolve()
    data_dir = resource_dir("data").resolve()
    if resolved.is_relative_to(data_dir):
        return GRAPH + "data/" + resolved.relative_to(data_dir).with_suffix("").as_posix()
    return GRAPH + "local/" + path.stem


def load_files(store: GraphStore, paths: Sequence[Path], graph: str | None = None, append: bool = False,
               profiles: Sequence[str] = (), progress: ProgressFn | None = None) -> LoadResult:
    """Load data files; every file goes to its own graph unless `graph` names one for all."""
    sources = [Source(Path(p), graph or graph_for_file(Path(p))) for p in paths]
    return submit(store, sources, append=append, profiles=profiles, progress=progress)


def submit(store: GraphStore, sources: Sequence[Source], append: bool = False, profiles: Sequence[str] = (),
           progress: ProgressFn | None = None) -> LoadResult:
    """Validate every source together, then write them in one atomic commit, or raise and write nothing."""
    documents = [_parse(source, progress) for source in sources]
    return submit_documents(store, documents, append=append, profiles=profiles, progress=progress)


@dataclass
class Document:
    """One parsed submission, held in its own in-memory store (default-graph triples already placed
    in `graph`), with its provenance."""

    graph: str
    name: str  # file path, or a description such as "HTTP PUT"
    sha256: str
    data: ox.Store
    validate: bool = True

    def graphs(self) -> dict[str, int]:
        """Graph IRI -> number of quads."""
        names = list(self.data.named_graphs())
        if len(names) == 1 and isinstance(names[0], ox.NamedNode):  # the usual case: no need to count per graph
            return {names[0].value: len(self.data)}
        rows = self.data.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row["g"].value: int(row["n"].value) for row in rows}



@dataclass
class GraphQuads:
    """The quads of one graph, read from the parsed documents' stores when iterated."""

    graph: str
    parts: list[tuple[ox.Store, int]] = field(default_factory=list)  # (document store, quads in the graph)

    def __len__(self) -> int:
        return sum(count for _, count in self.parts)

    def __iter__(self) -> Iterator[ox.Quad]:
        name = ox.NamedNode(self.graph)
        for data, _ in self.parts:
            yield from data.quads_for_pattern(None, None, None, name)


def parse_document(data: bytes, fmt: ox.RdfFormat, graph: str, name: str) -> Document:
    """An in-memory submission (e.g. an HTTP request body) into `graph`."""
    staging = ox.Store()
    load_into(staging, data, fmt, name, ox.NamedNode(graph))
    return Document(graph, name, hashlib.sha256(data).hexdigest(), staging)


def submit_documents(store: GraphStore, documents: Sequence[Document], append: bool = False,
                     profiles: Sequence[str] = (), progress: ProgressFn | None = None) -> LoadResult:
    graphs: dict[str, GraphQuads] = {}
    records: list[LoadRecord] = []
    for doc in documents:
        per_graph = doc.graphs() or {doc.graph: 0}  # an empty document still empties (or creates) its graph
        for g, n in per_graph.items():
            graphs.setdefault(g, GraphQuads(g)).parts.append((doc.data, n))
        records += [LoadRecord(g, doc.name, doc.sha256, n) for g, n in per_graph.items()]
    _step(progress, "validate", 0, 1)
    checked = [doc for doc in documents if doc.validate]
    report = validate_staged(_together(checked), store, profiles, replacing=[] if append else list(graphs))
    report.files = [doc.name for doc in documents]
    _step(progress, "validate", 1, 1)
    if not report.conforms:
        raise NonConformantData(report)
    _step(progress, "commit", 0, 1)
    store.commit(dict(graphs), records, replace=not append)
    _step(progress, "commit", 1, 1)
    return LoadResult(report, {g: len(q) for g, q in graphs.items()}, append)


def _together(documents: Sequence[Document]) -> ox.Store:
    """One store holding every document to validate (a single document's own store as is)."""
    if len(documents) == 1:
        return documents[0].data
    merged = ox.Store()
    for doc in documents:
        merged.extend(doc.data)
    return merged


def bundled_sources() -> list[Source]:
    """The ontology, the shapes (base and profiles) and the bundled data, each in its graph."""
    shapes_dir = resource_dir("shapes")
    sources = [Source(ontology_file(), GRAPH + "ontology", validate=False)]
    sources += [Source(p, GRAPH + "shapes/" + p.relative_to(shapes_dir).with_suffix("").as_posix(), validate=False)
                for p in sorted(shapes_dir.rglob("*.ttl"))]
    sources += [Source(p, graph_for_file(p)) for p in bundled_data_files()]
    return sources


def init_store(store: GraphStore, progress: ProgressFn | None = None) -> LoadResult:
    """Load (or reload) the ontology, shapes and bundled data; other graphs are left alone."""
    return submit(store, bundled_sources(), progress=progress)


def _parse(source: Source, progress: ProgressFn | None) -> Document:
    fmt = format_for(source.path)
    size = source.path.stat().st_size if source.path.exists() else 0
    _step(progress, f"parse {source.path.name}", 0, size)
    staging = ox.Store()
    load_into(staging, source.path, fmt, str(source.path), ox.NamedNode(source.graph),
              base_iri=source.path.resolve().as_uri())
    _step(progress, f"parse {source.path.name}", size, size)
    return Document(source.graph, str(source.path), sha256_of(source.path), staging, source.validate)


def _step(progress: ProgressFn | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(phase, done, total)
