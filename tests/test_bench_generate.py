"""The benchmark's synthetic-data generator: size, determinism, syntax, and conformance to the shapes."""
from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import ROOT, bench_generator
from mcgraph.rdfio import parse_file
from mcgraph.validate import validate_quads

N = 50
MC = "https://w3id.org/mcgraph/ns#"
ID = "https://w3id.org/mcgraph/id/"


generate = bench_generator()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "mc-50.ttl"
    generate.generate(path, N, seed=1)
    return path


def _owned_by_credential(quads: list[ox.Quad]) -> Counter:
    """Triples describing each micro-credential: itself, its outcomes, credit value and QA decision."""
    counts: Counter = Counter()
    for q in quads:
        s = q.subject.value
        if isinstance(q.subject, ox.BlankNode):  # credit values: _:cv-<prefix>-<i>
            if not s.startswith("cv-"):
                continue  # a stacking rule's required credits or component group
            key = int(s.rsplit("-", 1)[1])
        elif "-mc-" in s:  # credential/…-mc-000001, outcome/…-mc-000001-2, qa-decision/…-mc-000001
            key = int(s.split("-mc-")[1].split("-")[0])
        else:
            continue  # the pools: providers, qualifications, their rules, skills
        counts[key] += 1
    return counts


def test_about_thirty_triples_per_credential(sample: Path) -> None:
    quads = parse_file(sample)
    per_credential = _owned_by_credential(quads)
    assert len(per_credential) == N
    average = sum(per_credential.values()) / N
    assert 25 <= average <= 40, average
    credentials = {q.subject for q in quads
                   if q.predicate.value.endswith("#type") and q.object == ox.NamedNode(MC + "MicroCredential")}
    assert len(credentials) == N


