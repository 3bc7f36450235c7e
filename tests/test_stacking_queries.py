"""The stacking queries of queries/*.rq, checked against facts walked independently from the bundled
Turtle (rdflib), against properties that must hold, and against the stacking library."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from conftest import ROOT
from mcgraph.queries import find_query, run, term_text
from mcgraph.store import OxigraphStore

ID = "https://w3id.org/mcgraph/id/"
MC = Namespace("https://w3id.org/mcgraph/ns#")
KINDS = (MC.MicroCredential, MC.Qualification, MC.Credential)
NEGATIVE = ("refus", "reject", "denied", "declin", "withdr", "revok", "not ", "non-")
NZ_DIPLOMA = URIRef(ID + "credential/nz-diploma-applied-data-analytics")
HK_DIPLOMA = URIRef(ID + "credential/hk-higher-diploma-data-science")
DATA_ETHICS = ID + "credential/nz-data-ethics"


def rows(store: OxigraphStore, name: str, **params: str) -> list[dict[str, str]]:
    result = run(store, find_query(name), params)
    names = [v.value for v in result.variables]
    return [{n: term_text(solution[n]) for n in names} for solution in result]


@pytest.fixture(scope="module")
def graph() -> Graph:
    """The bundled data, read with another RDF library than the store's."""
    g = Graph()
    for path in sorted((ROOT / "data").rglob("*.ttl")):
        g.parse(path, format="turtle")
    return g


