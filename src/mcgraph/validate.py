"""SHACL validation of a submission, in the context of the ontology and the stored nodes it references.

The store is never validated as a whole: the submission is validated together with the
descriptions of the stored nodes it points to (two hops out, plus the siblings that share a
framework or report with a submitted node), so the cost of a check grows with the submission.
Results are kept for focus nodes the submission describes; findings about stored nodes are
the business of the load that stored them.

Two engines evaluate the shapes. The default, "sparql", compiles them to SPARQL queries
(mcgraph.shacl_sparql) and runs them in an in-memory pyoxigraph store holding the submission (in
its own graphs), the stored context and the ontology. "pyshacl" converts the same triples to an
rdflib graph and runs pySHACL; it is the reference the SPARQL engine is tested against and is
much slower on large submissions. Choose with `validate_quads(..., engine=...)`, or set the
environment variable MCGRAPH_VALIDATOR=pyshacl (or =sparql) to change the default.
"""
from __future__ import annotations

import os
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
from .shacl_sparql import validate_store
from .store import GraphStore

CONTEXT_HOPS = 2
# Stored nodes that point AT a submitted node and that the shapes judge it by: levels of a
# framework, rows of a report, QA decisions on a credential, parts and stacking rules.
_INVERSE_CONTEXT = ("http://www.w3.org/2004/02/skos/core#inScheme", MC + "establishedBy", MC + "qaSubject",
                    MC + "requiredComponent", MC + "isPartOf", MC + "hasPart")
_BATCH = 400
ENGINES = ("sparql", "pyshacl")
ENGINE_VARIABLE = "MCGRAPH_VALIDATOR"
_BULK = 10_000  # submissions this large go into the in-memory store with bulk_extend
_CONTEXT_GRAPH = "urn:mcgraph:validation:context"
_ONTOLOGY_GRAPH = "urn:mcgraph:validation:ontology"
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


@lru_cache(maxsize=1)
def ontology_quads() -> tuple[ox.Quad, ...]:
    """The ontology, parsed once, in its own graph of the validation store."""
    graph = ox.NamedNode(_ONTOLOGY_GRAPH)
    return tuple(ox.Quad(t.subject, t.predicate, t.object, graph)
                 for t in ox.parse(path=str(ontology_file()), format=ox.RdfFormat.TURTLE))


def default_engine() -> str:
    engine = os.environ.get(ENGINE_VARIABLE, "").strip().lower() or "sparql"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


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
                   replacing: Sequence[str] = (), engine: str | None = None) -> ValidationReport:
    """Validate a submission; `replacing` names graphs whose stored content the submission supersedes.

    `engine` is "sparql" (the default) or "pyshacl"; None takes MCGRAPH_VALIDATOR, else "sparql".
    """
    if _engine(engine) == "pyshacl":
        return _validate_pyshacl(quads, store, profiles, replacing)
    data = ox.Store()
    (data.bulk_extend if len(quads) >= _BULK else data.extend)(quads)
    return validate_staged(data, store, profiles, replacing, engine="sparql")


def validate_staged(data: ox.Store, store: GraphStore | None = None, profiles: Sequence[str] = (),
                    replacing: Sequence[str] = (), engine: str | None = None) -> ValidationReport:
    """Validate a submission held in an in-memory store (every graph of it is submitted data).

    The SPARQL engine adds the stored context and the ontology to `data`, each in a graph of its
    own, and removes them before returning.
    """
    if _engine(engine) == "pyshacl":
        return _validate_pyshacl(list(data), store, profiles, replacing)
    shapes_graph(tuple(profiles))  # an unknown profile fails before any work
    graphs = submission_graphs(data)
    report = ValidationReport(profiles=list(profiles), triples=_submitted_triples(data, graphs))
    added = [ox.NamedNode(_CONTEXT_GRAPH), ox.NamedNode(_ONTOLOGY_GRAPH)]
    try:
        if store is not None:
            described, referenced = _staged_nodes(data, graphs)
            context = stored_context(store, described, referenced, exclude_graphs=replacing)
            data.extend(ox.Quad(t.subject, t.predicate, t.object, added[0]) for t in context)
        data.extend(ontology_quads())
        report.results = validate_store(data, profiles, graphs)
    finally:
        for graph in added:
            data.remove_graph(graph)
    return report


