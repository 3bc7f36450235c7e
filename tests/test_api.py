"""The HTTP API through TestClient: SPARQL protocol, Graph Store Protocol, REST, dereferencing, errors, caching.

The service runs the inline executor over a private in-memory copy of the bundled graph; the worker
pool, timeouts and the real server process are covered by test_executor.py and test_server.py.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import replace

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from mcgraph.config import Settings
from mcgraph.namespaces import GRAPH, ID
from mcgraph.service import GraphService
from mcgraph.store import OxigraphStore
from mcgraph_api import create_app

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROBLEM = "application/problem+json"
FRAMEWORKS = "SELECT ?f WHERE { ?f a/rdfs:subClassOf* mc:QualificationsFramework } ORDER BY ?f"
NEW_GRAPH = "https://example.org/graph/new"
GOOD_TTL = b"""@prefix ex: <https://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:thing rdfs:label "a thing" ."""
BAD_FRAMEWORK = b"""@prefix mc: <https://w3id.org/mcgraph/ns#> .
<https://example.org/fw> a mc:QualificationsFramework ."""  # no label, no levels: violations


def make_client(store: OxigraphStore, **overrides: object) -> TestClient:
    settings = replace(Settings(store="memory", token=TOKEN), **overrides)
    return TestClient(create_app(GraphService(store, settings)))


@pytest.fixture()
def client(bundled_store_copy: OxigraphStore) -> Iterator[TestClient]:
    with make_client(bundled_store_copy) as c:
        yield c


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["type"].startswith("https://w3id.org/mcgraph/problems/")
    assert body["title"] and body["detail"]
    return body


def framework_iris(response) -> list[str]:
    return [b["f"]["value"] for b in response.json()["results"]["bindings"]]


# -- SPARQL protocol -----------------------------------------------------------------------------
def test_query_by_get_post_form_and_post_direct_agree(client: TestClient) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = client.get("/sparql", params={"query": FRAMEWORKS}, headers=accept)
    by_form = client.post("/sparql", data={"query": FRAMEWORKS}, headers=accept)
    direct = client.post("/sparql", content=FRAMEWORKS,
                         headers={**accept, "Content-Type": "application/sparql-query"})
    assert by_get.status_code == by_form.status_code == direct.status_code == 200
    assert ID + "framework/aqf" in framework_iris(by_get)
    assert framework_iris(by_get) == framework_iris(by_form) == framework_iris(direct)


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json", "application/sparql-results+json"),
])
def test_select_results_in_every_format(client: TestClient, accept: str, media: str) -> None:
    response = client.get("/sparql", params={"query": FRAMEWORKS}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media)
    assert "Accept" in response.headers["vary"]
    text = response.text
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["f"] and [ID + "framework/aqf"] in rows
    elif media == "text/tab-separated-values":
        assert f"<{ID}framework/aqf>" in text.splitlines()
    elif media.endswith("xml"):
        uris = [e.text for e in ET.fromstring(text).iter("{http://www.w3.org/2005/sparql-results#}uri")]
        assert ID + "framework/aqf" in uris


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", ox.RdfFormat.TURTLE),
                                              ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                              ("application/ld+json", ox.RdfFormat.JSON_LD),
                                              ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_construct_in_every_rdf_format(client: TestClient, accept: str, fmt: ox.RdfFormat) -> None:
    query = f"CONSTRUCT {{ ?l skos:inScheme ?f }} WHERE {{ ?l skos:inScheme ?f FILTER(?f = <{ID}framework/aqf>) }}"
    response = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    triples = list(ox.parse(response.content, fmt))
    assert len(triples) == 10  # the ten AQF levels


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": FRAMEWORKS, "format": "csv"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.headers["content-type"].startswith("text/csv")


def test_ask_answers_true_and_false(client: TestClient) -> None:
    yes = client.get("/sparql", params={"query": f"ASK {{ <{ID}framework/aqf> ?p ?o }}"})
    no = client.get("/sparql", params={"query": "ASK { <https://example.org/none> ?p ?o }"})
    assert yes.json()["boolean"] is True and no.json()["boolean"] is False


