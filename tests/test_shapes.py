"""The SHACL shapes: data-driven cases, shape hygiene, bundled data, and all-or-nothing loads.

Each `tests/cases/<name>.ttl` is validated against the bundled store with the profiles its
`<name>.expected.json` names; the results, as a set of (severity, shape CURIE, focus CURIE) with
every blank focus node written "_:", must be exactly the expected ones.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.sparql import prepareQuery

from conftest import CASES
from mcgraph.errors import NonConformantData
from mcgraph.ingest import load_files
from mcgraph.namespaces import MC, SHAPES, curie
from mcgraph.rdfio import parse_file
from mcgraph.report import ValidationResult
from mcgraph.resources import bundled_data_files, ontology_file, resource_dir
from mcgraph.store import OxigraphStore
from mcgraph.validate import available_profiles, validate_files, validate_quads

SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_DIR = resource_dir("shapes")
SHAPE_FILES = sorted(SHAPES_DIR.glob("*.ttl")) + sorted((SHAPES_DIR / "profiles").glob("*.ttl"))
CASE_FILES = sorted(CASES.glob("*.ttl"))
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
LOGICAL = (SH["or"], SH["and"], SH.xone)  # list-valued: their members are helper shapes
NESTED = (SH["not"], SH.node, SH.qualifiedValueShape)
MC_TERM = re.compile(r"\bmc:([A-Za-z][A-Za-z0-9]*)")


# -- helpers ---------------------------------------------------------------------------------
def expected_of(case: Path) -> dict:
    return json.loads(case.with_name(case.stem + ".expected.json").read_text(encoding="utf-8"))


def result_key(result: ValidationResult) -> tuple[str, str, str]:
    focus = "_:" if result.focus.startswith("_:") else curie(result.focus)
    return result.severity, curie(result.shape), focus


def load_shapes(paths: Iterable[Path] = SHAPE_FILES) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


def members(graph: Graph, node: object) -> list:
    return list(Collection(graph, node)) if isinstance(node, (BNode, URIRef)) else []


def shape_nodes(graph: Graph) -> tuple[set, set]:
    """(reportable, helpers): shapes that can be a result's source shape, and shapes used only as
    a value of sh:or / sh:and / sh:xone / sh:not / sh:node (reported through their parent)."""
    reportable = {s for p in TARGETS for s in graph.subjects(p, None)}
    reportable |= set(graph.objects(None, SH.property))
    typed = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    helpers = {m for p in LOGICAL for lst in graph.objects(None, p) for m in members(graph, lst)}
    helpers |= {o for p in NESTED for o in graph.objects(None, p)}
    # anonymous value-type alternatives such as sh:or ([sh:datatype xsd:date] [sh:datatype xsd:gYear])
    # are parameters, not shapes a report can name: only named or typed helpers count
    helpers = {h for h in helpers if isinstance(h, URIRef) or h in typed or (h, SH.path, None) in graph}
    every = reportable | helpers | typed | set(graph.subjects(SH.path, None))
    return reportable, every - reportable


# -- data-driven cases -------------------------------------------------------------------------
def test_cases_exist_with_their_expected_results() -> None:
    assert len(CASE_FILES) >= 10
    for case in CASE_FILES:
        assert case.with_name(case.stem + ".expected.json").exists(), f"{case.name} has no expected file"
    for expected in CASES.glob("*.expected.json"):
        assert expected.with_name(expected.name.replace(".expected.json", ".ttl")).exists(), expected.name


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_case(case: Path, bundled_store: OxigraphStore) -> None:
    expected = expected_of(case)
    report = validate_quads(parse_file(case), bundled_store, expected["profiles"])
    got = {result_key(r) for r in report.results}
    want = {(r["severity"], r["shape"], r["focus"]) for r in expected["results"]}
    assert (sorted(got - want), sorted(want - got)) == ([], []), "(unexpected, missing) results"
    assert report.conforms is expected["conforms"]


def test_every_shape_is_exercised_by_a_case() -> None:
    graph = load_shapes()
    reportable, helpers = shape_nodes(graph)
    exercised = {r["shape"] for case in CASE_FILES for r in expected_of(case)["results"]}
    missing = sorted(curie(str(s)) for s in reportable if curie(str(s)) not in exercised)
    assert missing == [], f"shapes no case exercises: {missing}"
    for helper in helpers:  # a helper is exercised through the shape that uses it
        users = {s for p in LOGICAL for s, lst in graph.subject_objects(p) if helper in members(graph, lst)}
        users |= {s for p in NESTED for s in graph.subjects(p, helper)}
        assert any(curie(str(u)) in exercised for u in users), f"helper {helper} is used by no exercised shape"


def test_cases_name_only_known_shapes_and_profiles() -> None:
    reportable, _ = shape_nodes(load_shapes())
    known = {curie(str(s)) for s in reportable}
    for case in CASE_FILES:
        expected = expected_of(case)
        assert set(expected["profiles"]) <= set(available_profiles()), case.name
        assert {r["severity"] for r in expected["results"]} <= {"Violation", "Warning", "Info"}, case.name
        assert {r["shape"] for r in expected["results"]} <= known, case.name


# -- shape hygiene -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.relative_to(SHAPES_DIR).as_posix())
def test_every_shape_has_an_iri_a_label_and_a_message(path: Path) -> None:
    graph = load_shapes([path])
    reportable, helpers = shape_nodes(graph)
    assert reportable, f"{path.name} declares no shape"
    for shape in reportable | helpers:
        assert isinstance(shape, URIRef) and str(shape).startswith(SHAPES), f"unnamed shape in {path.name}: {shape}"
        name = curie(str(shape))
        labels = list(graph.objects(shape, RDFS.label))
        messages = list(graph.objects(shape, SH.message))
        assert len(labels) == 1 and str(labels[0]).strip(), f"{name} needs one rdfs:label"
        assert len(messages) == 1 and len(str(messages[0])) > 20, f"{name} needs one sh:message for a steward"
    for shape in reportable:
        severities = list(graph.objects(shape, SH.severity))
        assert severities in ([SH.Violation], [SH.Warning], [SH.Info]), f"{curie(str(shape))} needs one sh:severity"


def test_sparql_queries_declare_their_prefixes_and_parse() -> None:
    graph = load_shapes()
    queries = [(node, text) for node, text in graph.subject_objects(SH.select)]
    assert len(queries) >= 8
    for node, text in queries:
        prefixes_node = graph.value(node, SH.prefixes)
        owner = graph.value(predicate=SH.sparql, object=node)
        assert prefixes_node is not None, f"a sh:select of {owner} has no sh:prefixes"
        namespaces = {str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace))
                      for d in graph.objects(prefixes_node, SH.declare)}
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in namespaces.items())
        prepareQuery(prologue + str(text).replace("$this", "?this"))  # raises on a syntax error


def test_every_mc_term_the_shapes_use_is_declared_in_the_ontology() -> None:
    ontology = Graph().parse(ontology_file(), format="turtle")
    declared = {str(s) for s in ontology.subjects(RDF.type, None) if str(s).startswith(MC)}
    used: set[str] = set()
    for triple in load_shapes():
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(MC):
                used.add(str(term))
            elif isinstance(term, Literal):  # SPARQL text, messages and labels
                used |= {MC + local for local in MC_TERM.findall(str(term))}
    assert used, "the shapes use no mc: term?"
    assert sorted(curie(t) for t in used - declared) == []


def test_profiles_are_available_and_name_their_parts() -> None:
    assert {"unesco-definition", "eu-standard-elements"} <= set(available_profiles())
    for name, pattern, count in (("unesco-definition", r"^UNESCO 2022 part (\d+): ", 4),
                                 ("eu-standard-elements", r"^EU 2022 element (\d+): ", 11)):
        graph = load_shapes([SHAPES_DIR / "profiles" / f"{name}.ttl"])
        reportable, _ = shape_nodes(graph)
        parts = set()
        for shape in reportable:
            label = str(graph.value(shape, RDFS.label))
            match = re.match(pattern, label)
            assert match, f"{curie(str(shape))}: label {label!r} does not name its part"
            parts.add(int(match.group(1)))
            assert any(graph.objects(shape, p) for p in TARGETS), f"{curie(str(shape))} has no target"
        assert parts == set(range(1, count + 1)), f"{name}: parts covered {sorted(parts)}"


# -- the bundled data --------------------------------------------------------------------------
def test_bundled_data_has_no_violation(capsys: pytest.CaptureFixture[str]) -> None:
    report = validate_files(bundled_data_files())
    violations = [f"{r.focus_label}: {curie(r.shape)} {r.message}" for r in report.results
                  if r.severity == "Violation"]
    assert violations == []
    with capsys.disabled():
        print(f"\nbundled data: {report.summary_line()}, {report.count('Warning')} warning(s) in "
              f"{len(report.files)} files, {report.triples} triples")
        for severity, shape, path, _message, count in report.by_shape():
            print(f"  {count:>4} x {severity} {shape} {path}")


# -- a rejected load changes nothing -------------------------------------------------------------
GOOD = """
@prefix mc: <https://w3id.org/mcgraph/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/mcgraph/id/framework/case-atomic> a mc:RegionalQualificationsFramework ;
    skos:prefLabel "Case framework for atomic loads"@en ; mc:illustrative true .
