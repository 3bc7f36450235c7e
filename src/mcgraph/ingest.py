"""Parse -> validate -> commit, all or nothing per submission."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import NonConformantData
from .namespaces import GRAPH
from .rdfio import parse_file
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
    graphs: dict[str, list[ox.Quad]] = {}
    checked: list[ox.Quad] = []
    records: list[LoadRecord] = []
    for source in sources:
        quads = _parse(source, progress)
        per_graph: dict[str, int] = {}
        for quad in quads:
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else source.graph
            graphs.setdefault(name, []).append(quad)
            per_graph[name] = per_graph.get(name, 0) + 1
        if source.validate:
            checked.extend(quads)
        digest = sha256_of(source.path)
        records += [LoadRecord(g, str(source.path), digest, n) for g, n in per_graph.items()]
        if not per_graph:  # an empty file still empties (or creates) its graph
            graphs.setdefault(source.graph, [])
            records.append(LoadRecord(source.graph, str(source.path), digest, 0))
    _step(progress, "validate", 0, 1)
    report = validate_quads(checked, store, profiles, replacing=[] if append else list(graphs))
    report.files = [str(s.path) for s in sources]
    _step(progress, "validate", 1, 1)
    if not report.conforms:
        raise NonConformantData(report)
    _step(progress, "commit", 0, 1)
    store.commit(graphs, records, replace=not append)
    _step(progress, "commit", 1, 1)
    return LoadResult(report, {g: len(q) for g, q in graphs.items()}, append)


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
