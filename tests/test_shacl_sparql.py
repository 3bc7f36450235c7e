"""The SPARQL validator against pySHACL: the same results on every case, on generated data and on
the bundled data; every shapes file and profile compiles; unsupported features are refused."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from conftest import CASES, ROOT
from mcgraph.rdfio import parse_file
from mcgraph.resources import bundled_data_files
from mcgraph.shacl_sparql import UnsupportedShape, _Compiler, compile_shapes
from mcgraph.store import OxigraphStore
from mcgraph.validate import available_profiles, validate_quads

CASE_FILES = sorted(CASES.glob("*.ttl"))
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def keys(report, forms: dict[str, str] | None = None) -> set[tuple]:
    forms = forms or {}
    return {(r.severity, r.focus, r.path, forms.get(r.value, r.value), r.shape, r.component, r.message)
            for r in report.results}


def canonical_forms(quads: list[ox.Quad]) -> dict[str, str]:
    """Lexical form of each typed literal in the submission -> the canonical form a store keeps
    ("150.0"^^xsd:decimal -> "150"): the SPARQL validator reports values as stored."""
    typed = [q.object for q in quads if isinstance(q.object, ox.Literal) and not q.object.language
             and q.object.datatype.value != XSD_STRING]
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"urn:i:{i}"), ox.NamedNode("urn:p"), value) for i, value in enumerate(typed))
    return {typed[int(q.subject.value[6:])].value: q.object.value for q in store}


def differences(quads, store, profiles) -> tuple[set, set, set]:
    fast = validate_quads(quads, store, profiles, engine="sparql")
    oracle = validate_quads(quads, store, profiles, engine="pyshacl")
    assert fast.triples == oracle.triples
    assert len(fast.results) == len(oracle.results), "result counts differ"
    expected = keys(oracle, canonical_forms(list(quads)))
    return keys(fast) - expected, expected - keys(fast), expected


def profiles_of(case: Path) -> list[str]:
    return json.loads(case.with_name(case.stem + ".expected.json").read_text(encoding="utf-8"))["profiles"]


@pytest.mark.parametrize("profiles", [(), *[(p,) for p in available_profiles()], tuple(available_profiles())])
def test_the_shapes_and_every_profile_compile(profiles: tuple[str, ...]) -> None:
    checks, _ = compile_shapes(profiles)
    assert len(checks) > 50


def test_an_unsupported_feature_is_refused() -> None:
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:D ] ; sh:qualifiedMinCount 1 ] .
        """, format="turtle")
    with pytest.raises(UnsupportedShape, match="qualified"):
        _Compiler(shapes).compile()
    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:PropertyShape ; sh:targetClass ex:C ; sh:path [ sh:zeroOrMorePath ex:p ] ; sh:minCount 1 .
        """, format="turtle")
    with pytest.raises(UnsupportedShape, match="sh:path"):
        _Compiler(shapes).compile()


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: p.stem)
def test_case_results_match_pyshacl(case: Path, bundled_store: OxigraphStore) -> None:
    extra, missing, _ = differences(parse_file(case), bundled_store, profiles_of(case))
    assert (sorted(extra), sorted(missing)) == ([], []), "(added, dropped) by the SPARQL validator"


def test_the_cases_exercise_every_component_the_shapes_use(bundled_store: OxigraphStore) -> None:
    components = set()
    for case in CASE_FILES:
        report = validate_quads(parse_file(case), bundled_store, profiles_of(case), engine="sparql")
        components |= {r.component.rsplit("#", 1)[-1] for r in report.results}
    shapes_text = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "shapes").rglob("*.ttl"))
    used = {"MinCount", "MaxCount", "Class", "Datatype", "NodeKind", "In", "Pattern", "MinInclusive",
            "MinExclusive", "LessThanOrEquals", "Disjoint", "Or", "SPARQL"}
    assert {u for u in used if f"sh:{u[0].lower()}{u[1:]}" in shapes_text or u == "SPARQL"} == used
    assert {u + "ConstraintComponent" for u in used} <= components


def test_bundled_data_matches_pyshacl() -> None:
    quads = [q for path in bundled_data_files() for q in parse_file(path)]
    for profiles in ((), tuple(available_profiles())):
        extra, missing, oracle = differences(quads, None, profiles)
        assert (sorted(extra), sorted(missing)) == ([], [])
    assert oracle, "the bundled data should give some results under the profiles"


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [3, 11])
def test_generated_data_matches_pyshacl(tmp_path: Path, seed: int, bundled_store: OxigraphStore) -> None:
    out = tmp_path / "generated.ttl"
    _generator().generate(out, credentials=300, seed=seed, violations=25)
    quads = list(parse_file(out))
    for profiles in ((), tuple(available_profiles())):
        extra, missing, oracle = differences(quads, bundled_store, profiles)
        assert (sorted(extra), sorted(missing)) == ([], [])
        assert sum(1 for k in oracle if k[0] == "Violation") >= 25
