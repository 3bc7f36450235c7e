"""SHACL validation of a submission, in the context of the ontology and the stored nodes it references.

The store is never validated as a whole: the submission is validated together with the
descriptions of the stored nodes it points to (two hops out, plus the siblings that share a
framework or report with a submitted node), so the cost of a check grows with the submission.
Results are kept for focus nodes the submission describes; findings about stored nodes are
the business of the load that stored them.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from .errors import UnknownResource
from .namespaces import MC, curie
from .rdfio import parse_file
from .report import SH, ValidationReport, ValidationResult
from .resources import ontology_file, resource_dir
from .store import GraphStore

CONTEXT_HOPS = 2
# Stored nodes that point AT a submitted node and that the shapes judge it by: levels of a
# framework, rows of a report, QA decisions on a credential, parts and stacking rules.
_INVERSE_CONTEXT = ("http://www.w3.org/2004/02/skos/core#inScheme", MC + "establishedBy", MC + "qaSubject",
                    MC + "requiredComponent", MC + "isPartOf", MC + "hasPart")
_BATCH = 400
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def available_profiles() -> list[str]:
    return sorted(p.stem for p in (resource_dir("shapes") / "profiles").glob("*.ttl"))


@lru_cache(maxsize=8)
def shapes_graph(profiles: tuple[str, ...] = ()) -> Graph:
    """The base shapes plus the named profiles."""
    graph = Graph()
    for path in sorted(resource_dir("shapes").glob("*.ttl")):
        graph.parse(path, format="turtle")
    known = available_profiles()
    for name in profiles:
        if name not in known:
            raise UnknownResource(f"unknown profile {name!r}; available: {', '.join(known)}")
        graph.parse(resource_dir("shapes") / "profiles" / f"{name}.ttl", format="turtle")
    return graph


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def to_rdflib(quads: Iterable[ox.Quad | ox.Triple]) -> Graph:
    """Merge quads (graph names dropped) into one rdflib graph, term by term."""
    graph = Graph()
    graph.addN((_rdflib_term(q.subject), _rdflib_term(q.predicate), _rdflib_term(q.object), graph)
               for q in quads)
    return graph


def _rdflib_term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value) if datatype == _XSD_STRING else Literal(term.value, datatype=URIRef(datatype))


def validate_graph(data: Graph, profiles: Sequence[str] = (), focus: set | None = None) -> ValidationReport:
    """Run pySHACL; keep results whose focus node is in `focus` (all when None).

    `data` is a throwaway graph: the ontology is added to it in place (for rdfs:subClassOf in
    sh:class) and pySHACL works on it without a copy. (pySHACL's own ont_graph mixing walks SKOS
    links recursively and stalls on the cycles of a concept scheme.)
    """
    shapes = shapes_graph(tuple(profiles))
    triples = len(data)
    data += ontology_graph()
    _, results_graph, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
        abort_on_first=False, inplace=True)
    report = ValidationReport(profiles=list(profiles), triples=triples)
    for node in results_graph.objects(None, SH.result):
        result = _result(results_graph, node, data, shapes)
        if focus is None or _focus_term(result.focus) in focus:
            report.results.append(result)
    return report


def validate_quads(quads: Sequence[ox.Quad], store: GraphStore | None = None, profiles: Sequence[str] = (),
                   replacing: Sequence[str] = ()) -> ValidationReport:
    """Validate a submission; `replacing` names graphs whose stored content the submission supersedes."""
    data = to_rdflib(quads)
    subjects, submitted = set(data.subjects()), len(data)
    if store is not None:
        context = stored_context(store, quads, exclude_graphs=replacing)
        if context:
            data += to_rdflib(context)
    report = validate_graph(data, profiles, focus=subjects)
    report.triples = submitted
    return report


def validate_files(paths: Sequence[Path], store: GraphStore | None = None,
                   profiles: Sequence[str] = ()) -> ValidationReport:
    quads = [q for path in paths for q in parse_file(path)]
    report = validate_quads(quads, store, profiles)
    report.files = [str(p) for p in paths]
    return report


def stored_context(store: GraphStore, quads: Sequence[ox.Quad], exclude_graphs: Sequence[str] = ()) -> list[ox.Triple]:
    """Stored triples about the nodes a submission references (see the module docstring)."""
    described = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
    frontier = {q.object for q in quads if isinstance(q.object, ox.NamedNode)} - described
    frontier = {n for n in frontier if not n.value.startswith(MC)}  # terms come from the ontology
    found: list[ox.Triple] = []
    seen: set[ox.NamedNode] = set(described)
    for _ in range(CONTEXT_HOPS):
        triples = _describe(store, frontier, exclude_graphs)
        found.extend(triples)
        seen |= frontier
        frontier = {t.object for t in triples if isinstance(t.object, ox.NamedNode)} - seen
        frontier = {n for n in frontier if not n.value.startswith(MC)}
    anchors = seen | described
    for predicate in _INVERSE_CONTEXT:
        siblings = _subjects_pointing(store, anchors, predicate, exclude_graphs) - described
        found.extend(_describe(store, siblings, exclude_graphs))
    return found


def _graph_filter(exclude: Sequence[str]) -> str:
    return f"FILTER(?g NOT IN ({', '.join(f'<{g}>' for g in exclude)}))" if exclude else ""


def _batches(nodes: Iterable[ox.NamedNode]) -> Iterable[list[ox.NamedNode]]:
    batch: list[ox.NamedNode] = []
    for node in sorted(nodes, key=lambda n: n.value):
        batch.append(node)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _describe(store: GraphStore, nodes: Iterable[ox.NamedNode], exclude: Sequence[str]) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for batch in _batches(nodes):
        values = " ".join(str(n) for n in batch)
        rows = store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} "
                           f"GRAPH ?g {{ ?s ?p ?o }} {_graph_filter(exclude)} }}")
        triples.extend(ox.Triple(r["s"], r["p"], r["o"]) for r in rows)
    return triples


def _subjects_pointing(store: GraphStore, nodes: Iterable[ox.NamedNode], predicate: str,
                       exclude: Sequence[str]) -> set[ox.NamedNode]:
    found: set[ox.NamedNode] = set()
    for batch in _batches(nodes):
        values = " ".join(str(n) for n in batch)
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {values} }} "
                           f"GRAPH ?g {{ ?s <{predicate}> ?o }} {_graph_filter(exclude)} }}")
        found.update(r["s"] for r in rows if isinstance(r["s"], ox.NamedNode))
    return found


# -- reading pySHACL's results graph ---------------------------------------------------------
def _focus_term(value: str) -> URIRef | BNode:
    return BNode(value[2:]) if value.startswith("_:") else URIRef(value)


def _name(term: object) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def label_of(graph: Graph, node: object) -> str:
    """A readable name for a focus node: its label and CURIE, or the CURIE alone."""
    for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        label = graph.value(node, predicate)
        if label is not None:
            return f"{label} ({curie(str(node))})" if isinstance(node, URIRef) else str(label)
    return curie(str(node)) if isinstance(node, URIRef) else f"_:{node}"


def _result(results: Graph, node: object, data: Graph, shapes: Graph) -> ValidationResult:
    severity = results.value(node, SH.resultSeverity)
    focus = results.value(node, SH.focusNode)
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    messages = list(results.objects(node, SH.resultMessage))
    shape = results.value(node, SH.sourceShape)
    component = results.value(node, SH.sourceConstraintComponent)
    return ValidationResult(
        severity=str(severity).rsplit("#", 1)[-1],
        focus=_name(focus),
        focus_label=label_of(data, focus),
        path=_name(path) if isinstance(path, URIRef) else (None if path is None else "(complex path)"),
        value=None if value is None else (str(value) if isinstance(value, Literal) else _name(value)),
        message=str(messages[0]) if messages else "constraint not satisfied",
        shape=_name(shape),
        shape_label=None if shape is None or shapes.value(shape, RDFS.label) is None
        else str(shapes.value(shape, RDFS.label)),
        component=str(component),
    )
