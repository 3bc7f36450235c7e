"""Cross-framework comparison as users meet it: the HTTP API (TestClient) and the analyst's .rq files,
which must give the same one-hop and two-hop answers as the library. The CLI is tested in test_cli.py."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from mcgraph.config import Settings
from mcgraph.namespaces import GRAPH, ID
from mcgraph.queries import find_query, run
from mcgraph.referencing import ReferencingNetwork
from mcgraph.service import GraphService
from mcgraph.store import OxigraphStore
from mcgraph_api import create_app

TOKEN = "s3cret-token"
PROBLEM = "application/problem+json"


@pytest.fixture()
def client(bundled_store_copy: OxigraphStore) -> Iterator[TestClient]:
    settings = replace(Settings(store="memory", token=TOKEN))
    with TestClient(create_app(GraphService(bundled_store_copy, settings))) as c:
        yield c


@pytest.fixture(scope="module")
def network(bundled_store: OxigraphStore) -> ReferencingNetwork:
    return ReferencingNetwork.load(bundled_store)


# -- HTTP API ----------------------------------------------------------------------------------------
def test_compare_a_level_returns_the_chain_with_both_reports(client: TestClient) -> None:
    body = client.get("/compare", params={"level": "AQF:9", "to": "HKQF"}).json()
    assert body["level"]["id"] == "id:level/aqf-9"
    assert [t["code"] for t in body["targets"]] == ["HKQF"]
    (item,) = body["comparisons"]
    assert item["status"] == "matched"
    (match,) = item["matches"]
    assert match["level"]["id"] == "id:level/hkqf-6"
    chain = match["chains"][0]
    assert chain["path"] == "AQF 9 -> NZQCF 9 -> HKQF 6" and chain["via"] == ["NZQCF"]
    reports = [(h["report"]["id"], h["report"]["issued"], h["report"]["status"]) for h in chain["hops"]]
    assert reports == [("id:report/aqf-nzqcf", "2015", "comparison"), ("id:report/nzqcf-hkqf", "2018-08", "comparison")]
    assert all(h["report"]["sources"] and h["report"]["bodies"] for h in chain["hops"])
    assert 0 < chain["strength"] < 1 and chain["strength_label"] in ("strong", "moderate", "weak")


def test_compare_a_whole_framework_explains_a_missing_level_table(client: TestClient) -> None:
    body = client.get("/compare", params={"framework": "MQF", "to": "AQRF"}).json()
    assert body["level"] is None
    assert [c["level"]["notation"] for c in body["comparisons"]] == [str(n) for n in range(1, 9)]
    for item in body["comparisons"]:
        assert item["status"] == "table-not-in-graph" and item["matches"] == []
        (report,) = item["findings"][0]["reports"]
        assert report["status"] == "endorsed" and report["issued"].startswith("2019")
        assert report["level_table"] == "not-in-graph"


def test_compare_to_all_lists_every_reachable_framework(client: TestClient) -> None:
    body = client.get("/compare", params={"level": "NZQF:8", "to": "all"}).json()
    status = {c["target"]["code"]: c["status"] for c in body["comparisons"]}
    assert status["EQF"] == status["HKQF"] == status["NFQ"] == "no-match-by-agreement"
    assert status["AQF"] == "matched"


def test_matrix_has_a_row_per_level_and_a_column_per_target_level(client: TestClient) -> None:
    body = client.get("/compare/matrix", params={"framework": "nzqcf", "to": "eqf"}).json()
    assert [c["notation"] for c in body["columns"]] == [str(n) for n in range(1, 9)]
    cells = {r["level"]["notation"]: [c["level"]["notation"] for c in r["cells"]] for r in body["rows"]}
    assert cells == {"1": ["2"], "2": ["3"], "3": ["4"], "4": ["4"], "5": ["5"], "6": ["5"], "7": ["6"], "8": [],
                     "9": ["7"], "10": ["8"]}
    row8 = next(r for r in body["rows"] if r["level"]["notation"] == "8")
    assert row8["status"] == "no-match-by-agreement" and "by agreement" in row8["reason"]
    assert {r["id"] for r in body["reports"]} == {"id:report/nzqcf-eqf", "id:report/aqf-eqf", "id:report/aqf-nzqcf"}


@pytest.mark.parametrize("params,status,detail", [
    ({"to": "EQF"}, 400, "either level="),
    ({"level": "AQF:7", "framework": "AQF", "to": "EQF"}, 400, "either level="),
    ({"level": "AQF:77", "to": "EQF"}, 404, "AQF has no level '77'"),
    ({"level": "AQF:7", "to": "PQF"}, 400, "names several frameworks"),
    ({"level": "AQF:7", "to": "AQF"}, 400, "compared with itself"),
    ({"framework": "AQF:7", "to": "EQF"}, 404, "no framework"),
    ({"level": "AQF:7", "to": "EQF", "max_hops": "0"}, 400, "max_hops"),
])
def test_bad_comparisons_are_problems(client: TestClient, params: dict, status: int, detail: str) -> None:
    response = client.get("/compare", params=params)
    assert response.status_code == status and response.headers["content-type"].startswith(PROBLEM)
    assert detail in response.json()["detail"]


def test_comparison_follows_writes(client: TestClient) -> None:
    """The network is cached per dataset version: dropping a report's graph changes the answer at once."""
    before = client.get("/compare", params={"level": "AQF:9", "to": "HKQF"})
    assert before.json()["comparisons"][0]["status"] == "matched"
    dropped = client.delete("/graphs", params={"graph": f"{GRAPH}data/referencing/nzqcf-hkqf"},
                            headers={"Authorization": f"Bearer {TOKEN}"})
    assert dropped.status_code == 204
    after = client.get("/compare", params={"level": "AQF:9", "to": "HKQF"})
    assert after.headers["etag"] != before.headers["etag"]
    item = after.json()["comparisons"][0]
    assert item["status"] == "not-referenced" and "HKQF has never been referenced" in item["summary"]


