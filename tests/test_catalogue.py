"""The analyst queries in queries/*.rq: documented, runnable as they stand, and right on known facts."""
from __future__ import annotations

import re
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from conftest import FIXTURES, ROOT, bench_generator
from mcgraph.queries import CannedQuery, parse_query_file, run, term_text
from mcgraph.store import OxigraphStore

QUERY_DIR = ROOT / "queries"
QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))
ID = "https://w3id.org/mcgraph/id/"
MC = "https://w3id.org/mcgraph/ns#"

REQUIRED = {
    "levels-of-framework", "referencing-reports", "correspondences-of-level", "comparable-levels-two-hops",
    "frameworks-by-subregion", "qa-agencies-and-networks", "convention-parties", "micro-credentials",
    "credentials-without-valid-qa", "credits-in-notional-hours", "frameworks-without-referencing",
    "stacking-contributors",
}


def query(name: str) -> CannedQuery:
    return parse_query_file(QUERY_DIR / f"{name}.rq")


def rows(store: OxigraphStore, name: str, **params: str) -> list[dict[str, str]]:
    """Run a catalogue query; each row as {variable: plain value}, '' when unbound."""
    result = run(store, query(name), params)
    names = [v.value for v in result.variables]
    return [{n: term_text(solution[n]) for n in names} for solution in result]


def ids(*slugs: str) -> list[str]:
    return [ID + s for s in slugs]


# -- every file: documented, parseable, runnable -----------------------------------------------

def test_the_catalogue_has_the_required_queries() -> None:
    assert len(QUERY_FILES) >= 12
    assert {p.stem for p in QUERY_FILES} >= REQUIRED


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_header_is_complete(path: Path) -> None:
    q = parse_query_file(path)
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^#\+ title: \S", text, re.M), "no '#+ title:'"
    assert q.title and q.title != path.stem
    assert len(q.description) > 40, "the description should say what the query answers and how to adapt it"
    for param in q.params:
        assert param.description, f"parameter {param.name} is not documented"
        assert param.default is not None, f"parameter {param.name} needs a default so the query runs as is"
        # pyoxigraph binds a substitution only for a variable of the SELECT projection
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        select = body[body.index("SELECT"):body.index("WHERE")]
        assert f"?{param.name}" in select, f"parameter ?{param.name} must be projected to be bound"


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_file_runs_unchanged_in_any_sparql_client(path: Path) -> None:
    """Its own PREFIX block suffices: no predeclared prefixes, no substitutions."""
    text = path.read_text(encoding="utf-8")
    assert re.search(r"^PREFIX ", text, re.M)
    result = ox.Store().query(text)  # raises SyntaxError on an undeclared prefix or bad syntax
    assert isinstance(result, ox.QuerySolutions)
    assert list(result) == []


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_shape_follows_the_performance_notes(path: Path) -> None:
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    assert "NOT EXISTS" not in text.upper(), "write anti-joins as OPTIONAL + FILTER(!BOUND(...))"
    for param in parse_query_file(path).params:
        # BOUND() on a substituted parameter is folded to false by the query optimiser
        assert f"BOUND(?{param.name})" not in text


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_runs_with_defaults_on_the_bundled_data(bundled_store: OxigraphStore, path: Path) -> None:
    start = time.perf_counter()
    found = rows(bundled_store, path.stem)
    assert time.perf_counter() - start < 5
    assert found, f"{path.stem} returned no rows with its defaults"


def test_every_query_is_listed_in_the_docs() -> None:
    doc = (ROOT / "docs" / "QUERIES.md").read_text(encoding="utf-8")
    for path in QUERY_FILES:
        assert f"`{path.stem}`" in doc, path.stem


# -- facts -------------------------------------------------------------------------------------

def test_aqf_levels_in_rank_order(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "levels-of-framework", framework="id:framework/aqf")
    assert [r["notation"] for r in found] == [str(n) for n in range(1, 11)]
    assert [Decimal(r["rank"]) for r in found] == sorted(Decimal(r["rank"]) for r in found)
    assert [r["level"] for r in found] == ids(*(f"level/aqf-{n}" for n in range(1, 11)))
    level7 = found[6]
    assert "Bachelor Degree" in level7["typicalQualifications"].split("; ")


def test_levels_of_another_framework(bundled_store: OxigraphStore) -> None:
    assert len(rows(bundled_store, "levels-of-framework", framework="id:framework/eqf")) == 8


