"""Recognition as users meet it: POST /recognition (TestClient over a private copy of the bundled graph), the
Markdown case-file attachment and `mcgraph assess` as a real process. Values come from the bundled
illustrative data (data/credentials/nz-micro-credentials.ttl) and the referencing reports."""
from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import assert_problem, mcgraph
from mcgraph.config import Settings
from mcgraph.recognition import assess
from mcgraph.recognition_report import SECTIONS, to_markdown
from mcgraph.service import GraphService
from mcgraph.store import OxigraphStore
from mcgraph_api import create_app

ETHICS = "nz-data-ethics"
SUBMISSION = """@prefix mc: <https://w3id.org/mcgraph/ns#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/credential/sample-aqf-7> a mc:MicroCredential ;
  dct:title "Sample AQF 7 micro-credential (illustrative)"@en ;
  mc:awardingBody <https://w3id.org/mcgraph/id/org/example-polytechnic-nz> ;
  mc:issuerCountry <https://w3id.org/mcgraph/id/country/NZ> ;
  mc:level <https://w3id.org/mcgraph/id/level/aqf-7> ;
  mc:credentialFormat mc:W3CVerifiableCredential ;
  mc:illustrative true .
"""
# a level that is not a level: the shapes refuse it
NON_CONFORMANT = SUBMISSION.replace("<https://w3id.org/mcgraph/id/level/aqf-7>", '"seven"')


def parts(items: list[dict]) -> dict[str, str]:
    return {p["id"]: p["status"] for p in items}