def test_comparison_routes_are_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    compare = spec["paths"]["/compare"]["get"]
    assert compare["operationId"] == "compare"
    assert {p["name"] for p in compare["parameters"]} == {"level", "framework", "to", "max_hops"}
    assert spec["paths"]["/compare/matrix"]["get"]["operationId"] == "compareMatrix"
    assert "Comparison" in spec["components"]["schemas"] and "Matrix" in spec["components"]["schemas"]


# -- the analyst's queries agree with the library ------------------------------------------------------
def _levels_with_rows(network: ReferencingNetwork) -> list[str]:
    return sorted({r.from_level for r in network.rows} | {r.to_level for r in network.rows if r.to_level})


def test_one_hop_query_agrees_with_the_library(bundled_store: OxigraphStore, network: ReferencingNetwork) -> None:
    query = find_query("comparable-levels-one-hop")
    checked = 0
    for level in _levels_with_rows(network):
        rows = list(run(bundled_store, query, {"level": level}))
        from_sparql = {(r["targetFramework"].value, r["targetLevel"].value) for r in rows
                       if r["targetLevel"] is not None}
        agreed = {r["targetFramework"].value for r in rows if r["match"].value.endswith("NoMatch")}
        from_library = set()
        for item in network.compare(level, "all", max_hops=1).comparisons:
            from_library |= {(item.target.iri, m.level.iri) for m in item.matches + item.set_aside}
            if item.status == "no-match-by-agreement":
                assert item.target.iri in agreed, (level, item.target.code)
        assert from_sparql == from_library, level
        checked += 1
    assert checked >= 40  # every level in a table: AQF, NZQCF, EQF, HKQF, NFQ


def test_two_hop_query_agrees_with_the_library(bundled_store: OxigraphStore, network: ReferencingNetwork) -> None:
    query = find_query("comparable-levels-two-hops")
    found = 0
    for level in _levels_with_rows(network):
        rows = list(run(bundled_store, query, {"level": level}))
        from_sparql = {(r["viaLevel"].value, r["targetLevel"].value) for r in rows}
        from_library = set()
        for item in network.compare(level, "all", max_hops=2).comparisons:
            chains = [c for m in item.matches + item.set_aside for c in m.chains]
            from_library |= {(c.hops[0].to_level.iri, c.hops[1].to_level.iri) for c in chains if len(c.hops) == 2}
        assert from_sparql == from_library, level
        found += len(from_sparql)
    assert found > 20


def test_one_hop_query_keeps_no_match_rows_as_answers(bundled_store: OxigraphStore) -> None:
    query = find_query("comparable-levels-one-hop")
    rows = list(run(bundled_store, query, {"level": "id:level/nzqcf-8"}))
    agreed = sorted(r["targetFramework"].value.rsplit("/", 1)[-1] for r in rows if r["targetLevel"] is None)
    assert agreed == ["eqf", "hkqf", "nfq-ie"]
    assert {r["match"].value.rsplit("#")[-1] for r in rows if r["targetLevel"] is None} == {"NoMatch"}
    reverse = [r for r in rows if r["direction"].value == "reverse"]
    assert [r["targetLevel"].value for r in reverse] == [f"{ID}level/aqf-8"]


def test_referencing_quality_per_framework(client: TestClient) -> None:
    (nfq,) = client.get("/referencing/quality", params={"framework": "NFQ"}).json()
    checks = {(f["check"], f["severity"]) for f in nfq["findings"]}
    assert {("one-to-many", "info"), ("report-without-date", "warning")} <= checks
    fan = next(f for f in nfq["findings"] if f["check"] == "one-to-many")
    assert fan["levels"] == ["id:level/nzqcf-7", "id:level/nfq-ie-7", "id:level/nfq-ie-8"]
    assert fan["report"] == "id:report/nzqcf-nfq-ie"
    everything = client.get("/referencing/quality").json()
    assert {"AQF", "EQF", "MQF"} <= {r["framework"]["code"] for r in everything}
    assert client.get("/referencing/quality", params={"framework": "XQF"}).status_code == 404


def test_the_most_relevant_finding_sets_the_status(network: ReferencingNetwork) -> None:
    """The pair's own report first (AQF 8 -> EQF: the partial AQF-EQF table), then walks that reached the
    target's edge (AQF 8 -> HKQF: stopped after NZQCF 8 by the NZQCF-HKQF agreement)."""
    to_eqf = network.compare("AQF:8", "EQF").comparisons[0]
    assert [(f.kind, f.into) for f in to_eqf.findings] == [("not-in-level-table", "EQF"), ("no-match-in-chain", "EQF")]
    assert to_eqf.status == "not-in-level-table"
    to_hkqf = network.compare("AQF:8", "HKQF").comparisons[0]
    assert to_hkqf.status == "no-match-in-chain" and to_hkqf.findings[0].into == "HKQF"
    assert [h.to_level.name for h in to_hkqf.findings[0].chain] == ["NZQCF 8"]


def test_a_complete_table_that_reaches_no_level_is_an_agreement(network: ReferencingNetwork) -> None:
    item = network.compare("EQF:1", "NZQF").comparisons[0]
    assert item.status == "no-match-by-agreement" and item.matches == []
    assert item.summary.startswith("No match: no NZQCF level corresponds to EQF 1 in the complete level table")


def test_nothing_within_reach_is_said(network: ReferencingNetwork) -> None:
    result = network.compare("VQF:1", "all")
    assert result.targets == [] and result.comparisons == []
    assert result.note == "VQF takes part in no referencing report in the graph"
