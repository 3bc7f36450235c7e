"""Stacking as users meet it: the HTTP API (TestClient over a private copy of the bundled graph) and the
`mcgraph stack / stackable / pathways` commands as real processes. Values come from the bundled
illustrative data: data/credentials/nz-micro-credentials.ttl and hong-kong-example.ttl."""
from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import API_TOKEN, assert_problem, mcgraph
from mcgraph import executor
from mcgraph.namespaces import GRAPH
from mcgraph.service import GraphService
from mcgraph.stacking import Stacking
from mcgraph.store import OxigraphStore

DIPLOMA = "nz-diploma-applied-data-analytics"
HK = "id:credential/hk-higher-diploma-data-science"
NZ_HELD = ["nz-data-fundamentals", "nz-data-visualisation", "nz-applied-machine-learning", "nz-data-ethics"]
ETHICS_OUTCOME = "id:outcome/nz-data-ethics-1"


def cid(slug: str) -> str:
    return f"id:credential/{slug}"


def by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


# -- POST /stack with a target: the evaluation ----------------------------------------------------------
def test_stack_against_the_diploma_after_ethics_qa_expired(client: TestClient, bundled_store: OxigraphStore) -> None:
    response = client.post("/stack", json={"credentials": NZ_HELD, "target": DIPLOMA, "at": "2026-01-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["qualification"]["id"] == cid(DIPLOMA) and body["at"] == "2026-01-01"
    creds = by_id(body["credentials"])
    assert {k: c["counts"] for k, c in creds.items()} == {
        cid("nz-data-fundamentals"): True, cid("nz-data-visualisation"): True,
        cid("nz-applied-machine-learning"): True, cid("nz-data-ethics"): False}
    ethics = creds[cid("nz-data-ethics")]
    assert ethics["qa"]["status"] == "expired" and ethics["qa"]["valid_until"] == "2024-02-29"
    assert ethics["credited"] == "0" and ethics["value"] == "5" and "QA expired" in ethics["why"]
    assert [creds[cid(s)]["credited"] for s in NZ_HELD[:3]] == ["10", "15", "20"]
    credits = body["credits"]
    assert (credits["required"], credits["total"], credits["remaining"]) == ("120", "45", "75")
    assert (credits["micro_credential_cap"], credits["prior_learning_cap"]) == ("60", "30")
    assert credits["remaining_within_cap"] == "15" and credits["met"] is False
    reqs = {(r["kind"], r["id"]): r for r in body["requirements"]}
    assert reqs[("component", cid("nz-data-fundamentals"))]["met"] is True
    assert reqs[("group", "group-1")]["met"] is True
    outcome = reqs[("outcome", ETHICS_OUTCOME)]
    assert outcome["met"] is False and [o["id"] for o in outcome["options"]] == [cid("nz-data-ethics")]
    assert body["complete"] is False
    assert any(ETHICS_OUTCOME in line for line in body["remains"])
    assert any(line.startswith("75 of 120 NZQCF credit") for line in body["remains"])
    # nothing in the graph attests the outcome with QA in force: no plan can complete the rule
    assert body["completion"]["possible"] is False and body["completion"]["plans"] == []
    expected = Stacking(bundled_store).evaluate(NZ_HELD, DIPLOMA, date(2026, 1, 1))
    assert body == dataclasses.asdict(expected)


def test_stack_while_ethics_qa_is_in_force(client: TestClient) -> None:
    body = client.post("/stack", json={"credentials": NZ_HELD, "target": DIPLOMA, "at": "2023-06-01"}).json()
    creds = by_id(body["credentials"])
    ethics = creds[cid("nz-data-ethics")]
    assert ethics["counts"] is True and ethics["qa"]["status"] == "in-force" and ethics["credited"] == "5"
    # the other three are approved from 2025 only
    assert {creds[cid(s)]["qa"]["status"] for s in NZ_HELD[:3]} == {"not-yet-valid"}
    reqs = {(r["kind"], r["id"]): r for r in body["requirements"]}
    assert reqs[("outcome", ETHICS_OUTCOME)]["met"] is True
    assert [h["id"] for h in reqs[("outcome", ETHICS_OUTCOME)]["held"]] == [cid("nz-data-ethics")]
    assert reqs[("component", cid("nz-data-fundamentals"))]["met"] is False
    assert body["credits"]["total"] == "5" and body["credits"]["remaining"] == "115"


def test_prior_learning_counts_up_to_its_cap(client: TestClient) -> None:
    body = client.post("/stack", json={"credentials": NZ_HELD, "target": DIPLOMA, "at": "2026-01-01",
                                       "prior_learning": 40, "plans": 0}).json()
    assert body["credits"]["prior_learning"] == "30" and body["credits"]["total"] == "75"
    assert body["completion"] is None


# -- POST /stack without a target: discovery -------------------------------------------------------------
def test_discovery_ranks_the_nz_diploma_before_the_hk_higher_diploma(client: TestClient,
                                                                     bundled_store: OxigraphStore) -> None:
    response = client.post("/stack", json={"credentials": NZ_HELD, "at": "2026-01-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert sorted(c["id"] for c in body["credentials"]) == sorted(cid(s) for s in NZ_HELD)
    ranked = [r["qualification"]["id"] for r in body["results"]]
    assert ranked[:2] == [cid(DIPLOMA), HK]
    closeness = [r["closeness"] for r in body["results"]]
    assert closeness == sorted(closeness, reverse=True) and closeness[0] > closeness[1] > 0
    assert all(r["completion"] is None for r in body["results"])
    hk = next(r for r in body["results"] if r["qualification"]["id"] == HK)
    creds = by_id(hk["credentials"])
    ml = creds[cid("nz-applied-machine-learning")]
    assert ml["counts"] is True and ml["level"]["how"] == "referencing" and ml["level"]["met"] is True
    assert ml["level"]["required"] == "HKQF 4" and ml["level"]["compared_to"] == ["HKQF 4"]
    assert ml["level"]["evidence"][0]["path"] == "NZQCF 6 -> HKQF 4"
    fundamentals = creds[cid("nz-data-fundamentals")]["level"]
    assert fundamentals["how"] == "referencing" and fundamentals["met"] is False
    assert fundamentals["compared_to"] == ["HKQF 3"]
    # the HK rule caps micro-credential credit at 30: visualisation counts 10 of its 15
    vis = creds[cid("nz-data-visualisation")]
    assert (vis["value"], vis["credited"], vis["capped"]) == ("15", "10", True)
    assert (hk["credits"]["total"], hk["credits"]["micro_credential_cap"]) == ("30", "30")
    assert body == dataclasses.asdict(Stacking(bundled_store).discover(NZ_HELD, date(2026, 1, 1)))


def test_discovery_follows_writes(client: TestClient, service: GraphService) -> None:
    """The network and credit systems are read once per dataset version; a write changes the answer at once."""
    before = client.post("/stack", json={"credentials": NZ_HELD, "at": "2026-01-01"}).json()
    assert HK in [r["qualification"]["id"] for r in before["results"]]
    network = executor._shared["network"]
    assert client.post("/stack", json={"credentials": NZ_HELD, "at": "2026-01-02"}).status_code == 200
    assert executor._shared["network"] is network  # same version: not read again
    dropped = client.delete("/graphs", params={"graph": f"{GRAPH}data/credentials/hong-kong-example"},
                            headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert dropped.status_code == 204
    after = client.post("/stack", json={"credentials": NZ_HELD, "at": "2026-01-01"}).json()
    assert [r["qualification"]["id"] for r in after["results"]] == [cid(DIPLOMA)]
    assert executor._shared["network"] is not network


# -- errors -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("body,status,detail", [
    ({"credentials": ["nz-no-such-credential"]}, 404, "not a credential in the graph: id:credential/nz-no-such"),
    ({"credentials": NZ_HELD, "target": "nz-no-such-diploma"}, 404, "nz-no-such-diploma"),
    ({"credentials": NZ_HELD, "target": "nz-data-fundamentals"}, 404, "has no stacking rule"),
    ({"credentials": NZ_HELD, "at": "2026-02-30"}, 400, "body.at"),
    ({"credentials": NZ_HELD, "at": "01/01/2026"}, 400, "body.at"),
    ({"credentials": []}, 400, "body.credentials"),
    ({"credentials": ["nz-data-fundamentals"] * 101}, 400, "body.credentials"),
    ({"credentials": NZ_HELD, "target": DIPLOMA, "plans": 6}, 400, "body.plans"),
    ({"credentials": NZ_HELD, "target": DIPLOMA, "cost": "dollars"}, 400, "body.cost"),
    ({"credentials": NZ_HELD, "prior_learning": -1}, 400, "body.prior_learning"),
    ({"credentials": NZ_HELD, "targets": DIPLOMA}, 400, "body.targets"),
])
def test_bad_stack_requests_are_problems(client: TestClient, body: dict, status: int, detail: str) -> None:
    assert_problem(client.post("/stack", json=body), status, detail)


def test_stack_needs_no_token_but_a_json_body(client: TestClient) -> None:
    assert client.post("/stack", json={"credentials": ["nz-data-fundamentals"]}).status_code == 200
    assert_problem(client.post("/stack", content=b"nz-data-fundamentals"), 400, "body")


# -- GET /qualifications/{slug}/stackable -----------------------------------------------------------
def test_stackable_lists_the_nz_micro_credentials_for_the_diploma(client: TestClient) -> None:
    response = client.get(f"/qualifications/{DIPLOMA}/stackable", params={"at": "2026-01-01"})
    assert response.status_code == 200 and response.headers["etag"].startswith('W/"')
    body = response.json()
    assert body["qualification"]["id"] == cid(DIPLOMA)
    assert [r["id"] for r in body["rules"]] == [f"id:rule/{DIPLOMA}"]
    assert (body["total"], body["counting"]) == (4, 3)
    # counting first, larger credit first; the expired one last
    assert [(c["id"], c["counts"], c["value"]) for c in body["credentials"]] == [
        (cid("nz-applied-machine-learning"), True, "20"), (cid("nz-data-visualisation"), True, "15"),
        (cid("nz-data-fundamentals"), True, "10"), (cid("nz-data-ethics"), False, "5")]
    limited = client.get(f"/qualifications/{DIPLOMA}/stackable", params={"at": "2026-01-01", "limit": 2}).json()
    assert limited["total"] == 4 and len(limited["credentials"]) == 2
    again = client.get(f"/qualifications/{DIPLOMA}/stackable", params={"at": "2026-01-01"},
                       headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path,params,status,detail", [
    ("/qualifications/nz-data-fundamentals/stackable", {}, 404, "id:credential/nz-data-fundamentals has no stacking"),
    ("/qualifications/nz-no-such-diploma/stackable", {}, 404, "nz-no-such-diploma"),
    (f"/qualifications/{DIPLOMA}/stackable", {"at": "2026-1-1x"}, 400, "query.at"),
    (f"/qualifications/{DIPLOMA}/stackable", {"limit": 0}, 400, "query.limit"),
    (f"/qualifications/{DIPLOMA}/stackable", {"limit": 1001}, 400, "query.limit"),
    ("/pathways", {}, 400, "query.credential"),
    ("/pathways", {"credential": "nz-no-such-credential"}, 404, "not a credential in the graph"),
    ("/pathways", {"credential": ["nz-data-fundamentals"] * 101}, 400, "at most 100"),
])
def test_bad_stackable_and_pathway_requests(client: TestClient, path: str, params: dict, status: int,
                                            detail: str) -> None:
    assert_problem(client.get(path, params=params), status, detail)


# -- GET /pathways ----------------------------------------------------------------------------------
def test_pathways_chain_from_a_micro_credential_to_the_diploma(client: TestClient) -> None:
    response = client.get("/pathways", params={"credential": ["nz-data-fundamentals", "id:credential/nz-data-ethics"]})
    assert response.status_code == 200 and "etag" in response.headers
    body = response.json()
    assert [cid("nz-data-fundamentals"), cid(DIPLOMA)] in body["chains"]
    assert [cid("nz-data-ethics"), cid(DIPLOMA)] in body["chains"]
    edges = {(e["source"], e["target"]): e["relation"] for e in body["edges"]}
    assert edges[(cid("nz-data-fundamentals"), cid(DIPLOMA))] == "part, required component"
    titles = {n["id"]: n["title"] for n in body["nodes"]}
    assert titles[cid(DIPLOMA)].startswith("Diploma in Applied Data Analytics")


# -- OpenAPI --------------------------------------------------------------------------------------
def test_stacking_routes_are_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    stack = spec["paths"]["/stack"]["post"]
    assert stack["operationId"] == "stack" and stack["summary"]
    refs = {s["$ref"] for s in stack["responses"]["200"]["content"]["application/json"]["schema"]["anyOf"]}
    assert refs == {"#/components/schemas/Evaluation", "#/components/schemas/Discovery"}
    body = stack["requestBody"]["content"]["application/json"]
    assert set(body["examples"]) == {"evaluate", "discover"}
    request = spec["components"]["schemas"]["StackRequest"]["properties"]
    assert request["plans"]["maximum"] == 5 and request["credentials"]["maxItems"] == 100
    stackable = spec["paths"]["/qualifications/{slug}/stackable"]["get"]
    assert stackable["operationId"] == "stackable"
    assert {p["name"] for p in stackable["parameters"]} == {"slug", "at", "limit"}
    assert spec["paths"]["/pathways"]["get"]["operationId"] == "pathways"
    assert {"Evaluation", "Discovery", "Stackable", "Pathways"} <= set(spec["components"]["schemas"])


# -- the CLI ----------------------------------------------------------------------------------------
def test_cli_stack_json_is_the_library_result(initialised: Path, bundled_store: OxigraphStore) -> None:
    result = mcgraph("stack", *NZ_HELD, "--target", DIPLOMA, "--at", "2026-01-01", "--format", "json",
                     store=initialised)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body == dataclasses.asdict(Stacking(bundled_store).evaluate(NZ_HELD, DIPLOMA, date(2026, 1, 1)))
    assert body["credits"]["total"] == "45"
    assert not by_id(body["credentials"])[cid("nz-data-ethics")]["counts"]


def test_cli_stack_table_names_the_qualification_and_what_remains(initialised: Path) -> None:
    result = mcgraph("stack", *NZ_HELD, "--target", DIPLOMA, "--at", "2026-01-01", store=initialised)
    assert result.returncode == 0, result.stderr
    assert "Diploma in Applied Data Analytics (Level 5) (illustrative)" in result.stdout
    assert "What remains" in result.stdout and ETHICS_OUTCOME in result.stdout
    assert "45 of 120 NZQCF credit" in result.stdout and "QA expired" in result.stdout


def test_cli_discovery_ranks_both_diplomas(initialised: Path) -> None:
    table = mcgraph("stack", *NZ_HELD, "--at", "2026-01-01", store=initialised)
    assert table.returncode == 0, table.stderr
    assert table.stdout.index(cid(DIPLOMA)) < table.stdout.index(HK)
    assert "what remains" in table.stdout and "30 of 120 HKQF credit" in table.stdout
    body = json.loads(mcgraph("stack", *NZ_HELD, "--at", "2026-01-01", "--format", "json", store=initialised).stdout)
    assert [r["qualification"]["id"] for r in body["results"]][:2] == [cid(DIPLOMA), HK]


def test_cli_stackable_and_pathways(initialised: Path) -> None:
    stackable = mcgraph("stackable", DIPLOMA, "--at", "2026-01-01", "--limit", "3", "--format", "json",
                        store=initialised)
    assert stackable.returncode == 0, stackable.stderr
    body = json.loads(stackable.stdout)
    assert (body["total"], body["counting"]) == (4, 3)
    assert [c["id"] for c in body["credentials"]] == [cid(s) for s in NZ_HELD[2::-1]]
    table = mcgraph("stackable", DIPLOMA, "--at", "2026-01-01", store=initialised)
    assert "3 of 4 count" in table.stdout and "Data Ethics and Privacy" in table.stdout
    pathways = mcgraph("pathways", "nz-data-fundamentals", store=initialised)
    assert pathways.returncode == 0, pathways.stderr
    assert "Data Fundamentals (illustrative) (id:credential/nz-data-fundamentals) -> Diploma in Applied Data" \
           in pathways.stdout
    chains = json.loads(mcgraph("pathways", "nz-data-fundamentals", "--format", "json", store=initialised).stdout)
    assert chains["chains"] == [[cid("nz-data-fundamentals"), cid(DIPLOMA)]]


@pytest.mark.parametrize("args,message", [
    (["stack", "nz-data-fundamentals", "--at", "2026-13-01"], "not a date: '2026-13-01'; expected YYYY-MM-DD"),
    (["stack", "nz-data-fundamentals", "--at", "tomorrow"], "not a date: 'tomorrow'"),
    (["stackable", DIPLOMA, "--at", "20260101"], "not a date: '20260101'"),
    (["stack", "nz-data-fundamentals", "--target", DIPLOMA, "--plans", "6"], "plans must be between 0 and 5"),
    (["stack", "nz-data-fundamentals", "--target", DIPLOMA, "--cost", "dollars"], "unknown cost"),
    (["stack", "nz-data-fundamentals", "--prior-learning", "lots"], "not a credit amount"),
    (["stack", "nz-data-fundamentals", "--format", "csv"], "unknown format"),
    (["stack", "nz-no-such-credential"], "not a credential in the graph"),
    (["stackable", "nz-data-fundamentals"], "has no stacking rule"),
    (["stackable", DIPLOMA, "--limit", "0"], "--limit must be at least 1"),
])
def test_cli_stacking_usage_errors_exit_2(initialised: Path, args: list[str], message: str) -> None:
    result = mcgraph(*args, store=initialised)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and result.stdout == ""


def test_cli_stack_on_an_empty_store_says_to_init(tmp_path: Path) -> None:
    result = mcgraph("stack", "nz-data-fundamentals", store=tmp_path / "empty")
    assert result.returncode == 2 and "mcgraph init" in result.stderr