# -- facts walked from the Turtle ---------------------------------------------------------------------
def credentials_in(g: Graph) -> set[URIRef]:
    return {s for kind in KINDS for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def qualifications_with_rules(g: Graph) -> set[URIRef]:
    return set(g.subjects(MC.stackingRule, None))


def expected_candidates(g: Graph, qual: URIRef) -> dict[str, set[str]]:
    """Candidate IRI -> relations, from the definitions in docs/MODEL.md."""
    found: dict[str, set[str]] = {}

    def add(items, how: str) -> None:
        for item in items:
            found.setdefault(str(item), set()).add(how)

    creds = credentials_in(g)
    parts = set(g.objects(qual, MC.hasPart)) | set(g.subjects(MC.isPartOf, qual))
    for rule in g.objects(qual, MC.stackingRule):
        add(parts, "part")
        add(g.objects(rule, MC.requiredComponent), "component")
        for group in g.objects(rule, MC.componentGroup):
            add(g.objects(group, MC.groupMember), "group member")
        for outcome in g.objects(rule, MC.requiredOutcome):
            add(g.subjects(MC.learningOutcome, outcome), "attests a required outcome")
        if (rule, MC.acceptsUnlistedCredentials, Literal(True)) in g:
            fields = set(g.objects(rule, MC.acceptedField))
            micro = set(g.subjects(RDF.type, MC.MicroCredential))
            add((c for c in micro if not fields or fields & set(g.objects(c, MC.field))), "open")
    return {iri: how for iri, how in found.items() if URIRef(iri) in creds and iri != str(qual)}


def qa_in_force(g: Graph, cred: str, at: date) -> tuple[bool, bool]:
    """(QA in force at `at`, an own approval has lapsed with none in force): own decisions, else the
    awarding body's."""
    def decisions(subject) -> list[tuple[str, date | None, date | None]]:
        out = []
        for d in g.subjects(MC.qaSubject, subject):
            text = str(g.value(d, MC.decision) or "").strip().lower()
            start, end = g.value(d, MC.validFrom), g.value(d, MC.validUntil)
            out.append((text, date.fromisoformat(str(start)) if start else None,
                        date.fromisoformat(str(end)) if end else None))
        return out

    def valid(d) -> bool:
        return not d[0].startswith(NEGATIVE) and (d[1] is None or d[1] <= at) and (d[2] is None or at <= d[2])

    own = decisions(URIRef(cred))
    if any(map(valid, own)):
        return True, False
    if own:
        return False, any(d[2] is not None and d[2] < at and not d[0].startswith(NEGATIVE) for d in own)
    bodies = g.objects(URIRef(cred), MC.awardingBody)
    return any(valid(d) for body in bodies for d in decisions(body)), False


def framework_and_rank(g: Graph, level) -> tuple[str, Decimal]:
    return str(g.value(level, SKOS.inScheme)), Decimal(str(g.value(level, MC.rank)))


# -- stacking-rules and component-groups --------------------------------------------------------------
def test_one_row_per_rule_with_its_terms(bundled_store: OxigraphStore, graph: Graph) -> None:
    found = {r["rule"]: r for r in rows(bundled_store, "stacking-rules")}
    rules = {(q, r) for q in qualifications_with_rules(graph) for r in graph.objects(q, MC.stackingRule)}
    assert set(found) == {str(r) for _, r in rules}
    for qual, rule in rules:
        row = found[str(rule)]
        assert row["qualification"] == str(qual)
        required = graph.value(rule, MC.requiredCredits)
        assert Decimal(row["requiredCredits"]) == Decimal(str(graph.value(required, MC.creditAmount)))
        assert row["requiredCreditSystem"] == str(graph.value(required, MC.creditSystem))
        assert row["minimumLevel"] == str(graph.value(rule, MC.minimumLevel) or "")
        codes = {str(graph.value(f, SKOS.notation)) for f in graph.objects(rule, MC.acceptedField)}
        assert set(row["acceptedFields"].split()) == codes
        assert set(row["requiredComponents"].split()) == {str(c) for c in graph.objects(rule, MC.requiredComponent)}
        assert set(row["requiredOutcomes"].split()) == {str(o) for o in graph.objects(rule, MC.requiredOutcome)}
        assert int(row["componentGroups"]) == len(set(graph.objects(rule, MC.componentGroup)))
        cap = graph.value(rule, MC.maxMicroCredentialCredits)
        assert row["maxMicroCredentialCredits"] == ("" if cap is None else row["maxMicroCredentialCredits"])
        if cap is not None:
            assert Decimal(row["maxMicroCredentialCredits"]) == Decimal(str(cap))
        assert (row["acceptsUnlisted"] == "true") == ((rule, MC.acceptsUnlistedCredentials, Literal(True)) in graph)


def test_the_nz_rule_has_its_prior_learning_cap_and_one_group(bundled_store: OxigraphStore) -> None:
    (nz,) = [r for r in rows(bundled_store, "stacking-rules") if r["qualification"] == str(NZ_DIPLOMA)]
    assert Decimal(nz["maxPriorLearningCredits"]) == 30 and nz["componentGroups"] == "1"
    assert nz["minimumLevelFramework"] == ID + "framework/nzqcf" and Decimal(nz["minimumLevelRank"]) == 4


def test_component_groups_give_n_of_m(bundled_store: OxigraphStore, graph: Graph) -> None:
    found = rows(bundled_store, "component-groups")
    groups = [(q, r, g) for q in qualifications_with_rules(graph) for r in graph.objects(q, MC.stackingRule)
              for g in graph.objects(r, MC.componentGroup)]
    assert len(found) == len(groups)
    for qual, rule, group in groups:
        members = {str(m) for m in graph.objects(group, MC.groupMember)}
        (row,) = [r for r in found if r["rule"] == str(rule) and set(r["members"].split()) == members]
        assert row["qualification"] == str(qual)
        assert int(row["memberCount"]) == len(members)
        minimum = graph.value(group, MC.minMembers)
        assert int(row["requiredCount"]) == (int(minimum) if minimum is not None else len(members))
    (nz,) = [r for r in found if r["qualification"] == str(NZ_DIPLOMA)]
    assert (nz["requiredCount"], nz["memberCount"]) == ("1", "2")


def test_a_group_without_a_minimum_requires_every_member(memory_store: OxigraphStore) -> None:
    load(memory_store, f"""
        <{ID}credential/q> a mc:Qualification ; mc:stackingRule <{ID}rule/q> .
        <{ID}rule/q> a mc:StackingRule ; mc:componentGroup [ mc:groupMember <{ID}credential/a> , <{ID}credential/b> ,
            <{ID}credential/c> ] .""")
    (row,) = rows(memory_store, "component-groups")
    assert (row["requiredCount"], row["memberCount"], row["minMembers"]) == ("3", "3", "")


def test_contributors_include_group_members(bundled_store: OxigraphStore, graph: Graph) -> None:
    found = {r["contributor"]: r["relation"] for r in rows(bundled_store, "stacking-contributors")}
    members = {str(m) for r in graph.objects(NZ_DIPLOMA, MC.stackingRule)
               for g in graph.objects(r, MC.componentGroup) for m in graph.objects(g, MC.groupMember)}
    assert members
    for member in members:
        assert "group member" in found[member].split(", ")


# -- stacking-candidates --------------------------------------------------------------------------------
@pytest.mark.parametrize("at", ["2026-01-01", "2023-06-01"])
def test_candidates_are_the_graph_walk(bundled_store: OxigraphStore, graph: Graph, at: str) -> None:
    quals = qualifications_with_rules(graph)
    assert {NZ_DIPLOMA, HK_DIPLOMA} <= quals
    for qual in quals:
        expected = expected_candidates(graph, qual)
        found = rows(bundled_store, "stacking-candidates", qualification=str(qual), at=at)
        assert {r["candidate"] for r in found} == set(expected), qual
        for r in found:
            assert set(r["relation"].split(", ")) == expected[r["candidate"]]
            assert (r["listed"] == "true") == bool(expected[r["candidate"]] & {"part", "component", "group member"})
            assert r["qualification"] == str(qual) and r["at"] == at


def test_the_hk_open_rule_takes_credentials_of_its_fields_only(bundled_store: OxigraphStore, graph: Graph) -> None:
    found = rows(bundled_store, "stacking-candidates", qualification=str(HK_DIPLOMA))
    accepted = {str(graph.value(f, SKOS.notation)) for r in graph.objects(HK_DIPLOMA, MC.stackingRule)
                for f in graph.objects(r, MC.acceptedField)}
    assert found and all(r["relation"] == "open" and r["listed"] == "false" for r in found)
    assert all(set(r["fields"].split()) & accepted and r["fieldAccepted"] == "true" for r in found)


def test_credit_conversions_go_through_notional_hours(bundled_store: OxigraphStore, graph: Graph) -> None:
    checked = 0
    for qual in qualifications_with_rules(graph):
        for r in rows(bundled_store, "stacking-candidates", qualification=str(qual)):
            if not r["credits"]:
                continue
            credits, hours = Decimal(r["credits"]), Decimal(r["hoursPerCredit"])
            assert Decimal(r["notionalHours"]) == credits * hours
            expected = (credits if r["creditSystem"] == r["ruleCreditSystem"]
                        else credits * hours / Decimal(r["ruleHoursPerCredit"]))
            assert Decimal(r["creditsInRuleSystem"]) == expected
            checked += 1
    assert checked >= 8  # the NZ micro-credentials, for the NZ and the HK diplomas


def test_a_range_converts_conservatively(memory_store: OxigraphStore) -> None:
    """ECTS (25-30 h) into NZQCF credits (10 h) takes the fewer hours; NZQCF into ECTS the larger
    divisor: both the lower bound."""
    load(memory_store, f"""
        <{ID}credit-system/ects> mc:minHoursPerCredit 25.0 ; mc:maxHoursPerCredit 30.0 .
        <{ID}credit-system/nz> mc:hoursPerCredit 10.0 .
        <{ID}credential/nzq> a mc:Qualification ; mc:stackingRule <{ID}rule/nzq> ; mc:hasPart <{ID}credential/e> .
        <{ID}rule/nzq> mc:requiredCredits [ mc:creditAmount 120.0 ; mc:creditSystem <{ID}credit-system/nz> ] .
        <{ID}credential/e> a mc:MicroCredential ;
            mc:creditValue [ mc:creditAmount 4.0 ; mc:creditSystem <{ID}credit-system/ects> ] .
        <{ID}credential/euq> a mc:Qualification ; mc:stackingRule <{ID}rule/euq> ; mc:hasPart <{ID}credential/n> .
        <{ID}rule/euq> mc:requiredCredits [ mc:creditAmount 60.0 ; mc:creditSystem <{ID}credit-system/ects> ] .
        <{ID}credential/n> a mc:MicroCredential ;
            mc:creditValue [ mc:creditAmount 15.0 ; mc:creditSystem <{ID}credit-system/nz> ] .""")
    (into_nz,) = rows(memory_store, "stacking-candidates", qualification=ID + "credential/nzq")
    assert (Decimal(into_nz["notionalHours"]), Decimal(into_nz["creditsInRuleSystem"])) == (100, 10)
    (into_ects,) = rows(memory_store, "stacking-candidates", qualification=ID + "credential/euq")
    assert Decimal(into_ects["ruleHoursPerCredit"]) == 30 and Decimal(into_ects["creditsInRuleSystem"]) == 5


def test_an_open_rule_without_fields_takes_every_micro_credential(memory_store: OxigraphStore) -> None:
    load(memory_store, f"""
        <{ID}credential/q> a mc:Qualification ; mc:stackingRule <{ID}rule/q> .
        <{ID}rule/q> mc:acceptsUnlistedCredentials true .
        <{ID}credential/a> a mc:MicroCredential . <{ID}credential/b> a mc:Credential .
        <{ID}credential/other> a mc:Qualification .
        <{ID}thing/not-a-credential> mc:field <{ID}isced/0613> .""")
    found = rows(memory_store, "stacking-candidates", qualification=ID + "credential/q")
    assert {r["candidate"] for r in found} == {ID + "credential/a"}
    assert all(r["fieldAccepted"] == "true" and r["relation"] == "open" for r in found)


@pytest.mark.parametrize("at", ["2026-01-01", "2023-06-01", "2030-01-01"])
def test_qa_in_force_follows_the_rule(bundled_store: OxigraphStore, graph: Graph, at: str) -> None:
    day = date.fromisoformat(at)
    for qual in qualifications_with_rules(graph):
        for r in rows(bundled_store, "stacking-candidates", qualification=str(qual), at=at):
            in_force, lapsed = qa_in_force(graph, r["candidate"], day)
            assert (r["qaInForce"] == "true") == in_force, (r["candidate"], at)
            assert (r["ownQaExpired"] == "true") == lapsed, (r["candidate"], at)
            assert bool(r["qaBasis"]) == in_force


def test_the_expired_data_ethics_approval(bundled_store: OxigraphStore) -> None:
    def ethics(at: str) -> dict[str, str]:
        (row,) = [r for r in rows(bundled_store, "stacking-candidates", at=at) if r["candidate"] == DATA_ETHICS]
        return row
    now = ethics("2026-01-01")
    assert (now["qaInForce"], now["ownQaExpired"], now["qaBasis"]) == ("false", "true", "")
    then = ethics("2023-06-01")
    assert (then["qaInForce"], then["ownQaExpired"], then["qaBasis"]) == ("true", "false", "own decision")


def test_provider_qa_counts_only_without_an_own_decision(memory_store: OxigraphStore) -> None:
    load(memory_store, f"""
        <{ID}credential/q> a mc:Qualification ; mc:stackingRule <{ID}rule/q> ;
            mc:hasPart <{ID}credential/plain> , <{ID}credential/refused> .
        <{ID}credential/plain> a mc:MicroCredential ; mc:awardingBody <{ID}org/p> .
        <{ID}credential/refused> a mc:MicroCredential ; mc:awardingBody <{ID}org/p> .
        <{ID}qa-decision/p> mc:qaSubject <{ID}org/p> ; mc:decision "accredited" .
        <{ID}qa-decision/r> mc:qaSubject <{ID}credential/refused> ; mc:decision "not accredited" .""")
    found = {r["candidate"]: r for r in rows(memory_store, "stacking-candidates", qualification=ID + "credential/q")}
    assert (found[ID + "credential/plain"]["qaInForce"], found[ID + "credential/plain"]["qaBasis"]) == \
        ("true", "awarding body")
    assert found[ID + "credential/refused"]["qaInForce"] == "false"


def test_levels_are_compared_only_within_a_framework(bundled_store: OxigraphStore, graph: Graph) -> None:
    for qual in (NZ_DIPLOMA, HK_DIPLOMA):
        (rule,) = graph.objects(qual, MC.stackingRule)
        min_fw, min_rank = framework_and_rank(graph, graph.value(rule, MC.minimumLevel))
        for r in rows(bundled_store, "stacking-candidates", qualification=str(qual)):
            level = graph.value(URIRef(r["candidate"]), MC.level)
            if level is None:
                assert r["levelMet"] == "" and r["levelCheck"] == "no level stated"
                continue
            fw, rank = framework_and_rank(graph, level)
            assert r["levelFramework"] == fw and Decimal(r["levelRank"]) == rank
            if fw == min_fw:
                assert r["sameFramework"] == "true"
                assert (r["levelMet"] == "true") == (rank >= min_rank)
                assert r["levelCheck"] == ("met" if rank >= min_rank else "not met")
            else:
                assert r["sameFramework"] == "false" and r["levelMet"] == ""
                assert r["levelCheck"] == "needs referencing"
    hk = {r["candidate"]: r for r in rows(bundled_store, "stacking-candidates", qualification=str(HK_DIPLOMA))}
    assert hk[ID + "credential/nz-applied-machine-learning"]["levelCheck"] == "needs referencing"
    nz = rows(bundled_store, "stacking-candidates")
    assert nz and all(r["sameFramework"] == "true" and r["levelMet"] for r in nz)


# -- the library gives the same answers ---------------------------------------------------------------
@pytest.mark.parametrize("at", ["2026-01-01", "2023-06-01"])
def test_same_answers_as_the_stacking_library(bundled_store: OxigraphStore, graph: Graph, at: str) -> None:
    stacking = pytest.importorskip("mcgraph.stacking")
    engine = stacking.Stacking(bundled_store)
    for qual in sorted(qualifications_with_rules(graph)):
        found = {r["candidate"]: r for r in rows(bundled_store, "stacking-candidates", qualification=str(qual), at=at)}
        items = {c.iri: c for c in engine.stackable(str(qual), at=date.fromisoformat(at)).credentials}
        assert set(found) == set(items), qual
        for iri, item in items.items():
            row = found[iri]
            assert (row["qaInForce"] == "true") == (item.qa.status in ("in-force", "provider-in-force")), iri
            assert (row["ownQaExpired"] == "true") == (item.qa.status == "expired"), iri
            assert (row["listed"] == "true") == item.listed, iri
            if row["levelMet"]:
                assert item.level is not None and item.level.how == "same-framework"
                assert (row["levelMet"] == "true") == item.level.met, iri
            if row["levelCheck"] == "no minimum level":
                assert item.level is None


# -- helpers -----------------------------------------------------------------------------------------
def load(store: OxigraphStore, turtle: str) -> None:
    graph = ox.NamedNode("https://example.org/g")
    text = f"@prefix mc: <{MC}> .\n{turtle}"
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(text, format=ox.RdfFormat.TURTLE)]
    store.commit({graph.value: quads}, [], replace=True)