# -- a stored credential ---------------------------------------------------------------------------------
def test_nz_data_ethics_in_hong_kong_after_its_qa_expired(client: TestClient, bundled_store: OxigraphStore) -> None:
    response = client.post("/recognition", json={"credential": ETHICS, "host": "HK", "at": "2026-01-01"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["id"] == f"id:credential/{ETHICS}" and body["at"] == "2026-01-01" and body["submitted"] is False
    assert body["host"]["country"] == "HK" and body["issuer"]["country"] == "NZ"
    assert parts(body["unesco"]) == {"UNESCO-part1": "met", "UNESCO-part2": "met", "UNESCO-part3": "met",
                                     "UNESCO-part4": "not met"}
    assert body["quality_assurance"]["status"]["status"] == "expired"
    assert "qa-expired" in {f["code"] for f in body["differences"]}
    [hkqf] = [c for c in body["comparability"] if c["host_framework"] == "HKQF"]
    assert (hkqf["credential_level"], hkqf["status"]) == ("NZQCF 5", "matched")
    assert [m["level"] for m in hkqf["matches"]] == ["HKQF 4"]
    assert body["trust"]["score"] == 0.8
    expected = assess(bundled_store, bundled_store, ETHICS, "HK", date(2026, 1, 1))
    assert body == json.loads(json.dumps(dataclasses.asdict(expected)))


def test_while_its_qa_was_in_force_there_is_no_qa_finding(client: TestClient) -> None:
    body = client.post("/recognition", json={"credential": ETHICS, "host": "Hong Kong SAR, China",
                                             "at": "2023-06-01"}).json()
    assert body["host"]["country"] == "HK"
    assert "qa-expired" not in {f["code"] for f in body["differences"]}
    assert parts(body["unesco"])["UNESCO-part4"] == "met"
    assert body["quality_assurance"]["status"]["in_force"] is True


def test_markdown_by_accept_or_by_format(client: TestClient) -> None:
    asked = {"credential": ETHICS, "host": "HK", "at": "2026-01-01"}
    by_accept = client.post("/recognition", json=asked, headers={"Accept": "text/markdown"})
    assert by_accept.status_code == 200 and by_accept.headers["content-type"].startswith("text/markdown")
    by_format = client.post("/recognition", json={**asked, "format": "markdown"})
    assert by_format.text == by_accept.text
    text = by_accept.text
    assert text.startswith("# Recognition assessment: Data Ethics and Privacy (illustrative)")
    assert "Hong Kong SAR, China (HK), 2026-01-01" in text.splitlines()[0]
    assert "decision on recognition stays with the competent authority" in text
    for title in SECTIONS:
        assert f"## {title}" in text, title
    assert "Trust score: 0.8 of 1" in text
    assert "| 4. quality assurance | not met |" in text
    assert "| HKQF 4 | broad |" in text
    assert "(`qa-expired`)" in text


def test_markdown_renders_the_library_result(bundled_store: OxigraphStore) -> None:
    a = assess(bundled_store, bundled_store, ETHICS, "HK", date(2023, 6, 1))
    text = to_markdown(a)
    assert "Quality assurance expired" not in text and "- Quality assurance: in-force" in text
    assert "| Tokyo Convention | yes | 2018-02-01 |" in text


# -- a submitted credential ------------------------------------------------------------------------------
def test_a_submitted_credential_is_assessed_and_not_stored(client: TestClient, service: GraphService) -> None:
    version, size = service.store.version(), len(service.store._store)
    response = client.post("/recognition?host=HK&at=2026-01-01", content=SUBMISSION.encode(),
                           headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["submitted"] is True and body["iri"] == "https://example.org/credential/sample-aqf-7"
    [hkqf] = [c for c in body["comparability"] if c["host_framework"] == "HKQF"]
    assert (hkqf["credential_level"], hkqf["status"]) == ("AQF 7", "matched")
    assert [m["level"] for m in hkqf["matches"]] == ["HKQF 5"]
    assert "AQF 7 -> NZQCF 7 -> HKQF 5" in hkqf["matches"][0]["chains"]
    trust = {m["id"]: m["status"] for m in body["trust"]["metrics"]}
    assert trust["verifiable-format"] == "met"
    assert (service.store.version(), len(service.store._store)) == (version, size)
    # nothing of it is readable afterwards
    again = client.post("/recognition", json={"credential": body["iri"], "host": "HK"})
    assert_problem(again, 404, "not a credential in the graph")
    markdown = client.post("/recognition?host=HK&at=2026-01-01&format=markdown", content=SUBMISSION.encode(),
                           headers={"Content-Type": "text/turtle"})
    assert "assessed without being stored" in markdown.text


def test_a_non_conformant_submission_is_422_with_the_report(client: TestClient, service: GraphService) -> None:
    version = service.store.version()
    response = client.post("/recognition?host=HK", content=NON_CONFORMANT.encode(),
                           headers={"Content-Type": "text/turtle"})
    assert response.status_code == 422, response.text
    assert response.json()["report"]["conforms"] is False
    assert service.store.version() == version


def test_a_submission_needs_a_host(client: TestClient) -> None:
    response = client.post("/recognition", content=SUBMISSION.encode(), headers={"Content-Type": "text/turtle"})
    assert_problem(response, 400, "host country")


# -- errors ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body,status,detail", [
    ({"credential": "nz-no-such-credential", "host": "HK"}, 404, "not a credential in the graph"),
    ({"credential": ETHICS, "host": "Atlantis"}, 404, "no country 'Atlantis'"),
    ({"credential": ETHICS, "host": "HK", "at": "2026-13-01"}, 400, "at"),
    ({"credential": ETHICS, "host": "HK", "colour": "blue"}, 400, "colour"),
    ({"host": "HK"}, 400, "credential"),
])
def test_bad_requests(client: TestClient, body: dict, status: int, detail: str) -> None:
    assert_problem(client.post("/recognition", json=body), status, detail)


def test_bad_query_date_and_media_type(client: TestClient) -> None:
    bad_date = client.post("/recognition?host=HK&at=tomorrow", content=SUBMISSION.encode(),
                           headers={"Content-Type": "text/turtle"})
    assert_problem(bad_date, 400, "at")
    assert client.post("/recognition", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_the_body_is_limited(bundled_store_copy: OxigraphStore) -> None:
    service = GraphService(bundled_store_copy, Settings(store="memory", max_upload_bytes=100))
    with TestClient(create_app(service)) as small:
        response = small.post("/recognition?host=HK", content=SUBMISSION.encode(),
                              headers={"Content-Type": "text/turtle"})
    assert response.status_code == 413


def test_recognition_is_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/recognition"]["post"]
    assert op["operationId"] == "recognition" and op["summary"]
    assert set(op["requestBody"]["content"]) == {"application/json", "text/turtle", "application/ld+json"}
    assert set(op["responses"]["200"]["content"]) >= {"application/json", "text/markdown"}
    schemas = spec["components"]["schemas"]
    assert {"RecognitionAssessment", "Assessment"} <= set(schemas)  # the credential detail keeps its name
    assert {p["name"] for p in op["parameters"]} == {"host", "at", "format"}


# -- the CLI ---------------------------------------------------------------------------------------------
def test_cli_assess_json_is_the_library_result(initialised: Path, bundled_store: OxigraphStore) -> None:
    result = mcgraph("assess", ETHICS, "--host", "HK", "--at", "2026-01-01", "--format", "json", store=initialised)
    assert result.returncode == 0, result.stderr
    expected = assess(bundled_store, bundled_store, ETHICS, "HK", date(2026, 1, 1))
    assert json.loads(result.stdout) == json.loads(json.dumps(dataclasses.asdict(expected)))


def test_cli_assess_table_and_markdown(initialised: Path, bundled_store: OxigraphStore) -> None:
    table = mcgraph("assess", ETHICS, "--host", "HK", "--at", "2026-01-01", store=initialised)
    assert table.returncode == 0, table.stderr
    for text in ("trust score 0.8 of 1", "UNESCO definition 3 of 4 parts met", "HKQF 4", "qa-expired",
                 "competent authority"):
        assert text in table.stdout, text
    markdown = mcgraph("assess", ETHICS, "--host", "HK", "--at", "2026-01-01", "--format", "markdown",
                       store=initialised)
    assert markdown.stdout == to_markdown(assess(bundled_store, bundled_store, ETHICS, "HK", date(2026, 1, 1)))


@pytest.mark.parametrize("args,message", [
    (["assess", ETHICS, "--host", "HK", "--at", "2026-13-01"], "not a date: '2026-13-01'; expected YYYY-MM-DD"),
    (["assess", ETHICS, "--host", "HK", "--format", "csv"], "unknown format"),
    (["assess", "nz-no-such-credential", "--host", "HK"], "not a credential in the graph"),
    (["assess", ETHICS, "--host", "Atlantis"], "no country 'Atlantis'"),
])
def test_cli_assess_usage_errors_exit_2(initialised: Path, args: list[str], message: str) -> None:
    result = mcgraph(*args, store=initialised)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and result.stdout == ""


def test_a_json_ld_submission(client: TestClient) -> None:
    document = {"@context": {"mc": "https://w3id.org/mcgraph/ns#", "dct": "http://purl.org/dc/terms/"},
                "@id": "https://example.org/credential/sample-jsonld", "@type": "mc:MicroCredential",
                "dct:title": {"@value": "Sample (illustrative)", "@language": "en"},
                "mc:awardingBody": {"@id": "https://w3id.org/mcgraph/id/org/example-polytechnic-nz"},
                "mc:level": {"@id": "https://w3id.org/mcgraph/id/level/aqf-7"}}
    response = client.post("/recognition?host=HK&at=2026-01-01", content=json.dumps(document).encode(),
                           headers={"Content-Type": "application/ld+json"})
    assert response.status_code == 200, response.text
    [hkqf] = [c for c in response.json()["comparability"] if c["host_framework"] == "HKQF"]
    assert [m["level"] for m in hkqf["matches"]] == ["HKQF 5"]