def test_same_seed_same_bytes_other_seed_other_data(sample: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again.ttl", tmp_path / "other.ttl"
    generate.generate(again, N, seed=1)
    generate.generate(other, N, seed=2)
    assert again.read_bytes() == sample.read_bytes()
    assert other.read_bytes() != sample.read_bytes()


def test_turtle_and_n_triples_hold_the_same_graph(sample: Path, tmp_path: Path) -> None:
    nt = tmp_path / "mc-50.nt"
    triples = generate.generate(nt, N, seed=1)
    as_nt = {(q.subject, q.predicate, q.object) for q in parse_file(nt)}
    as_ttl = {(q.subject, q.predicate, q.object) for q in parse_file(sample)}
    assert len(as_nt) == triples
    assert as_nt == as_ttl


def test_prefix_keeps_iris_apart(sample: Path, tmp_path: Path) -> None:
    new = tmp_path / "new.ttl"
    generate.generate(new, N, seed=1, prefix="new")
    iris = lambda path: {t.value for q in parse_file(path) for t in (q.subject, q.object)  # noqa: E731
                         if isinstance(t, ox.NamedNode) and t.value.startswith(ID)}
    shared = iris(sample) & iris(new)
    assert shared, "both point at the same bundled levels, countries and credit systems"
    assert not any("/credential/" in i or "/outcome/" in i or "/org/" in i and "provider" in i for i in shared)


def test_everything_generated_is_illustrative(sample: Path) -> None:
    quads = parse_file(sample)
    flagged = {q.subject for q in quads if q.predicate == ox.NamedNode(MC + "illustrative")}
    named = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
    assert named == flagged


def test_conforms_to_the_shapes_in_the_bundled_store(sample: Path, bundled_store) -> None:
    report = validate_quads(parse_file(sample), bundled_store)
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations == [], [(r.focus, r.path, r.message) for r in violations[:5]]
    assert report.count("Warning") == 0


@pytest.fixture(scope="module")
def stacking_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seed whose small file has a rule with a required component and one with an n-of-m group."""
    path = tmp_path_factory.mktemp("gen") / "mc-100-seed6.ttl"
    generate.generate(path, 100, seed=6)
    return path


def _objects(quads: list[ox.Quad], subject, predicate: str) -> list:
    return [q.object for q in quads if q.subject == subject and q.predicate.value == MC + predicate]


def _one(quads: list[ox.Quad], subject, predicate: str):
    found = _objects(quads, subject, predicate)
    assert len(found) == 1, (subject, predicate, found)
    return found[0]


@pytest.mark.parametrize("fixture", ["sample", "stacking_sample"])
def test_every_qualification_has_exactly_one_consistent_stacking_rule(fixture: str, request) -> None:
    quads = parse_file(request.getfixturevalue(fixture))
    typed = lambda cls: {q.subject for q in quads  # noqa: E731
                         if q.predicate.value.endswith("#type") and q.object == ox.NamedNode(MC + cls)}
    qualifications, rules = typed("Qualification"), typed("StackingRule")
    assert qualifications and len(rules) == len(qualifications)
    assert {_one(quads, q, "stackingRule") for q in qualifications} == rules
    systems = {"nzqcf": "nzqcf-credit", "hkqf": "hkqf-credit", "mqf": "mqf-credit", "nsqf": "ncrf-credit",
               "fqf": "fqf-credit"}
    open_rules = 0
    for qual in qualifications:
        rule = _one(quads, qual, "stackingRule")
        assert rule.value.startswith(ID + "rule/")
        framework, level = _one(quads, qual, "level").value.rsplit("/", 1)[1].rsplit("-", 1)
        credits = _one(quads, rule, "requiredCredits")
        required = float(_one(quads, credits, "creditAmount").value)
        assert _one(quads, credits, "creditSystem").value == f"{ID}credit-system/{systems[framework]}"
        assert required in {"mqf": (15, 30, 60), "nsqf": (20, 40, 80)}.get(framework, (60, 120, 240))
        assert 0.25 * required - 1 <= float(_one(quads, rule, "maxMicroCredentialCredits").value) <= 0.5 * required
        assert all(float(c.value) <= required for c in _objects(quads, rule, "maxPriorLearningCredits"))
        min_framework, min_level = _one(quads, rule, "minimumLevel").value.rsplit("/", 1)[1].rsplit("-", 1)
        assert min_framework == framework and int(level) - 2 <= int(min_level) <= int(level) - 1
        fields = _objects(quads, rule, "acceptedField")
        assert 1 <= len(fields) <= 3 and _one(quads, qual, "field") in fields
        open_rules += _one(quads, rule, "acceptsUnlistedCredentials").value == "true"
        parts = {q.subject for q in quads if q.predicate.value == MC + "isPartOf" and q.object == qual}
        members = [*_objects(quads, rule, "requiredComponent"),
                   *(m for g in _objects(quads, rule, "componentGroup") for m in _objects(quads, g, "groupMember"))]
        assert set(members) <= parts, "components are micro-credentials that are parts of the qualification"
        outcomes = {o for m in members for o in _objects(quads, m, "learningOutcome")}
        assert set(_objects(quads, rule, "requiredOutcome")) <= outcomes
        assert bool(members) == bool(_objects(quads, rule, "requiredOutcome"))
    if fixture == "stacking_sample":
        assert 0 < open_rules < len(rules)
        assert any(q.predicate.value == MC + "requiredComponent" for q in quads)
        assert any(q.predicate.value == MC + "minMembers" for q in quads)


def test_stacking_rules_with_components_conform_to_the_shapes(stacking_sample: Path, bundled_store) -> None:
    report = validate_quads(parse_file(stacking_sample), bundled_store)
    assert report.count("Violation") == 0, [(r.focus, r.path, r.message) for r in report.results[:5]]
    assert report.count("Warning") == 0


def test_injected_violations_are_counted_exactly(tmp_path: Path, bundled_store) -> None:
    broken = tmp_path / "broken.ttl"
    generate.generate(broken, N, seed=1, violations=3)
    report = validate_quads(parse_file(broken), bundled_store)
    assert report.count("Violation") == 3, [(r.focus, r.path, r.message) for r in report.results]


def test_referencing_network_generator_has_the_promised_size_and_is_deterministic() -> None:
    spec = importlib.util.spec_from_file_location("referencing_data", ROOT / "bench" / "referencing_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.generate(seed=1)
    assert text == module.generate(seed=1) and text != module.generate(seed=2)
    quads = list(ox.parse(text.encode(), ox.RdfFormat.TURTLE))
    kinds = Counter(q.object.value for q in quads if q.predicate.value.endswith("22-rdf-syntax-ns#type"))
    assert kinds[MC + "LevelCorrespondence"] == 2000
    assert kinds[MC + "NationalQualificationsFramework"] + kinds[MC + "RegionalQualificationsFramework"] == 50
    assert all(q.subject.value.startswith(ID) and "/bench-" in q.subject.value for q in quads
               if isinstance(q.subject, ox.NamedNode))