<https://w3id.org/mcgraph/id/level/case-atomic-1> a mc:Level ;
    skos:inScheme <https://w3id.org/mcgraph/id/framework/case-atomic> ; skos:notation "1" ; mc:rank 1.0 .
"""
BAD_LEVEL = """
<https://w3id.org/mcgraph/id/level/case-atomic-2> a mc:Level ;
    skos:inScheme <https://w3id.org/mcgraph/id/framework/case-atomic> ; skos:notation "1" ; mc:rank 2 .
"""


def sorted_quads(store: OxigraphStore) -> list[str]:
    return sorted(str(q) for q in store.quads())


@pytest.mark.parametrize("append", [False, True], ids=["replace", "append"])
def test_a_rejected_load_leaves_every_quad_unchanged(tmp_path: Path, memory_store: OxigraphStore,
                                                    append: bool) -> None:
    first = tmp_path / "first" / "atomic.ttl"
    first.parent.mkdir()
    first.write_text(GOOD, encoding="utf-8")
    load_files(memory_store, [first])
    before = sorted_quads(memory_store)
    assert any("case-atomic-1" in q for q in before)

    # the same graph again, now with a second level that breaks two rules, plus a conformant file
    replacement = tmp_path / "second" / "atomic.ttl"
    replacement.parent.mkdir()
    replacement.write_text(GOOD + BAD_LEVEL, encoding="utf-8")
    other = tmp_path / "second" / "other.ttl"
    other.write_text(GOOD.replace("case-atomic", "case-atomic-other"), encoding="utf-8")
    with pytest.raises(NonConformantData) as raised:
        load_files(memory_store, [other, replacement], append=append)
    shapes = {curie(r.shape) for r in raised.value.report.results if r.severity == "Violation"}
    assert shapes == {"mcsh:Level-rank", "mcsh:LevelNotationUnique"}
    assert sorted_quads(memory_store) == before
