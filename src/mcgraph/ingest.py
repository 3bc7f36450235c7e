"""Parse -> validate -> commit, all or nothing per submission."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import NonConformantData
from .namespaces import GRAPH
from .rdfio import parse_bytes, parse_file
from .report import ValidationReport
from .resources import bundled_data_files, ontology_file, resource_dir
from .store import GraphStore, LoadRecord, sha256_of
from .validate import validate_quads

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
    documents = [Document(source.graph, str(source.path), sha256_of(source.path), _parse(source, progress),
                          source.validate) for source in sources]
    return submit_documents(store, documents, append=append, profiles=profiles, progress=progress)


@dataclass
class Document:
    """One parsed submission: its quads (default-graph triples already placed in `graph`) and provenance."""

    graph: str
    name: str  # file path, or a description such as "HTTP PUT"
    sha256: str
    quads: list[ox.Quad]
    validate: bool = True


def parse_document(data: bytes, fmt: ox.RdfFormat, graph: str, name: str) -> Document:
    """An in-memory submission (e.g. an HTTP request body) into `graph`."""
    quads = parse_bytes(data, fmt, name, ox.NamedNode(graph))
    return Document(graph, name, hashlib.sha256(data).hexdigest(), quads)


def submit_documents(store: GraphStore, documents: Sequence[Document], append: bool = False,
                     profiles: Sequence[str] = (), progress: ProgressFn | None = None) -> LoadResult:
    graphs: dict[str, list[ox.Quad] | None] = {}
    checked: list[ox.Quad] = []
    records: list[LoadRecord] = []
    for doc in documents:
        per_graph: dict[str, int] = {}
        for quad in doc.quads:
            graphs.setdefault(quad.graph_name.value, []).append(quad)
            per_graph[quad.graph_name.value] = per_graph.get(quad.graph_name.value, 0) + 1
        if doc.validate:
            checked.extend(doc.quads)
        records += [LoadRecord(g, doc.name, doc.sha256, n) for g, n in per_graph.items()]
        if not per_graph:  # an empty document still empties (or creates) its graph
            graphs.setdefault(doc.graph, [])
            records.append(LoadRecord(doc.graph, doc.name, doc.sha256, 0))
    _step(progress, "validate", 0, 1)
    report = validate_quads(checked, store, profiles, replacing=[] if append else list(graphs))
    report.files = [doc.name for doc in documents]
    _step(progress, "validate", 1, 1)
    if not report.conforms:
        raise NonConformantData(report)
    _step(progress, "commit", 0, 1)
    store.commit(graphs, records, replace=not append)
    _step(progress, "commit", 1, 1)
    return LoadResult(report, {g: len(q or []) for g, q in graphs.items()}, append)


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


def _parse(source: Source, progress: ProgressFn | None) -> list[ox.Quad]:
    size = source.path.stat().st_size if source.path.exists() else 0
    label = f"parse {source.path.name}"
    callback = (lambda done: progress(label, done, size)) if progress else None
    return parse_file(source.path, ox.NamedNode(source.graph), progress=callback)


def _step(progress: ProgressFn | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(phase, done, total)