def test_nzqcf_8_has_a_no_match_row_to_the_eqf(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "correspondences-of-level", level="id:level/nzqcf-8")
    no_match = [r for r in found if r["role"] == "source" and r["report"] == ID + "report/nzqcf-eqf"]
    assert len(no_match) == 1
    assert no_match[0]["matchType"] == MC + "NoMatch"
    assert no_match[0]["otherLevel"] == ""
    assert no_match[0]["source"]


def test_correspondences_as_target(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "correspondences-of-level", level="id:level/eqf-6")
    sources = {r["otherLevel"] for r in found if r["role"] == "target"}
    assert ID + "level/nzqcf-7" in sources


def test_two_hops_from_aqf_7_reach_eqf_6_through_nzqcf(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "comparable-levels-two-hops", level="id:level/aqf-7")
    via_nzqcf = [r for r in found
                 if r["targetLevel"] == ID + "level/eqf-6" and r["viaFramework"] == ID + "framework/nzqcf"]
    assert via_nzqcf, found
    chain = via_nzqcf[0]
    assert chain["viaLevel"] == ID + "level/nzqcf-7"
    assert chain["hop1Report"] == ID + "report/aqf-nzqcf" and chain["hop2Report"] == ID + "report/nzqcf-eqf"
    assert chain["hop1Match"] and chain["hop2Match"]
    # never a guess from equal numbers: EQF 7 is not reached from AQF 7
    assert ID + "level/eqf-7" not in {r["targetLevel"] for r in found}
    # every row is a chain of two recorded rows, away from the start framework
    for r in found:
        assert r["hop1Report"] and r["hop2Report"]
        assert r["targetFramework"] not in (ID + "framework/aqf", r["viaFramework"])


def test_two_hops_target_filter(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "comparable-levels-two-hops", level="id:level/aqf-7", target="id:framework/eqf")
    assert found and {r["targetFramework"] for r in found} == {ID + "framework/eqf"}
    full = rows(bundled_store, "comparable-levels-two-hops", level="id:level/aqf-7", target=ID + "framework/eqf")
    assert len(full) == len(found)


def test_referencing_reports_and_the_framework_filter(bundled_store: OxigraphStore) -> None:
    every = rows(bundled_store, "referencing-reports")
    assert {ID + "report/nzqcf-eqf", ID + "report/aqf-nzqcf", ID + "report/mqf-aqrf"} <= {r["report"] for r in every}
    nz = rows(bundled_store, "referencing-reports", framework="id:framework/nzqcf")
    assert nz and len(nz) < len(every)
    assert all(ID + "framework/nzqcf" in (r["fromFramework"], r["toFramework"]) for r in nz)
    nzqcf_eqf = next(r for r in every if r["report"] == ID + "report/nzqcf-eqf")
    assert nzqcf_eqf["levelTable"] == MC + "TableComplete" and int(nzqcf_eqf["correspondences"]) == 10
    mqf = next(r for r in every if r["report"] == ID + "report/mqf-aqrf")
    assert mqf["status"] == MC + "Endorsed" and mqf["levelTable"] == MC + "TableNotInGraph"
    assert int(mqf["correspondences"]) == 0


def test_frameworks_of_southeast_asia(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "frameworks-by-subregion")
    frameworks = {r["framework"] for r in found}
    assert {ID + "framework/mqf", ID + "framework/pqf-ph"} <= frameworks
    assert ID + "framework/aqf" not in frameworks
    mqf = next(r for r in found if r["framework"] == ID + "framework/mqf")
    assert mqf["iso2"] == "MY" and int(mqf["levelsInGraph"]) == 8


def test_tokyo_convention_parties(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "convention-parties")
    au = [r for r in found if r["party"] == ID + "country/AU"]
    assert len(au) == 1 and au[0]["depositDate"] == "2014-07-17"
    assert au[0]["instrument"] == "ratification"
    assert {r["iso2"] for r in found} >= {"AU", "CN", "NZ", "JP", "KR", "MN"}


def test_parties_in_force_at_a_date(bundled_store: OxigraphStore) -> None:
    every = {r["iso2"] for r in rows(bundled_store, "convention-parties")}
    mid_2018 = {r["iso2"] for r in rows(bundled_store, "convention-parties", at="2018-06-01")}
    assert "AU" in mid_2018  # deposited 2014, in force with the convention on 2018-02-01
    assert "MN" in every and "MN" not in mid_2018  # in force for Mongolia from 2019-05-01
    assert mid_2018 < every
    before = rows(bundled_store, "convention-parties", at="2017-01-01")
    assert before == []  # the convention entered into force on 2018-02-01