def test_default_graph_uri_narrows_the_dataset(client: TestClient) -> None:
    everything = framework_iris(client.get("/sparql", params={"query": FRAMEWORKS}))
    national = "SELECT ?f WHERE { ?f a mc:NationalQualificationsFramework }"
    only_aqf = client.get("/sparql", params={"query": national,
                                             "default-graph-uri": GRAPH + "data/frameworks/aqf"})
    assert framework_iris(only_aqf) == [ID + "framework/aqf"] and len(everything) > 1


def test_protocol_errors(client: TestClient) -> None:
    assert_problem(client.get("/sparql", params={"query": "SELECT WHERE {"}), 400)
    assert_problem(client.get("/sparql", params=[("query", FRAMEWORKS), ("query", FRAMEWORKS)]), 400)
    refused = assert_problem(client.get("/sparql", params={"query": "DROP ALL"}), 400)
    assert refused["reason"] == "wrong-form"
    assert_problem(client.post("/sparql", content=FRAMEWORKS, headers={"Content-Type": "text/plain"}), 415)
    assert_problem(client.get("/sparql", params={"query": FRAMEWORKS}, headers={"Accept": "image/png"}), 406)


def test_service_description_without_a_query(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    triples = list(ox.parse(response.content, ox.RdfFormat.TURTLE))
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert any(t.predicate.value == sd + "endpoint" and t.object.value.endswith("/sparql") for t in triples)
    assert any(t.object.value == sd + "SPARQL11Query" for t in triples)


def test_browsers_get_a_query_page_without_external_resources(client: TestClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<textarea" in page and "PREFIX mc: &lt;https://w3id.org/mcgraph/ns#&gt;" in page
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for marker in ('src="http', "src='http", 'href="http://', "//cdn", "unpkg", "jsdelivr"):
        assert marker not in page.replace('href="https://w3id.org', "")
    assert client.get("/static/query.js").status_code == 200


def test_results_are_capped_with_an_explicit_signal(bundled_store_copy: OxigraphStore) -> None:
    with make_client(bundled_store_copy, max_result_rows=3) as c:
        response = c.get("/sparql", params={"query": FRAMEWORKS})
    assert response.headers["mcgraph-results-truncated"] == "rows"
    assert len(response.json()["results"]["bindings"]) == 3


# -- guards ----------------------------------------------------------------------------------------
def test_deep_nesting_and_oversized_queries_are_refused(bundled_store_copy: OxigraphStore) -> None:
    with make_client(bundled_store_copy, max_query_bytes=2000) as c:
        deep = "SELECT * WHERE " + "{" * 500 + "}" * 500
        assert assert_problem(c.get("/sparql", params={"query": deep}), 400)["reason"] == "too-deep"
        big = FRAMEWORKS + " #" + "x" * 3000
        assert assert_problem(c.post("/sparql", data={"query": big}), 400)["reason"] == "too-large"


def test_service_load_and_foreign_from_are_refused(client: TestClient) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert assert_problem(client.get("/sparql", params={"query": service}), 400)["reason"] == "service"
    foreign = "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"
    assert assert_problem(client.get("/sparql", params={"query": foreign}), 400)["reason"] == "from"
    load = client.post("/update", content="LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <https://example.org/g>",
                       headers={**AUTH, "Content-Type": "application/sparql-update"})
    assert assert_problem(load, 400)["reason"] == "load"
    local = f"SELECT ?f FROM <{GRAPH}data/frameworks/aqf> WHERE {{ ?f a mc:NationalQualificationsFramework }}"
    assert framework_iris(client.get("/sparql", params={"query": local})) == [ID + "framework/aqf"]


def test_bodies_over_the_limit_get_413_also_after_decompression(bundled_store_copy: OxigraphStore) -> None:
    with make_client(bundled_store_copy, max_upload_bytes=1000) as c:
        plain = c.put("/graphs", params={"graph": NEW_GRAPH}, content=b"#" * 2000,
                      headers={**AUTH, "Content-Type": "text/turtle"})
        assert_problem(plain, 413)
        bomb = gzip.compress(b"#" * 100_000)
        assert len(bomb) < 1000
        zipped = c.put("/graphs", params={"graph": NEW_GRAPH}, content=bomb,
                       headers={**AUTH, "Content-Type": "text/turtle", "Content-Encoding": "gzip"})
        assert_problem(zipped, 413)
        assert c.get("/graphs", params={"graph": NEW_GRAPH}).status_code == 404


def test_rdf_xml_with_a_doctype_is_refused(client: TestClient) -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>'
    response = client.put("/graphs", params={"graph": NEW_GRAPH}, content=body,
                          headers={**AUTH, "Content-Type": "application/rdf+xml"})
    assert_problem(response, 400)


# -- Graph Store Protocol and updates ----------------------------------------------------------------
def put(client: TestClient, body: bytes, graph: str = NEW_GRAPH, headers: dict | None = None):
    return client.put("/graphs", params={"graph": graph}, content=body,
                      headers={"Content-Type": "text/turtle", **AUTH, **(headers or {})})


def test_graph_store_lifecycle(client: TestClient) -> None:
    assert put(client, GOOD_TTL).status_code == 201
    assert put(client, GOOD_TTL).status_code == 204
    got = client.get("/graphs", params={"graph": NEW_GRAPH}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and b'"a thing"' in got.content
    head = client.head("/graphs", params={"graph": NEW_GRAPH}, headers={"Accept": "application/n-triples"})
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
    more = b'<https://example.org/other> <http://www.w3.org/2000/01/rdf-schema#label> "more" .'
    added = client.post("/graphs", params={"graph": NEW_GRAPH}, content=more,
                        headers={**AUTH, "Content-Type": "application/n-triples"})
    assert added.status_code == 204
    both = client.get("/graphs", params={"graph": NEW_GRAPH}, headers={"Accept": "application/n-triples"})
    assert b'"a thing"' in both.content and b'"more"' in both.content
    assert client.delete("/graphs", params={"graph": NEW_GRAPH}, headers=AUTH).status_code == 204
    assert_problem(client.delete("/graphs", params={"graph": NEW_GRAPH}, headers=AUTH), 404)
    assert_problem(client.get("/graphs", params={"graph": NEW_GRAPH}), 404)


def test_post_to_the_store_creates_a_graph_and_says_where(client: TestClient) -> None:
    response = client.post("/graphs", content=GOOD_TTL, headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 201
    assert client.get(response.headers["location"]).status_code == 200


def test_the_default_graph_is_a_read_only_union(client: TestClient) -> None:
    union = client.get("/graphs?default", headers={"Accept": "application/n-triples"})
    assert union.status_code == 200 and f"<{ID}framework/aqf>".encode() in union.content
    refused = client.put("/graphs?default", content=GOOD_TTL, headers={**AUTH, "Content-Type": "text/turtle"})
    assert_problem(refused, 405)
    assert refused.headers["allow"] == "GET, HEAD"


def test_violations_give_422_with_the_report_and_change_nothing(client: TestClient) -> None:
    assert put(client, GOOD_TTL).status_code == 201
    body = assert_problem(put(client, BAD_FRAMEWORK), 422)
    assert body["report"]["conforms"] is False and body["report"]["summary"]["violation"] > 0
    kept = client.get("/graphs", params={"graph": NEW_GRAPH}, headers={"Accept": "application/n-triples"})
    assert b'"a thing"' in kept.content and b"QualificationsFramework" not in kept.content


def test_update_is_gated_and_all_or_nothing(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "application/sparql-update"}
    insert = f'INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/x> rdfs:label "x" }} }}'
    assert client.post("/update", content=insert, headers=headers).status_code == 204
    ask = f"ASK {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/x> rdfs:label \"x\" }} }}"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is True
    invalid = f"INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/fw> a mc:QualificationsFramework }} }}"
    assert_problem(client.post("/update", content=invalid, headers=headers), 422)
    # the second operation fails (the graph exists): the first must not be applied either
    two = (f'INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/y> rdfs:label "y" }} }} ; '
           f"CREATE GRAPH <{NEW_GRAPH}>")
    assert_problem(client.post("/update", content=two, headers=headers), 400)
    ask_y = "ASK { <https://example.org/y> ?p ?o }"
    assert client.get("/sparql", params={"query": ask_y}).json()["boolean"] is False
    default = 'INSERT DATA { <https://example.org/z> rdfs:label "z" }'
    assert_problem(client.post("/update", content=default, headers=headers), 400)


def test_writes_need_the_token(client: TestClient, bundled_store_copy: OxigraphStore) -> None:
    assert_problem(put(client, GOOD_TTL, headers={"Authorization": ""}), 401)
    assert_problem(put(client, GOOD_TTL, headers={"Authorization": "Bearer wrong"}), 401)
    update = client.post("/update", content="CLEAR ALL", headers={"Content-Type": "application/sparql-update"})
    assert_problem(update, 401)
    assert client.get("/sparql", params={"query": FRAMEWORKS}).status_code == 200  # reads stay public
    with make_client(bundled_store_copy, token=None) as no_token:
        assert_problem(put(no_token, GOOD_TTL), 403)


def test_a_cross_site_form_post_never_writes(client: TestClient) -> None:
    form = {"update": f'INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/x> rdfs:label "x" }} }}'}
    evil = {"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"}
    assert_problem(client.post("/update", data=form, headers=evil), 403)
    assert_problem(client.post("/update", data=form, headers={**evil, **AUTH}), 403)
    assert_problem(client.get("/graphs", params={"graph": NEW_GRAPH}), 404)


def test_cors_allows_reads_from_anywhere_without_credentials(client: TestClient) -> None:
    read = client.get("/frameworks", headers={"Origin": "https://tool.example"})
    assert read.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in read.headers
    preflight = client.options("/graphs", headers={"Origin": "https://tool.example",
                                                    "Access-Control-Request-Method": "PUT"})
    assert "access-control-allow-origin" not in preflight.headers


# -- caching -----------------------------------------------------------------------------------------
def test_etag_and_304_follow_the_dataset_version(client: TestClient) -> None:
    first = client.get("/frameworks")
    etag = first.headers["etag"]
    assert client.get("/frameworks", headers={"If-None-Match": etag}).status_code == 304
    assert put(client, GOOD_TTL).status_code == 201
    after = client.get("/frameworks", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag


# -- REST --------------------------------------------------------------------------------------------
def test_frameworks_and_a_framework_with_its_levels(client: TestClient) -> None:
    listed = client.get("/frameworks").json()
    assert any(f["id"] == "id:framework/aqf" for f in listed)
    aqf = client.get("/frameworks/aqf").json()
    assert [level["notation"] for level in aqf["levels"]] == [str(n) for n in range(1, 11)]
    assert_problem(client.get("/frameworks/no-such-framework"), 404)


def test_a_level_with_its_correspondences(client: TestClient) -> None:
    level = client.get("/levels/nzqcf-7").json()
    reports = {c["report"]["id"] for c in level["correspondences"] if c["report"]}
    assert "id:report/nzqcf-eqf" in reports


def test_credentials_pages_by_keyset_with_next_and_link(client: TestClient) -> None:
    everything = client.get("/credentials", params={"limit": 200}).json()["items"]
    seen, url = [], "/credentials?limit=3"
    while url:
        response = client.get(url)
        body = response.json()
        seen += [c["iri"] for c in body["items"]]
        url = body["next"]
        assert (url is None) == ("link" not in response.headers)
    assert seen == [c["iri"] for c in everything] and len(seen) == len(set(seen)) > 3


def test_credentials_filters_and_one_credential(client: TestClient) -> None:
    nz = client.get("/credentials", params={"country": "id:country/NZ"}).json()["items"]
    assert nz and all(c["country"] == "NZ" for c in nz)
    slug = nz[0]["iri"].rsplit("/", 1)[1]
    one = client.get(f"/credentials/{slug}").json()
    assert one["iri"] == nz[0]["iri"] and one["title"]
    assert_problem(client.get("/credentials/nothing-here"), 404)
    assert_problem(client.get("/credentials", params={"limit": 1000}), 400)


def test_organisations_and_countries_with_convention_status(client: TestClient) -> None:
    assert any("QAAgency" in o["kinds"] for o in client.get("/organisations").json())
    countries = client.get("/countries", params={"at": "2026-01-01"}).json()
    assert any(c["code"] == "AU" for c in countries)
    assert any(status["party"] for c in countries for status in c["conventions"])


def test_canned_queries_catalogue_and_runs_in_any_format(client: TestClient) -> None:
    names = [q["name"] for q in client.get("/queries").json()]
    assert "levels-of-framework" in names
    response = client.get("/queries/levels-of-framework",
                          params={"framework": "id:framework/aqf", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.status_code == 200 and len(rows) == 10
    assert_problem(client.get("/queries/no-such-query"), 404)
    assert_problem(client.get("/queries/levels-of-framework", params={"nope": "1"}), 400)


AQF = {"framework": "id:framework/aqf"}  # levels-of-framework: the ten AQF levels in rank order


def _next(response) -> str | None:
    """The URL of the rel="next" Link, or None."""
    link = response.headers.get("link")
    if link is None:
        return None
    assert link.startswith("<") and link.endswith('>; rel="next"'), link
    return link[1:link.index(">")]


def _levels(response) -> list[str]:
    return [b["level"]["value"] for b in response.json()["results"]["bindings"]]


def test_canned_query_pages_follow_the_link_to_the_end(client: TestClient) -> None:
    whole = _levels(client.get("/queries/levels-of-framework", params=AQF))
    assert len(whole) == 10
    url: str | None = "/queries/levels-of-framework?framework=id%3Aframework%2Faqf&limit=4"
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(_levels(response))
        url = _next(response)
    assert [len(page) for page in pages] == [4, 4, 2]
    assert [level for page in pages for level in page] == whole
    second = client.get("/queries/levels-of-framework", params={**AQF, "limit": 4, "offset": 4})
    assert _next(second) == "/queries/levels-of-framework?framework=id%3Aframework%2Faqf&limit=4&offset=8"


def test_a_full_last_page_links_to_an_empty_one(client: TestClient) -> None:
    full = client.get("/queries/levels-of-framework", params={**AQF, "limit": 5, "offset": 5})
    assert len(_levels(full)) == 5 and "offset=10" in _next(full)
    empty = client.get(_next(full))
    assert empty.status_code == 200 and _levels(empty) == [] and _next(empty) is None
    assert _next(client.get("/queries/levels-of-framework", params={**AQF, "limit": 0})) is None


@pytest.mark.parametrize("fmt", ["json", "csv", "tsv", "xml"])
def test_the_next_link_keeps_the_format_and_counts_rows_in_it(client: TestClient, fmt: str) -> None:
    page = client.get("/queries/levels-of-framework", params={**AQF, "format": fmt, "limit": 3, "offset": 2})
    assert page.status_code == 200
    assert _next(page) == f"/queries/levels-of-framework?framework=id%3Aframework%2Faqf&format={fmt}&limit=3&offset=5"
    last = client.get("/queries/levels-of-framework", params={**AQF, "format": fmt, "limit": 3, "offset": 8})
    assert last.status_code == 200 and _next(last) is None  # 2 rows: the end
    assert _next(client.get("/queries/levels-of-framework", params={**AQF, "format": fmt, "limit": 11})) is None


def test_a_page_holds_1000_rows_by_default_or_the_row_cap_when_lower(bundled_store_copy: OxigraphStore) -> None:
    with make_client(bundled_store_copy) as c:
        assert _next(c.get("/queries/micro-credentials")) is None  # fewer than 1000
    with make_client(bundled_store_copy, max_result_rows=3) as c:
        response = c.get("/queries/levels-of-framework", params=AQF)
        assert len(_levels(response)) == 3 and "truncated" not in str(response.headers).lower()
        assert _next(response).endswith("framework=id%3Aframework%2Faqf&offset=3")
        body = assert_problem(c.get("/queries/levels-of-framework", params={**AQF, "limit": 4}), 400)
        assert "at most 3" in body["detail"]
        assert len(_levels(c.get("/queries/levels-of-framework", params={**AQF, "limit": 3}))) == 3


def test_a_page_cut_by_the_byte_cap_links_to_the_rows_it_left_out(bundled_store_copy: OxigraphStore) -> None:
    with make_client(bundled_store_copy, max_result_bytes=600) as c:
        response = c.get("/queries/levels-of-framework", params={**AQF, "format": "csv", "limit": 10})
        assert response.headers["mcgraph-results-truncated"] == "bytes"
        kept = len(list(csv.DictReader(io.StringIO(response.text))))
        assert 0 < kept < 10 and _next(response).endswith(f"&offset={kept}")


@pytest.mark.parametrize("params", [{"limit": -1}, {"offset": -1}, {"limit": "ten"}, {"offset": "1; DROP ALL"},
                                    {"offset": 2**64}])
def test_bad_limits_and_offsets_are_refused(client: TestClient, params: dict) -> None:
    assert_problem(client.get("/queries/levels-of-framework", params={**AQF, **params}), 400)


def test_validate_without_storing(client: TestClient) -> None:
    good = client.post("/validate", content=GOOD_TTL, headers={"Content-Type": "text/turtle"})
    assert good.status_code == 200 and good.json()["conforms"] is True
    bad = client.post("/validate", content=BAD_FRAMEWORK, headers={"Content-Type": "text/turtle"})
    assert bad.json()["conforms"] is False
    as_turtle = client.post("/validate", content=BAD_FRAMEWORK,
                            headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert b"ValidationReport" in as_turtle.content
    jsonld = json.dumps({"@id": "https://example.org/a", "http://www.w3.org/2000/01/rdf-schema#label": "a"})
    assert client.post("/validate", content=jsonld, headers={"Content-Type": "application/ld+json"}).json()["conforms"]
    syntax = client.post("/validate", content=b"<a> <b> .", headers={"Content-Type": "text/turtle"})
    assert_problem(syntax, 400)
    ask = "ASK { <https://example.org/fw> ?p ?o }"
    assert client.get("/sparql", params={"query": ask}).json()["boolean"] is False
    assert_problem(client.post("/validate", content=GOOD_TTL, params={"profile": "nope"},
                               headers={"Content-Type": "text/turtle"}), 404)


# -- dereferencing and meta ---------------------------------------------------------------------------
def test_ids_dereference_to_html_and_rdf(client: TestClient) -> None:
    page = client.get("/id/framework/aqf", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and "Australian" in page.text
    turtle = client.get("/id/framework/aqf", headers={"Accept": "text/turtle"})
    assert turtle.headers["vary"].startswith("Accept") or "Accept" in turtle.headers["vary"]
    assert any(t.subject.value == ID + "framework/aqf" for t in ox.parse(turtle.content, ox.RdfFormat.TURTLE))
    jsonld = client.get("/id/framework/aqf", params={"format": "jsonld"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    nt = client.get("/id/framework/aqf", headers={"Accept": "application/n-triples"})
    assert list(ox.parse(nt.content, ox.RdfFormat.N_TRIPLES))
    assert_problem(client.get("/id/framework/none"), 404)


def test_meta_endpoints_and_openapi(client: TestClient) -> None:
    assert client.get("/-/health").json()["status"] == "ok"
    assert client.get("/-/version").json()["dataset_version"]
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    triples = list(ox.parse(void.content, ox.RdfFormat.TURTLE))
    count = next(t.object.value for t in triples if t.predicate.value == "http://rdfs.org/ns/void#triples")
    assert int(count) > 1000
    operations = {op["operationId"] for path in client.get("/openapi.json").json()["paths"].values()
                  for op in path.values()}
    assert {"sparqlQueryGet", "sparqlQueryPost", "sparqlUpdate", "graphGet", "graphPut", "graphPost",
            "graphDelete", "listFrameworks", "getFramework", "getLevel", "searchCredentials", "getCredential",
            "listOrganisations", "listCountries", "listQueries", "runQuery", "validate", "dereference",
            "health", "version", "void"} <= operations
    assert client.get("/docs").status_code == 200


def test_every_error_is_problem_json(client: TestClient) -> None:
    """Walk the error paths of the table: each answer has the RFC 9457 shape."""
    assert_problem(client.get("/no/such/path"), 404)
    assert_problem(client.patch("/frameworks"), 405)
    assert_problem(client.get("/countries", params={"at": "not-a-date"}), 400)
    assert_problem(put(client, b"<a> <b"), 400)
    assert_problem(client.put("/graphs", params={"graph": NEW_GRAPH}, content=GOOD_TTL,
                              headers={**AUTH, "Content-Type": "application/x-nope"}), 415)
    assert_problem(client.get("/graphs"), 400)


# -- the result cache ----------------------------------------------------------------------------
def test_repeated_queries_follow_every_write(client: TestClient) -> None:
    ask = f"ASK {{ GRAPH <{NEW_GRAPH}> {{ ?s ?p ?o }} }}"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{NEW_GRAPH}> {{ ?s ?p ?o }} }}"

    def answers() -> tuple[bool, str]:
        boolean = client.get("/sparql", params={"query": ask}).json()["boolean"]
        rows = client.get("/sparql", params={"query": count}, headers={"Accept": "text/csv"}).text
        return boolean, rows.split()[-1]

    assert answers() == answers() == (False, "0")  # the second pair comes from the cache
    assert put(client, GOOD_TTL).status_code == 201
    assert answers() == (True, "1")
    headers = {**AUTH, "Content-Type": "application/sparql-update"}
    insert = f'INSERT DATA {{ GRAPH <{NEW_GRAPH}> {{ <https://example.org/y> rdfs:label "y" }} }}'
    assert client.post("/update", content=insert, headers=headers).status_code == 204
    assert answers() == (True, "2")
    assert client.delete("/graphs", params={"graph": NEW_GRAPH}, headers=AUTH).status_code == 204
    assert answers() == (False, "0")


def test_the_cache_keeps_formats_and_datasets_apart(client: TestClient) -> None:
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"
    as_json = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    as_csv = client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"})
    assert as_json.headers["content-type"].startswith("application/sparql-results+json")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert client.get("/sparql", params={"query": query}, headers={"Accept": "text/csv"}).text == as_csv.text
    graph = as_json.json()["results"]["bindings"][0]["g"]["value"]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = client.get("/sparql", params={"query": count}).json()["results"]["bindings"][0]["n"]["value"]
    one = client.get("/sparql", params={"query": count, "default-graph-uri": graph}).json()
    assert one["results"]["bindings"][0]["n"]["value"] != whole


def test_refusals_are_never_cached(client: TestClient) -> None:
    service_query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    for _ in range(3):
        assert_problem(client.get("/sparql", params={"query": service_query}), 400)
    service: GraphService = client.app.state.service
    assert len(service._results) == 0


def test_answers_that_change_with_every_evaluation_are_not_cached(client: TestClient) -> None:
    service: GraphService = client.app.state.service
    for query in ("SELECT (RAND() AS ?r) WHERE {}", "SELECT (now() AS ?t) WHERE {}",
                  "SELECT (STRUUID () AS ?u) WHERE {}"):
        assert client.get("/sparql", params={"query": query}).status_code == 200
    assert len(service._results) == 0
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert len(service._results) == 1


def test_a_304_keeps_its_cors_headers(client: TestClient) -> None:
    origin = {"Origin": "https://tool.example"}
    first = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    again = client.get("/sparql", params={"query": "ASK {}"},
                       headers={**origin, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["access-control-allow-origin"] == "*"
    assert "Accept" in again.headers["vary"]