def _engine(engine: str | None) -> str:
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}; expected one of {', '.join(ENGINES)}")
    return engine


def _validate_pyshacl(quads: Sequence[ox.Quad], store: GraphStore | None, profiles: Sequence[str],
                      replacing: Sequence[str]) -> ValidationReport:
    data = to_rdflib(quads)
    subjects, submitted = set(data.subjects()), len(data)
    if store is not None:
        described = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
        referenced = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
        context = stored_context(store, described, referenced, exclude_graphs=replacing)
        if context:
            data += to_rdflib(context)
    report = validate_graph(data, profiles, focus=subjects)
    report.triples = submitted
    return report


def submission_graphs(data: ox.Store) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The graphs of a staged submission, its default graph included when it holds triples."""
    graphs: list[ox.NamedNode | ox.DefaultGraph] = [g for g in data.named_graphs() if isinstance(g, ox.NamedNode)]
    if next(iter(data.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        graphs.append(ox.DefaultGraph())
    return graphs


def _submitted_triples(data: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> int:
    """Distinct triples of the submission, graph names dropped (as pySHACL's graph counts them)."""
    if not graphs:
        return 0
    query = ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }" if len(graphs) == 1  # a graph has no duplicates
             else "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    rows = data.query(query, default_graph=graphs)
    return int(next(iter(rows))["n"].value)


def _staged_nodes(data: ox.Store, graphs: list[ox.NamedNode | ox.DefaultGraph]) -> tuple[set, set]:
    """IRIs the submission describes (subjects) and IRIs it references (objects)."""
    def distinct(var: str, pattern: str) -> set:
        rows = data.query(f"SELECT DISTINCT ?{var} WHERE {{ {pattern} FILTER(isIRI(?{var})) }}",
                          default_graph=graphs)
        return {row[var] for row in rows}

    return distinct("s", "?s ?p ?o"), distinct("o", "?s ?p ?o")


def validate_files(paths: Sequence[Path], store: GraphStore | None = None,
                   profiles: Sequence[str] = ()) -> ValidationReport:
    quads = [q for path in paths for q in parse_file(path)]
    report = validate_quads(quads, store, profiles)
    report.files = [str(p) for p in paths]
    return report


def stored_context(store: GraphStore, described: set[ox.NamedNode], referenced: set[ox.NamedNode],
                   exclude_graphs: Sequence[str] = ()) -> list[ox.Triple]:
    """Stored triples about the nodes a submission describes or references (see the module docstring)."""
    frontier = referenced - described
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


def _subjects_pointing(store: GraphStore, nodes: set[ox.NamedNode], predicate: str,
                       exclude: Sequence[str]) -> set[ox.NamedNode]:
    """Stored subjects with `predicate` to one of `nodes`: looked up in batches, or, when the store holds
    fewer such triples than there are nodes (a large submission), read whole and filtered here."""
    if _stored_count(store, predicate, exclude) < len(nodes):
        rows = store.query(f"SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{predicate}> ?o }} "
                           f"{_graph_filter(exclude)} FILTER(isIRI(?s)) }}")
        return {r["s"] for r in rows if r["o"] in nodes}
    found: set[ox.NamedNode] = set()
    for batch in _batches(nodes):
        values = " ".join(str(n) for n in batch)
        rows = store.query(f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {values} }} "
                           f"GRAPH ?g {{ ?s <{predicate}> ?o }} {_graph_filter(exclude)} }}")
        found.update(r["s"] for r in rows if isinstance(r["s"], ox.NamedNode))
    return found


def _stored_count(store: GraphStore, predicate: str, exclude: Sequence[str]) -> int:
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{predicate}> ?o }} "
                       f"{_graph_filter(exclude)} }}")
    return int(next(iter(rows))["n"].value)


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