def test_qa_agencies_and_networks(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "qa-agencies-and-networks")
    assert any(ID + "org/apqn" in r["networks"].split() for r in found)


def test_credentials_without_valid_qa_include_the_expired_illustrative_one(bundled_store: OxigraphStore) -> None:
    expired = bundled_store.query("""
        SELECT DISTINCT ?c WHERE {
          ?d mc:qaSubject ?c ; mc:validUntil ?until . ?c mc:illustrative true .
          FILTER(?until < "2026-01-01"^^xsd:date)
          OPTIONAL { ?v mc:qaSubject ?c ; mc:validUntil ?later FILTER(?later >= "2026-01-01"^^xsd:date) }
          FILTER(!BOUND(?v))
        }""")
    expired = {s["c"].value for s in expired}
    assert expired, "the bundled data should hold an illustrative credential whose QA has expired"
    found = rows(bundled_store, "credentials-without-valid-qa", at="2026-01-01")
    listed = {r["credential"] for r in found}
    assert expired <= listed
    for r in found:
        if r["credential"] in expired:
            assert r["lastQaValidUntil"] < "2026-01-01"


def test_a_credential_with_valid_qa_is_not_listed(bundled_store: OxigraphStore) -> None:
    valid = bundled_store.query("""
        SELECT DISTINCT ?c WHERE {
          ?d mc:qaSubject ?c ; mc:validFrom ?from ; mc:validUntil ?until .
          ?c a ?kind . VALUES ?kind { mc:MicroCredential mc:Qualification }
          FILTER(?from <= "2026-01-01"^^xsd:date && ?until >= "2026-01-01"^^xsd:date)
        }""")
    valid = {s["c"].value for s in valid}
    listed = {r["credential"] for r in rows(bundled_store, "credentials-without-valid-qa", at="2026-01-01")}
    assert not (valid & listed)


def test_fifteen_nz_credits_are_150_hours(bundled_store: OxigraphStore) -> None:
    found = rows(bundled_store, "credits-in-notional-hours")
    nz15 = [r for r in found if r["creditSystem"] == ID + "credit-system/nzqcf-credit"
            and Decimal(r["credits"]) == 15]
    assert nz15, "the bundled data should hold a 15-credit NZQCF credential"
    for r in nz15:
        assert Decimal(r["minHours"]) == Decimal(r["maxHours"]) == 150
        assert "10" in r["rule"]
    one = rows(bundled_store, "credits-in-notional-hours", credential=nz15[0]["credentialIri"])
    assert {r["credentialIri"] for r in one} == {nz15[0]["credentialIri"]}


def test_a_credit_range_gives_min_and_max_hours(memory_store: OxigraphStore) -> None:
    graph = ox.NamedNode("https://example.org/g")
    turtle = f"""
        @prefix mc: <{MC}> .
        <{ID}credential/x> a mc:MicroCredential ;
            mc:creditValue [ mc:creditAmount 4.0 ; mc:creditSystem <{ID}credit-system/ects> ] .
        <{ID}credit-system/ects> mc:minHoursPerCredit 25.0 ; mc:maxHoursPerCredit 30.0 .
    """
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in ox.parse(turtle, format=ox.RdfFormat.TURTLE)]
    memory_store.commit({graph.value: quads}, [], replace=True)
    (r,) = rows(memory_store, "credits-in-notional-hours")
    assert (Decimal(r["minHours"]), Decimal(r["maxHours"])) == (100, 120)
    assert r["rule"] == "1 credit = 25-30 notional hours"


def test_micro_credentials_filters(bundled_store: OxigraphStore) -> None:
    every = rows(bundled_store, "micro-credentials")
    assert every
    sample = next(r for r in every if r["levelIri"] and r["awardingBody"])
    by_level = rows(bundled_store, "micro-credentials", level=sample["levelIri"])
    assert by_level and all(r["levelIri"] == sample["levelIri"] for r in by_level)
    curie = "id:" + sample["awardingBody"].removeprefix(ID)
    by_provider = rows(bundled_store, "micro-credentials", provider=curie)
    assert by_provider and all(r["awardingBody"] == sample["awardingBody"] for r in by_provider)
    with_field = [r for r in every if r["fieldCode"]]
    if with_field:
        code = with_field[0]["fieldCode"]
        by_field = rows(bundled_store, "micro-credentials", field=code)
        assert by_field and all(r["fieldCode"] == code for r in by_field)
    assert rows(bundled_store, "micro-credentials", provider="id:org/no-such-provider") == []


