"""The ontology: well formed, documented, in step with docs/MODEL.md, and consistent with the data."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from mcgraph.errors import FeatureUnavailable
from mcgraph.reasoning import check_consistency
from mcgraph.resources import ontology_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MC = rdflib.Namespace("https://w3id.org/mcgraph/ns#")
ONTOLOGY_IRI = rdflib.URIRef("https://w3id.org/mcgraph/ns")
DECLARATION_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                     OWL.NamedIndividual)

needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="the OWL reasoner HermiT needs Java, and `java` is not on the PATH")


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_file(), format="turtle")


def declared_terms(g: rdflib.Graph) -> set[rdflib.URIRef]:
    return {s for t in DECLARATION_TYPES for s in g.subjects(RDF.type, t)
            if isinstance(s, rdflib.URIRef) and s.startswith(str(MC))}


def model_text() -> str:
    return (ROOT / "docs" / "MODEL.md").read_text(encoding="utf-8")


def model_table_terms() -> set[str]:
    rows = [line for line in model_text().splitlines() if line.startswith("|")]
    return set(re.findall(r"`mc:(\w+)`", "\n".join(rows)))


def test_ontology_parses_with_pyoxigraph_and_rdflib(onto: rdflib.Graph) -> None:
    with ontology_file().open("rb") as handle:
        ox_triples = list(ox.parse(handle, ox.RdfFormat.TURTLE))
    assert len(ox_triples) == len(onto) > 500


def test_ontology_header(onto: rdflib.Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in onto
    for prop in (OWL.versionInfo, rdflib.DCTERMS.title, rdflib.DCTERMS.description, rdflib.DCTERMS.license):
        assert onto.value(ONTOLOGY_IRI, prop) is not None, f"ontology lacks {prop}"


def test_every_term_has_an_english_label_and_definition(onto: rdflib.Graph) -> None:
    terms = declared_terms(onto)
    assert len(terms) > 100
    missing = []
    for term in sorted(terms):
        for prop in (RDFS.label, SKOS.definition):
            if not any(isinstance(v, rdflib.Literal) and v.language == "en" and str(v).strip()
                       for v in onto.objects(term, prop)):
                missing.append(f"{term} {prop}")
    assert not missing, "\n".join(missing)


def test_every_mc_term_used_is_declared(onto: rdflib.Graph) -> None:
    """No mc: IRI in the ontology is mentioned without being declared (typos, OWL 2 DL)."""
    used = {n for triple in onto for n in triple if isinstance(n, rdflib.URIRef) and n.startswith(str(MC))}
    assert used - declared_terms(onto) == set()


def test_model_tables_and_ontology_name_the_same_terms(onto: rdflib.Graph) -> None:
    declared = {t[len(str(MC)):] for t in declared_terms(onto)}
    undeclared = model_table_terms() - declared
    assert not undeclared, f"docs/MODEL.md names terms the ontology lacks: {sorted(undeclared)}"
    mentioned = set(re.findall(r"`mc:(\w+)`", model_text()))
    undocumented = declared - mentioned
    assert not undocumented, f"ontology terms missing from docs/MODEL.md: {sorted(undocumented)}"


def test_required_terms_and_individuals(onto: rdflib.Graph) -> None:
    individuals = {
        MC.MatchType: ["ExactMatch", "CloseMatch", "BroadMatch", "NarrowMatch", "NoMatch"],
        MC.ReferencingStatus: ["Draft", "Endorsed", "Comparison"],
        MC.LevelTableStatus: ["TableComplete", "TablePartial", "TableNotInGraph"],
        MC.ParticipationMode: ["Online", "Onsite", "Blended"],
        MC.SubRegion: ["CentralAsia", "EastAsia", "SouthAsia", "SoutheastAsia", "Pacific", "Europe", "OtherRegion"],
    }
    for cls, names in individuals.items():
        for name in names:
            assert (MC[name], RDF.type, cls) in onto, f"mc:{name} is not a {cls}"
    for name in individuals[MC.SubRegion]:
        assert (MC[name], SKOS.inScheme, MC.SubRegions) in onto
    assert (MC.SubRegion, RDFS.subClassOf, SKOS.Concept) in onto
    assert (MC.QualificationsFramework, RDFS.subClassOf, SKOS.ConceptScheme) in onto
    assert (MC.Level, RDFS.subClassOf, SKOS.Concept) in onto
    assert (MC.GraphLoad, RDFS.subClassOf, rdflib.URIRef("http://www.w3.org/ns/prov#Activity")) in onto
    assert (MC.Qualification, OWL.disjointWith, MC.MicroCredential) in onto
    assert (MC.ExactMatch, MC.skosMappingProperty, SKOS.exactMatch) in onto
    assert (MC.rank, RDFS.range, rdflib.XSD.decimal) in onto


def test_has_part_and_is_part_of_are_inverse_and_not_symmetric(onto: rdflib.Graph) -> None:
    assert (MC.hasPart, OWL.inverseOf, MC.isPartOf) in onto or (MC.isPartOf, OWL.inverseOf, MC.hasPart) in onto
    for prop in (MC.hasPart, MC.isPartOf):
        types = set(onto.objects(prop, RDF.type))
        assert OWL.SymmetricProperty not in types
        assert {OWL.AsymmetricProperty, OWL.IrreflexiveProperty} <= types
        # asymmetric and irreflexive properties must stay simple in OWL 2 DL
        assert OWL.TransitiveProperty not in types


def test_ranges_use_only_owl2_datatypes(onto: rdflib.Graph) -> None:
    not_in_owl2 = {rdflib.XSD.date, rdflib.XSD.gYear, rdflib.XSD.gYearMonth, rdflib.XSD.time}
    ranges = {o for s in onto.subjects(RDF.type, OWL.DatatypeProperty) for o in onto.objects(s, RDFS.range)}
    assert ranges and not ranges & not_in_owl2


@needs_java
def test_ontology_and_bundled_data_are_consistent() -> None:
    result = check_consistency([], include_bundled=True)
    assert result.consistent, result.explanation
    assert result.triples > 500


@needs_java
def test_dates_outside_owl2_do_not_break_the_check() -> None:
    """xsd:date / xsd:gYearMonth / xsd:gYear literals, which HermiT rejects, are retyped."""
    result = check_consistency([FIXTURES / "ontology-consistent-records.ttl"], include_bundled=False)
    assert result.consistent, result.explanation
    assert "3 literal(s)" in result.explanation


@needs_java
@pytest.mark.parametrize("fixture, cause", [
    ("inconsistent-disjoint-credential.ttl", "disjoint"),
    ("inconsistent-part-of-itself.ttl", "irreflexive"),
    ("inconsistent-mutual-parts.ttl", "asymmetric"),
    ("inconsistent-level-as-body.ttl", "mc:awardingBody"),
])
def test_inconsistent_fixture_is_reported(fixture: str, cause: str) -> None:
    result = check_consistency([FIXTURES / fixture], include_bundled=False)
    assert not result.consistent
    assert "HermiT" in result.explanation and cause in result.explanation


def test_without_java_the_check_is_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `java`
    with pytest.raises(FeatureUnavailable, match="Java") as info:
        check_consistency([], include_bundled=False)
    assert info.value.exit_code == 3


@needs_java
def test_reasoner_run_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run longer than the limit is stopped and reported, and the limit does not stick."""
    import owlready2.reasoning

    from mcgraph import reasoning
    from mcgraph.errors import McGraphError

    monkeypatch.setattr(reasoning, "TIMEOUT_SECONDS", 1e-3)  # less than Java needs to start
    with pytest.raises(McGraphError, match="did not finish"):
        check_consistency([], include_bundled=False)
    assert "timeout" not in owlready2.reasoning._subprocess_kargs
