"""The browse read models against the bundled data: facts from data/, pagination, filters, safety."""
from __future__ import annotations

import base64
import dataclasses
import json
from datetime import date
from typing import Any

import pyoxigraph as ox
import pytest

from mcgraph import browse
from mcgraph.errors import UnknownResource, UsageError
from mcgraph.store import OxigraphStore

ID = "https://w3id.org/mcgraph/id/"
MC = "https://w3id.org/mcgraph/ns#"
CRED = ID + "credential/"
ALL_CREDENTIALS = sorted(CRED + slug for slug in (
    "example-prompt-writing-basics", "hk-higher-diploma-data-science", "ice-i-capstone-project",
    "ice-i-educational-game-developer",
    "ice-i-game-artist", "ice-i-game-designer", "ice-i-game-developer", "ice-i-game-programmer",
    "ice-i-game-project-management", "iioe-digital-competency-he-teaching", "my-bachelor-digital-marketing",
    "my-digital-consumer-behaviour", "my-seo-essentials", "my-social-media-analytics",
    "nz-applied-machine-learning", "nz-data-ethics", "nz-data-fundamentals", "nz-data-visualisation",
    "nz-diploma-applied-data-analytics"))
INJECTION = '") } SELECT * WHERE { ?s ?p ?o } #'