def test_frameworks_without_referencing(bundled_store: OxigraphStore) -> None:
    found = {r["framework"] for r in rows(bundled_store, "frameworks-without-referencing")}
    referenced = ids("framework/aqf", "framework/nzqcf", "framework/eqf", "framework/hkqf", "framework/mqf",
                     "framework/aqrf")
    assert not (found & set(referenced))
    assert ID + "framework/vqf" in found


def test_stacking_contributors(bundled_store: OxigraphStore) -> None:
    q = query("stacking-contributors")
    default = next(p.default for p in q.params if p.name == "qualification")
    found = rows(bundled_store, "stacking-contributors")
    assert found
    assert {r["qualification"] for r in found} == {default.replace("id:", ID, 1)}
    assert all(r["relation"] for r in found)
    assert any(r["credits"] for r in found)


# -- the register-scale queries: streamed in store order, same answers as their sorted versions ----------
# tests/fixtures/queries-sorted/ holds these three queries as they were with a top-level ORDER BY (and,
# for credentials-without-valid-qa, GROUP BY): the reference their rewritten versions must agree with.
SORTED = FIXTURES / "queries-sorted"
STREAMED = ("micro-credentials", "credits-in-notional-hours", "credentials-without-valid-qa")
EX = "https://example.org/"
EDGE_CASES = f"""
@prefix mc: <{MC}> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix ex: <{EX}> .
ex:joint a mc:MicroCredential ; dct:title "Joint" ; mc:awardingBody ex:uni-a, ex:uni-b .
ex:qa-a1 mc:qaSubject ex:uni-a ; mc:validFrom "2020-01-01"^^xsd:date ; mc:validUntil "2030-01-01"^^xsd:date ;
    mc:decision "accredited" .
ex:qa-a2 mc:qaSubject ex:uni-a ; mc:validFrom "2021-01-01"^^xsd:date ; mc:decision "re-accredited" .
ex:qa-b1 mc:qaSubject ex:uni-b ; mc:decision "refused" .
ex:qa-j1 mc:qaSubject ex:joint ; mc:validUntil "2024-12-31"^^xsd:date .
ex:qa-j2 mc:qaSubject ex:joint ; mc:validFrom "2023-01-01"^^xsd:date ; mc:validUntil "2024-12-31"^^xsd:date .
ex:qa-j3 mc:qaSubject ex:joint ; mc:validFrom "2025-06-01"^^xsd:date ; mc:validUntil "2027-01-01"^^xsd:date ;
    mc:decision "Not accredited" .
ex:untitled a mc:Qualification ; mc:awardingBody ex:uni-b .
ex:lonely a mc:MicroCredential ; dct:title "Lonely" ; mc:illustrative true .
ex:valid a mc:MicroCredential, mc:Qualification ; dct:title "Valid" ; mc:awardingBody ex:uni-b .
ex:qa-v mc:qaSubject ex:valid ; mc:validFrom "2020-01-01"^^xsd:date ; mc:validUntil "2030-12-31"^^xsd:date ;
    mc:decision "approved" .
ex:bilingual a mc:MicroCredential ; dct:title "Zeta"@en, "Alpha"@fr ; mc:awardingBody ex:uni-a .
"""
DATES = ("2026-01-01", "2019-06-01", "2024-12-31", "2031-01-01")


@pytest.fixture(scope="module")
def varied_store(bundled_nquads: bytes, tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """The bundled data, 300 generated micro-credentials and the edge cases above, each in a graph of its own."""
    generated = tmp_path_factory.mktemp("generated") / "mc-300.ttl"
    bench_generator().generate(generated, 300, seed=3)
    store = OxigraphStore("memory")
    store._store.load(bundled_nquads, ox.RdfFormat.N_QUADS)
    store._store.load(path=generated, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "generated"))
    store._store.load(EDGE_CASES, ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(EX + "edge-cases"))
    yield store
    store.close()


def sorted_rows(store: OxigraphStore, name: str, **params: str) -> list[dict[str, str]]:
    result = run(store, parse_query_file(SORTED / f"{name}.rq"), params)
    names = [v.value for v in result.variables]
    return [{n: term_text(solution[n]) for n in names} for solution in result]


def as_set(found: list[dict[str, str]]) -> set[tuple[tuple[str, str], ...]]:
    return {tuple(sorted(r.items())) for r in found}


@pytest.mark.parametrize("name", STREAMED)
def test_register_scale_queries_neither_sort_nor_group_at_the_top_level(name: str) -> None:
    text = "\n".join(line.split("#")[0] for line in (QUERY_DIR / f"{name}.rq").read_text().splitlines())
    assert not re.search(r"\b(ORDER|GROUP)\s+BY\b", text, re.I), "a page would wait for every credential"
    assert "rows come in store order" in query(name).description.lower()


@pytest.mark.parametrize("name,params", [
    ("micro-credentials", {}), ("micro-credentials", {"field": "0613"}),
    ("micro-credentials", {"provider": "id:org/example-polytechnic-nz"}), ("credits-in-notional-hours", {}),
    ("credits-in-notional-hours", {"credential": "id:credential/nz-data-fundamentals"}),
])
def test_streamed_lists_hold_the_rows_of_their_sorted_versions(varied_store: OxigraphStore, name: str,
                                                               params: dict[str, str]) -> None:
    found = rows(varied_store, name, **params)
    assert len(found) > (0 if params else 300)
    assert as_set(found) == as_set(sorted_rows(varied_store, name, **params))
    assert len(found) == len(sorted_rows(varied_store, name, **params))


def _per_credential(found: list[dict[str, str]], split_bodies: bool) -> dict[tuple[str, str, str], tuple]:
    """(credential, kind, illustrative) -> (title, awarding bodies, last valid-until, provider QA valid)."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for r in found:
        groups[(r["credential"], r["kind"], r["illustrative"])].append(r)
    answer = {}
    for key, group in groups.items():
        facts = {(r["title"], r["lastQaValidUntil"], r["providerQaValid"]) for r in group}
        assert len(facts) == 1, (key, facts)  # one answer per credential, whatever the row
        bodies = [b for r in group for b in (r["awardingBodies"].split() if split_bodies else [r["awardingBodies"]])]
        if not split_bodies:
            assert len(group) == max(len(set(bodies) - {""}), 1), (key, group)  # one row per awarding body
        answer[key] = (*facts.pop(), frozenset(bodies) - {""})
    return answer


@pytest.mark.parametrize("at", DATES)
def test_credentials_without_valid_qa_answer_as_the_grouped_version(varied_store: OxigraphStore, at: str) -> None:
    found = rows(varied_store, "credentials-without-valid-qa", at=at)
    before = sorted_rows(varied_store, "credentials-without-valid-qa", at=at)
    bilingual = (EX + "bilingual", MC + "MicroCredential", "")
    assert {r["title"] for r in found if r["credential"] == bilingual[0]} == {"Alpha"}  # one title, the first
    new, old = _per_credential(found, split_bodies=False), _per_credential(before, split_bodies=True)
    assert old.pop(bilingual)[0] in ("Alpha", "Zeta") and new.pop(bilingual)
    assert new == old and len(new) > 200
    if at == DATES[0]:  # data that tells the answers apart
        assert {v[2] for v in new.values()} == {"true", "false"}
        assert any(v[1] for v in new.values()) and any(len(v[3]) > 1 for v in new.values())


def test_credentials_without_valid_qa_edge_cases(varied_store: OxigraphStore) -> None:
    def facts(at: str) -> dict[str, list[tuple[str, ...]]]:
        found = defaultdict(list)
        for r in rows(varied_store, "credentials-without-valid-qa", at=at):
            if r["credential"].startswith(EX):
                found[r["credential"].removeprefix(EX)].append(
                    (r["kind"].removeprefix(MC), r["awardingBodies"].removeprefix(EX), r["lastQaValidUntil"],
                     r["providerQaValid"]))
        return {k: sorted(v) for k, v in found.items()}

    assert facts("2026-01-01") == {
        "joint": [("MicroCredential", "uni-a", "2027-01-01", "true"),
                  ("MicroCredential", "uni-b", "2027-01-01", "true")],
        "untitled": [("Qualification", "uni-b", "", "false")],
        "lonely": [("MicroCredential", "", "", "false")],
        "bilingual": [("MicroCredential", "uni-a", "", "true")],
    }
    in_2024 = facts("2024-12-31")
    assert "joint" not in in_2024 and "valid" not in in_2024  # decisions valid on their last day
    in_2031 = facts("2031-01-01")
    assert in_2031["valid"] == [("MicroCredential", "uni-b", "2030-12-31", "false"),
                                ("Qualification", "uni-b", "2030-12-31", "false")]
    assert in_2031["joint"][0][3] == "true"  # uni-a's open-ended re-accreditation