class RecordingReader:
    """A Reader that keeps every query text and substitution it passes on."""

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def select(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list:
        self.calls.append((sparql, dict(substitutions or {})))
        return self.store.select(sparql, substitutions)

    def construct(self, sparql: str, substitutions: dict[str, Any] | None = None) -> list:
        self.calls.append((sparql, dict(substitutions or {})))
        return self.store.construct(sparql, substitutions)


def iris(page: browse.CredentialPage) -> list[str]:
    return [item.iri for item in page.items]


def walk(reader: Any, **filters: Any) -> list[str]:
    """Every page of a listing, following the cursors (at most 50 pages)."""
    seen: list[str] = []
    cursor = None
    for _ in range(50):
        page = browse.credentials(reader, after=cursor, **filters)
        seen += iris(page)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError(f"the cursors did not end: {seen}")


# -- frameworks and levels -------------------------------------------------------------------------
def test_frameworks_lists_declared_and_recorded_levels(bundled_store: OxigraphStore) -> None:
    by_id = {f.id: f for f in browse.frameworks(bundled_store)}
    aqf = by_id["id:framework/aqf"]
    assert (aqf.iri, aqf.label) == (ID + "framework/aqf", "Australian Qualifications Framework")
    assert aqf.alt_labels == ["AQF"]
    assert (aqf.kind, aqf.countries, aqf.level_count, aqf.levels_in_graph) == ("national", ["AU"], 10, 10)
    assert "https://asqa.gov.au/node/6287" in aqf.sources
    assert (by_id["id:framework/eqf"].kind, by_id["id:framework/aqrf"].level_count) == ("regional", 8)
    thai = by_id["id:framework/nqf-th"]  # level count not verified: no levels, no count
    assert (thai.level_count, thai.levels_in_graph, thai.countries) == (None, 0, ["TH"])
    assert by_id["id:framework/nheqf"].countries == ["IN"]
    assert len(by_id) == 36 and list(by_id) == sorted(by_id)


def test_framework_detail_has_levels_in_rank_order(bundled_store: OxigraphStore) -> None:
    aqf = browse.framework(bundled_store, "id:framework/aqf")
    assert [lv.notation for lv in aqf.levels] == [str(n) for n in range(1, 11)]
    assert [lv.rank for lv in aqf.levels] == [float(n) for n in range(1, 11)]
    assert aqf.levels[6].iri == ID + "level/aqf-7" and aqf.levels[6].label == "AQF level 7"
    assert aqf.levels[6].typical_qualifications == ["Bachelor Degree"]
    assert [b.id for b in aqf.governing_bodies] == ["id:org/doe-au"]
    assert aqf.levels_in_graph == 10 and aqf.confidence == "high"
    assert any("1,200 hours" in note for note in aqf.notes)
    nheqf = browse.framework(bundled_store, ID + "framework/nheqf")  # half levels sort by rank
    assert [lv.notation for lv in nheqf.levels][:3] == ["4.5", "5", "5.5"]


def test_level_detail_has_correspondences_both_ways(bundled_store: OxigraphStore) -> None:
    nz7 = browse.level(bundled_store, "id:level/nzqcf-7")
    assert (nz7.notation, nz7.rank, nz7.framework.id) == ("7", 7.0, "id:framework/nzqcf")
    rows = {c.id: c for c in nz7.correspondences}
    to_eqf = rows["id:correspondence/nzqcf-eqf-7"]
    assert (to_eqf.direction, to_eqf.match_type) == ("from", "exactMatch")
    assert (to_eqf.other_level.iri, to_eqf.other_level.notation) == (ID + "level/eqf-6", "6")
    assert to_eqf.other_framework.id == "id:framework/eqf"
    assert (to_eqf.report.id, to_eqf.report.date, to_eqf.report.status) == ("id:report/nzqcf-eqf", "2017-06",
                                                                               "Comparison")
    assert to_eqf.report.title.startswith("Comparative Analysis of the European Qualifications Framework")
    assert "https://www2.nzqa.govt.nz/international/recognition-arrangements/ireland-nz" in to_eqf.sources
    from_aqf = rows["id:correspondence/aqf-nzqcf-7"]  # a row whose target is this level
    assert (from_aqf.direction, from_aqf.match_type, from_aqf.other_level.id) == ("to", "closeMatch", "id:level/aqf-7")
    assert (from_aqf.report.id, from_aqf.report.date) == ("id:report/aqf-nzqcf", "2015")


def test_no_match_row_has_no_other_level(bundled_store: OxigraphStore) -> None:
    nz8 = browse.level(bundled_store, "id:level/nzqcf-8")
    row = next(c for c in nz8.correspondences if c.id == "id:correspondence/nzqcf-eqf-8")
    assert (row.match_type, row.other_level, row.other_framework) == ("noMatch", None, None)
    assert row.report.id == "id:report/nzqcf-eqf"


# -- credentials -------------------------------------------------------------------------------------
def test_unpaged_listing_has_every_credential_in_iri_order(bundled_store: OxigraphStore) -> None:
    page = browse.credentials(bundled_store, limit=200)
    assert iris(page) == ALL_CREDENTIALS and page.next_cursor is None
    items = {item.id: item for item in page.items}
    eth = items["id:credential/nz-data-ethics"]
    assert (eth.type, eth.country, eth.credit_value, eth.illustrative) == ("micro-credential", "NZ", 5.0, True)
    assert (eth.levels, eth.frameworks) == ([ID + "level/nzqcf-5"], [ID + "framework/nzqcf"])
    assert eth.credit_system == ID + "credit-system/nzqcf-credit"
    assert (eth.field.id, eth.field.label) == ("id:isced/0612", "Database and network design and administration")
    assert [(p.id, p.label) for p in eth.providers] == [("id:org/example-polytechnic-nz",
                                                         "Example Polytechnic (illustrative)")]
    assert items["id:credential/my-bachelor-digital-marketing"].type == "qualification"
    iioe = items["id:credential/iioe-digital-competency-he-teaching"]  # two awarding bodies, no level
    assert [p.id for p in iioe.providers] == ["id:org/ecnu", "id:org/unesco-ichei"]
    assert (iioe.levels, iioe.frameworks, iioe.credit_value) == ([], [], None)
    assert items["id:credential/ice-i-game-developer"].illustrative is False


def test_pages_of_two_walk_every_credential_once(bundled_store: OxigraphStore) -> None:
    reader = RecordingReader(bundled_store)
    first = browse.credentials(reader, limit=2)
    assert iris(first) == ALL_CREDENTIALS[:2]
    assert base64.urlsafe_b64decode(first.next_cursor + "==").decode() == ALL_CREDENTIALS[1]
    assert walk(bundled_store, limit=2) == ALL_CREDENTIALS
    assert len(reader.calls) <= 3  # probe + one summary query for a small page


def test_ranged_pages_when_the_probe_is_not_complete(bundled_store: OxigraphStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # a probe smaller than the matches: pages come from the sorted range below the probe's bound
    monkeypatch.setattr(browse, "_PROBE_SIZE", 3)
    monkeypatch.setattr(browse, "_PROBE_PER_ITEM", 1)
    monkeypatch.setattr(browse, "_CHUNK", 2)
    assert walk(bundled_store, limit=2) == ALL_CREDENTIALS
    assert walk(bundled_store, limit=3, country="id:country/ID") == [i for i in ALL_CREDENTIALS if "/ice-i-" in i]
    assert walk(bundled_store, limit=1, text="game") == [i for i in ALL_CREDENTIALS if "/ice-i-" in i]


def test_last_page_of_exact_size_has_no_cursor(bundled_store: OxigraphStore) -> None:
    page = browse.credentials(bundled_store, limit=len(ALL_CREDENTIALS))
    assert len(page.items) == len(ALL_CREDENTIALS) and page.next_cursor is None
    short = browse.credentials(bundled_store, limit=len(ALL_CREDENTIALS) - 1)
    assert short.next_cursor is not None
    assert iris(browse.credentials(bundled_store, after=short.next_cursor)) == ALL_CREDENTIALS[-1:]


@pytest.mark.parametrize(("filters", "expected"), [
    ({"framework": "id:framework/mqf"}, ["my-bachelor-digital-marketing", "my-digital-consumer-behaviour",
                                          "my-seo-essentials", "my-social-media-analytics"]),
    ({"level": "id:level/nzqcf-5"}, ["nz-data-ethics", "nz-data-visualisation", "nz-diploma-applied-data-analytics"]),
    ({"provider": ID + "org/ecnu"}, ["iioe-digital-competency-he-teaching"]),
    ({"country": "id:country/MY"}, ["my-bachelor-digital-marketing", "my-digital-consumer-behaviour",
                                     "my-seo-essentials", "my-social-media-analytics"]),
    ({"field": "id:isced/0613"}, ["ice-i-capstone-project", "ice-i-educational-game-developer",
                                   "ice-i-game-programmer", "nz-applied-machine-learning",
                                   "nz-diploma-applied-data-analytics"]),
    ({"text": "PRIVACY"}, ["nz-data-ethics", "nz-diploma-applied-data-analytics"]),  # title; outcome
    ({"text": "unbundled"}, ["my-social-media-analytics"]),  # description only
    ({"text": "spreadsheet"}, ["nz-data-fundamentals"]),  # learning outcome only
    ({"level": "id:level/nzqcf-5", "text": "statistics"}, []),
    ({"level": "id:level/nzqcf-5", "field": "id:isced/0613"}, ["nz-diploma-applied-data-analytics"]),
    ({"framework": "id:framework/aqf"}, []),
])
def test_filters_narrow_to_known_credentials(bundled_store: OxigraphStore, filters: dict[str, str],
                                             expected: list[str]) -> None:
    assert iris(browse.credentials(bundled_store, **filters)) == [CRED + slug for slug in expected]


def test_user_values_are_substitutions_not_query_text(bundled_store: OxigraphStore) -> None:
    reader = RecordingReader(bundled_store)
    page = browse.credentials(reader, text=INJECTION, provider="id:org/ecnu")
    assert page.items == [] and page.next_cursor is None
    assert all(INJECTION not in text and "org/ecnu" not in text for text, _ in reader.calls)
    assert reader.calls[0][1]["qText"] == ox.Literal(INJECTION)
    assert iris(browse.credentials(bundled_store, text=INJECTION)) == []
    with pytest.raises(UsageError):  # not an IRI: refused before any query
        browse.credentials(bundled_store, provider="id:org/x> } <")


@pytest.mark.parametrize("cursor", ["not a cursor!", base64.urlsafe_b64encode(b"no scheme").decode(), "%%%"])
def test_invalid_cursor_is_a_usage_error(bundled_store: OxigraphStore, cursor: str) -> None:
    with pytest.raises(UsageError):
        browse.credentials(bundled_store, after=cursor)


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_limit_out_of_range_is_a_usage_error(bundled_store: OxigraphStore, limit: int) -> None:
    with pytest.raises(UsageError):
        browse.credentials(bundled_store, limit=limit)


def test_credential_detail_of_a_qualification(bundled_store: OxigraphStore) -> None:
    dip = browse.credential(bundled_store, "id:credential/nz-diploma-applied-data-analytics")
    assert (dip.type, dip.title) == ("qualification", "Diploma in Applied Data Analytics (Level 5) (illustrative)")
    assert (dip.credit.amount, dip.credit.system.id, dip.notional_hours) == (120.0, "id:credit-system/nzqcf-credit",
                                                                             1200.0)
    assert [(lv.id, lv.notation, lv.framework.id) for lv in dip.levels] == [("id:level/nzqcf-5", "5",
                                                                              "id:framework/nzqcf")]
    assert (dip.country.label, dip.country_code, dip.modes, dip.languages) == ("New Zealand", "NZ", ["Blended"], ["en"])
    assert [p.id.rsplit("/", 1)[1] for p in dip.parts] == ["nz-applied-machine-learning", "nz-data-ethics",
                                                           "nz-data-fundamentals", "nz-data-visualisation"]
    assert [o.id for o in dip.learning_outcomes] == ["id:outcome/nz-diploma-applied-data-analytics-1",
                                                     "id:outcome/nz-diploma-applied-data-analytics-2"]
    assert [s.id for s in dip.skills] == ["id:skill/data-management", "id:skill/data-privacy",
                                          "id:skill/data-visualisation"]
    qa = dip.qa_decisions[0]
    assert (qa.agency.id, qa.decision, qa.valid_from, qa.valid_until) == ("id:org/nzqa", "approved", "2024-07-01",
                                                                          "2029-06-30")
    rule = dip.stacking_rules[0]
    assert (rule.id, rule.max_micro_credential_credits) == ("id:rule/nz-diploma-applied-data-analytics", 60.0)
    assert (rule.required_credits.amount, rule.minimum_level.id) == (120.0, "id:level/nzqcf-4")
    assert [c.id for c in rule.required_components] == ["id:credential/nz-data-fundamentals"]
    assert [o.id for o in rule.required_outcomes] == ["id:outcome/nz-data-ethics-1"]
    assert [f.id for f in rule.accepted_fields] == ["id:isced/0542", "id:isced/0612", "id:isced/0613"]
    assert dip.assessments[0].type == "portfolio and capstone project" and dip.standalone is True


def test_credential_detail_of_a_part_with_expired_qa(bundled_store: OxigraphStore) -> None:
    eth = browse.credential(bundled_store, CRED + "nz-data-ethics")
    assert [p.id for p in eth.part_of] == ["id:credential/nz-diploma-applied-data-analytics"]
    assert (eth.parts, eth.stacking_rules) == ([], [])
    assert [(d.id, d.valid_until) for d in eth.qa_decisions] == [("id:qa-decision/nzqa-nz-data-ethics-2021",
                                                                  "2024-02-29")]
    assert eth.learning_outcomes[0].skills[0].label == "protect personal data"
    iioe = browse.credential(bundled_store, "id:credential/iioe-digital-competency-he-teaching")
    assert (iioe.credit, iioe.levels, iioe.notional_hours) == (None, [], 30.0)
    assert "https://eng.ichei.org/en/news/information/1005.html" in iioe.sources


def test_parts_stated_from_either_side(bundled_store_copy: OxigraphStore) -> None:
    # a part stated only by the whole (mc:hasPart, no mc:isPartOf on the part) still shows on both pages
    whole = ox.NamedNode(CRED + "my-bachelor-digital-marketing")
    part = ox.NamedNode(CRED + "example-prompt-writing-basics")
    graph = "https://w3id.org/mcgraph/graph/local/test-parts"
    bundled_store_copy.commit({graph: [ox.Quad(whole, ox.NamedNode(MC + "hasPart"), part, ox.NamedNode(graph))]},
                              [], replace=False)
    assert [w.id for w in browse.credential(bundled_store_copy, part.value).part_of] == [
        "id:credential/my-bachelor-digital-marketing"]
    assert part.value in [p.iri for p in browse.credential(bundled_store_copy, whole.value).parts]


def test_models_serialise_to_json(bundled_store: OxigraphStore) -> None:
    detail = browse.credential(bundled_store, "id:credential/my-bachelor-digital-marketing")
    data = json.loads(json.dumps(dataclasses.asdict(detail)))
    assert data["stacking_rules"][0]["required_components"][0]["id"] == "id:credential/my-social-media-analytics"


@pytest.mark.parametrize(("function", "iri"), [
    (browse.framework, "id:framework/no-such"), (browse.framework, "id:level/aqf-1"),
    (browse.level, "id:framework/aqf"), (browse.level, ID + "level/aqf-11"),
    (browse.credential, "id:org/nzqa"), (browse.credential, CRED + "no-such"),
])
def test_unknown_resources(bundled_store: OxigraphStore, function: Any, iri: str) -> None:
    with pytest.raises(UnknownResource):
        function(bundled_store, iri)


# -- organisations and countries ----------------------------------------------------------------------
def test_organisations_with_kinds_memberships_and_filter(bundled_store: OxigraphStore) -> None:
    orgs = {o.id: o for o in browse.organisations(bundled_store)}
    nzqa = orgs["id:org/nzqa"]
    assert (nzqa.name, nzqa.acronym, nzqa.country) == ("New Zealand Qualifications Authority", "NZQA", "NZ")
    assert nzqa.kinds == ["NationalInformationCentre", "QAAgency", "QualificationsAuthority"]
    assert [m.id for m in orgs["id:org/teqsa"].memberships] == ["id:org/apqn"]
    assert orgs["id:org/apqn"].memberships[0].label == ("International Network for Quality Assurance Agencies "
                                                        "in Higher Education")
    assert orgs["id:org/eqap"].alt_labels == ["EQAP", "SPBEA"]
    networks = [o.id for o in browse.organisations(bundled_store, "Network")]
    assert networks == ["id:org/apnnic", "id:org/apqn", "id:org/aqan", "id:org/inqaahe"]
    nics = [o.id for o in browse.organisations(bundled_store, "NIC")]
    assert "id:org/nic-japan" in nics and "id:org/teqsa" not in nics
    agencies = [o.id for o in browse.organisations(bundled_store, "mc:QAAgency")]
    assert "id:org/teqsa" in agencies and "id:org/nzqa" in agencies and "id:org/apnnic" not in agencies
    with pytest.raises(UsageError):
        browse.organisations(bundled_store, "University")
    with pytest.raises(UsageError):  # a class outside the vocabulary, even with a known local name
        browse.organisations(bundled_store, "https://example.org/QAAgency")


def test_countries_with_tokyo_convention_dates(bundled_store: OxigraphStore) -> None:
    nz = next(c for c in browse.countries(bundled_store, at=date(2020, 1, 1)) if c.code == "NZ")
    assert (nz.iri, nz.name, nz.subregion.iri, nz.frameworks) == (ID + "country/NZ", "New Zealand", MC + "Pacific",
                                                                  [ID + "framework/nzqcf"])
    tokyo = next(s for s in nz.conventions if s.id == "id:convention/tokyo-2011")
    assert (tokyo.label, tokyo.instrument, tokyo.deposit_date) == ("Tokyo Convention", "accession", "2017-08-01")
    assert (tokyo.convention_in_force, tokyo.since, tokyo.party) == ("2018-02-01", "2018-02-01", True)
    assert tokyo.participation == ID + "participation/tokyo-2011-NZ"
    assert "https://www.nicjp.niad.ac.jp/en/site/TokyoConvention.html" in tokyo.sources
    global_ = next(s for s in nz.conventions if s.id == "id:convention/global-2019")
    assert (global_.party_by, global_.party) == ("2024", False)  # joined in 2024: not yet a party in 2020


def test_party_is_false_before_entry_into_force(bundled_store: OxigraphStore) -> None:
    def status(code: str, convention: str, at: date) -> browse.ConventionStatus:
        country = next(c for c in browse.countries(bundled_store, at=at) if c.code == code)
        return next(s for s in country.conventions if s.id == convention)

    # Australia deposited in 2014; the convention entered into force on 1 February 2018
    assert status("AU", "id:convention/tokyo-2011", date(2018, 1, 31)).party is False
    assert status("AU", "id:convention/tokyo-2011", date(2018, 2, 1)).party is True
    assert status("AU", "id:convention/tokyo-2011", date(2018, 2, 1)).deposit_date == "2014-07-17"
    # Mongolia: in force for it from 1 May 2019
    assert status("MN", "id:convention/tokyo-2011", date(2019, 4, 30)).party is False
    assert status("MN", "id:convention/tokyo-2011", date(2019, 5, 1)).in_force_from == "2019-05-01"
    # New Zealand joined the Global Convention "in 2024": a party for certain only from the end of 2024
    assert status("NZ", "id:convention/global-2019", date(2024, 6, 1)).party is False
    assert status("NZ", "id:convention/global-2019", date(2024, 12, 31)).since == "2024-12-31"
    assert status("NZ", "id:convention/global-2019", date(2025, 1, 1)).party is True
    # Republic of Korea and Bangkok: a party, no date recorded to decide with
    assert status("KR", "id:convention/bangkok-1983", date(2025, 1, 1)).party is None


def test_countries_default_to_today(bundled_store: OxigraphStore) -> None:
    codes = [c.code for c in browse.countries(bundled_store)]
    assert codes == sorted(codes) and len(codes) == 58
    au = next(c for c in browse.countries(bundled_store) if c.code == "AU")
    assert {s.label: s.party for s in au.conventions} == {"Bangkok Convention": True, "Global Convention": True,
                                                          "Tokyo Convention": True}


# -- describe ---------------------------------------------------------------------------------------------
def test_describe_gives_triples_blank_nodes_and_labels(bundled_store: OxigraphStore) -> None:
    triples = browse.describe(bundled_store, "id:credential/nz-data-ethics")
    subject = ox.NamedNode(CRED + "nz-data-ethics")
    credit = next(t.object for t in triples if t.subject == subject and t.predicate.value == MC + "creditValue")
    assert isinstance(credit, ox.BlankNode)
    assert ox.Triple(credit, ox.NamedNode(MC + "creditAmount"),
                     ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))) in triples
    level_label = ox.Triple(ox.NamedNode(ID + "level/nzqcf-5"),
                            ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                            ox.Literal("NZQCF level 5", language="en"))
    assert level_label in triples
    blanks = {t.object for t in triples if isinstance(t.object, ox.BlankNode)}
    others = {t.subject for t in triples} - {subject} - blanks
    label_predicates = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
                        "http://purl.org/dc/terms/title"}
    assert all(t.predicate.value in label_predicates for t in triples if t.subject in others)
    assert len(triples) == len(set(triples))


def test_describe_unknown_is_empty(bundled_store: OxigraphStore) -> None:
    assert browse.describe(bundled_store, CRED + "no-such") == []
