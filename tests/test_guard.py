"""Checks on SPARQL text: every refusal reason, and the tokenizer cases an attacker would try."""
from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from mcgraph.errors import UsageError
from mcgraph.guard import GuardLimits, RefusedQuery, check_dataset_iris, check_query, check_update, sparql_form

ROOT = Path(__file__).resolve().parent.parent
LIMITS = GuardLimits()
ALLOWING = GuardLimits(allowed_sources=("https://sparql.example.org/",))
LOCAL = "https://w3id.org/mcgraph/graph/data/frameworks/aqf"


def reason_of(call, *args) -> str:
    with pytest.raises(RefusedQuery) as caught:
        call(*args)
    assert str(caught.value)  # a sentence for people, not only a slug
    return caught.value.reason


def query_reason(text: str, limits: GuardLimits = LIMITS, graphs: set[str] | None = None) -> str:
    return reason_of(check_query, text, limits, (lambda: graphs) if graphs is not None else None)


# -- the error ---------------------------------------------------------------------------------------


def test_refusals_are_usage_errors_that_keep_their_reason_across_processes() -> None:
    err = RefusedQuery("an update was sent as a query; use the update endpoint", "wrong-form")
    assert isinstance(err, UsageError)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.reason, copy.message) == ("wrong-form", err.message)


# -- form ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "query"),
        ("PREFIX ex: <http://example.org/>\nBASE <http://example.org/>\nconstruct WHERE { ?s ?p ?o }", "query"),
        ("# INSERT in a comment\nASK {}", "query"),
        ("PREFIX insert: <http://example.org/> DESCRIBE insert:x", "query"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "update"),
        ("prefix ex: <http://example.org/#select> delete where { ?s ?p ?o }", "update"),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
        ("LOAD <http://example.org/x>", "update"),
        ("CLEAR ALL", "update"),
    ],
)
def test_form_is_the_first_keyword_after_the_prologue(text: str, form: str) -> None:
    assert sparql_form(text) == form


@pytest.mark.parametrize("text", ["", "# only a comment", "PREFIX ex: <http://example.org/>", "{ ?s ?p ?o }"])
def test_no_form_keyword_is_malformed(text: str) -> None:
    assert reason_of(sparql_form, text) == "malformed"


def test_an_update_sent_as_a_query_and_back_is_the_wrong_form() -> None:
    assert query_reason("INSERT DATA { <http://a> <http://b> 1 }") == "wrong-form"
    assert reason_of(check_update, "SELECT * WHERE { ?s ?p ?o }", LIMITS) == "wrong-form"
    check_update("INSERT DATA { <http://a> <http://b> 1 }", LIMITS)
    check_update("PREFIX ex: <http://example.org/>", LIMITS)  # an empty update is valid SPARQL
    assert query_reason("{ ?s ?p ?o }") == "malformed"


def test_an_unclosed_string_is_malformed() -> None:
    assert query_reason('SELECT * WHERE { ?s ?p "open }') == "malformed"
    assert query_reason("SELECT * WHERE { ?s ?p 'line\nbreak' }") == "malformed"


# -- size and depth -----------------------------------------------------------------------------------


def test_size_is_counted_in_utf8_bytes() -> None:
    small = GuardLimits(max_bytes=40)
    check_query("SELECT * WHERE { ?s ?p 'éé' }", small)  # 30 characters, 32 bytes
    assert query_reason("SELECT * WHERE { ?s ?p 'éééééééééé' }", small) == "too-large"
    assert reason_of(check_update, "INSERT DATA { <http://a> <http://b> 'ééééé' }", small) == "too-large"


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    shallow = GuardLimits(max_depth=4)
    check_query("SELECT * WHERE { { ?s ?p ?o FILTER((?o)) } }", shallow)
    assert query_reason("SELECT * WHERE { { ?s ?p [ ?q ( ( 1 ) ) ] } }", shallow) == "too-deep"
    update = "INSERT DATA { GRAPH <http://g> { [ <http://p> [ <http://p> [ ] ] ] } }"
    assert reason_of(check_update, update, shallow) == "too-deep"


def test_brackets_in_strings_iris_and_comments_do_not_nest() -> None:
    shallow = GuardLimits(max_depth=2)
    check_query('SELECT * WHERE { ?s ?p "{{{{((((" . ?s ?p <http://x/{> # [[[[\n}', shallow)


def test_ten_thousand_braces_are_refused_fast() -> None:
    text = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
    started = time.perf_counter()
    assert query_reason(text) == "too-deep"
    assert time.perf_counter() - started < 0.5


def test_a_run_of_negations_nests_like_brackets() -> None:
    assert query_reason("SELECT * WHERE { FILTER(" + "!" * 100 + "true) }") == "too-deep"
    check_query("SELECT * WHERE { FILTER(!true && ?a != ?b) }", LIMITS)


def test_long_operator_chains_are_refused_but_data_and_templates_are_flat() -> None:
    chained = GuardLimits(max_chain=10)
    assert query_reason("SELECT * WHERE { " + " UNION ".join(["{}"] * 12) + " }", chained) == "too-deep"
    assert query_reason("SELECT * WHERE { FILTER(" + " || ".join(["true"] * 12) + ") }", chained) == "too-deep"
    assert query_reason("SELECT * WHERE { " + "{ ?s ?p ?o } " * 12 + "}", chained) == "too-deep"
    check_query("SELECT * WHERE { " + "{ ?s ?p ?o } " * 5 + "}", chained)
    check_query("SELECT * WHERE { FILTER(?x IN (" + ", ".join(["1"] * 50) + ")) }", chained)
    check_query("SELECT * WHERE { VALUES ?x { " + " ".join(["-1"] * 50) + " } }", chained)
    triples = " ".join(f"<http://s> <http://p> {i} ." for i in range(50))
    check_update(f"INSERT DATA {{ GRAPH <http://g> {{ {triples} }} }}", chained)
    check_query(f"CONSTRUCT {{ {triples} }} WHERE {{}}", chained)


# -- SERVICE ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://evil.example/> { ?s ?p ?o } }",
        "PREFIX ex: <http://evil.example/> SELECT * WHERE { SERVICE ex:sparql { ?s ?p ?o } }",
        "PREFIX : <http://evil.example/> SELECT * WHERE { SERVICE :sparql { ?s ?p ?o } }",
        "BASE <http://evil.example/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE $endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE <http://ev\\u0069l.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p '#' . SERVICE <http://evil.example/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p \"\\\"\" . SERVICE <http://evil.example/> { ?s ?p ?o } }",
        "PREFIX ex: <http://e.example/> SELECT * WHERE { ?s ex:a\\#b ?o . SERVICE <http://evil.example/> {} }",
        "SELECT * WHERE { FILTER(?x <3) SERVICE <http://evil.example/> {} }",
        "SELECT * WHERE { ?s ?p '''x''' . SERVICE <http://evil.example/> {} }",
        "SELECT * WHERE { SERVICE # comment\n <http://evil.example/> {} }",
        "SELECT * WHERE { SERVICE }",
    ],
)
def test_service_is_refused_however_it_is_written(text: str) -> None:
    assert query_reason(text) == "service"
    assert query_reason(text, ALLOWING) == "service"


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://evil.example/>" }',
        "SELECT * { ?s ?p '''\nSERVICE <http://evil.example/> {}\n''' }",
        "SELECT * { ?s ?p ?o } # SERVICE <http://evil.example/> {}",
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o . ?s ?p ex:SERVICE }",
        "PREFIX service: <http://example.org/> SELECT * { ?s service:x ?o }",
        "SELECT * { ?s <http://example.org/SERVICE> ?o }",
        'SELECT * { ?s ?p "x"@service }',
        "SELECT ?service { ?service ?p ?o }",
    ],
)
def test_service_in_strings_comments_iris_and_names_does_not_count(text: str) -> None:
    check_query(text, LIMITS)


def test_allowed_sources_are_prefixes_with_a_boundary() -> None:
    check_query("SELECT * WHERE { SERVICE <https://sparql.example.org/query> { ?s ?p ?o } }", ALLOWING)
    prefixed = "PREFIX e: <https://sparql.example.org/> SELECT * WHERE { SERVICE e:query { ?s ?p ?o } }"
    check_query(prefixed, ALLOWING)
    assert query_reason(prefixed) == "service"  # nothing is allowed by default
    bare = GuardLimits(allowed_sources=("https://sparql.example.org",))
    check_query("SELECT * WHERE { SERVICE <https://sparql.example.org/q> {} }", bare)
    for escape in ("https://sparql.example.org.evil/", "https://sparql.example.org@evil/"):
        assert query_reason(f"SELECT * WHERE {{ SERVICE <{escape}> {{}} }}", bare) == "service"


def test_dot_segments_cannot_climb_out_of_an_allowed_prefix() -> None:
    for iri in ("https://sparql.example.org/../evil", "https://sparql.example.org/a/%2E%2e/x"):
        assert query_reason(f"SELECT * WHERE {{ SERVICE <{iri}> {{}} }}", ALLOWING) == "service"
    climbing = "BASE <https://sparql.example.org/a/b> SELECT * WHERE { SERVICE <../../../evil> {} }"
    check_query(climbing.replace("../../../evil", "c"), ALLOWING)
    assert query_reason(climbing.replace("https://sparql.example.org", "http://x.example"), ALLOWING) == "service"


def test_an_absolute_iri_is_never_read_against_the_base() -> None:
    # 'http:evil.example' is absolute; a lenient HTTP client reads it as http://evil.example/
    text = "BASE <https://sparql.example.org/> SELECT * WHERE { SERVICE <https:evil.example> {} }"
    assert query_reason(text, ALLOWING) == "service"


def test_an_undeclared_prefix_or_relative_iri_without_base_is_refused() -> None:
    assert query_reason("SELECT * WHERE { SERVICE nope:x {} }", ALLOWING) == "service"
    assert query_reason("SELECT * WHERE { SERVICE <sparql> {} }", ALLOWING) == "service"


def test_less_than_is_an_operator_unless_it_opens_an_iri() -> None:
    check_query("SELECT * WHERE { ?s ?p ?x FILTER(?x < 3 && ?x<4 && ?x <= 5) }", LIMITS)
    # '<' followed by a space-free run up to '>' reads as an IRI, which hides nothing: no group can sit inside
    check_query("SELECT * WHERE { ?a ?p ?b FILTER(?a<?b&&?c>?d) }", LIMITS)


def test_service_inside_an_update_is_refused() -> None:
    text = "INSERT { ?s ?p ?o } WHERE { SERVICE <http://evil.example/> { ?s ?p ?o } }"
    assert reason_of(check_update, text, LIMITS) == "service"
    check_update(text.replace("http://evil.example/", "https://sparql.example.org/q"), ALLOWING)


# -- LOAD -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <https://example.org/g>",
        "load silent <http://evil.example/data.ttl>",
        "PREFIX ex: <http://evil.example/> LOAD ex:data.ttl",
        "INSERT DATA { <http://a> <http://b> 1 } ; LOAD <http://evil.example/data.ttl>",
        "INSERT DATA { <http://a> <http://b> 1 } ; PREFIX ex: <http://evil.example/> LOAD ex:d",
    ],
)
def test_load_is_refused_unless_allowed(text: str) -> None:
    assert reason_of(check_update, text, LIMITS) == "load"
    assert reason_of(check_update, text, ALLOWING) == "load"


def test_load_from_an_allowed_source_passes_and_load_in_a_string_does_not_count() -> None:
    check_update("LOAD <https://sparql.example.org/data.ttl> INTO GRAPH <https://example.org/g>", ALLOWING)
    check_update('INSERT DATA { <http://a> <http://b> "LOAD <http://evil.example/>" }', LIMITS)


# -- FROM and dataset IRIs ----------------------------------------------------------------------------


def test_from_must_name_a_local_graph_or_an_allowed_source() -> None:
    assert check_query(f"SELECT * FROM <{LOCAL}> WHERE {{ ?s ?p ?o }}", LIMITS, lambda: {LOCAL}) == ([LOCAL], [])
    named = "PREFIX g: <https://w3id.org/mcgraph/graph/data/frameworks/> SELECT * FROM NAMED g:aqf { ?s ?p ?o }"
    assert check_query(named, LIMITS, lambda: {LOCAL}) == ([], [LOCAL])
    foreign = "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"
    assert query_reason(foreign, graphs={LOCAL}) == "from"
    assert query_reason(f"SELECT * FROM <{LOCAL}> WHERE {{ ?s ?p ?o }}") == "from"  # no graph list: nothing local
    assert query_reason("PREFIX ex: <http://evil.example/> SELECT * FROM NAMED ex:g { }", graphs={LOCAL}) == "from"
    check_query("SELECT * FROM <https://sparql.example.org/g> WHERE { ?s ?p ?o }", ALLOWING)
    assert check_query("SELECT * WHERE { ?s ?p ?o }", LIMITS) is None


def test_the_graph_list_is_read_once_and_only_when_needed() -> None:
    calls: list[int] = []

    def graphs() -> set[str]:
        calls.append(1)
        return {LOCAL}

    check_query("SELECT * WHERE { ?s ?p ?o }", LIMITS, graphs)
    assert calls == []
    check_query(f"SELECT * FROM <{LOCAL}> FROM NAMED <{LOCAL}> WHERE {{ ?s ?p ?o }}", LIMITS, graphs)
    assert calls == [1]


def test_dataset_iris_follow_the_from_rule() -> None:
    check_dataset_iris([LOCAL], LIMITS, {LOCAL})
    check_dataset_iris([], LIMITS, set())
    check_dataset_iris(["https://sparql.example.org/g"], ALLOWING, set())
    assert reason_of(check_dataset_iris, [LOCAL, "http://evil.example/g"], LIMITS, {LOCAL}) == "from"


# -- real queries ---------------------------------------------------------------------------------------


def test_a_bundled_style_query_passes() -> None:
    text = """#+ title: Frameworks
PREFIX mc: <https://w3id.org/mcgraph/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?f ?label (COUNT(?l) AS ?levels) WHERE {
  ?f a mc:NationalQualificationsFramework ; skos:prefLabel ?label .  # a comment with SERVICE <http://x>
  OPTIONAL { ?l skos:inScheme ?f }
  FILTER(LANG(?label) = "en" || ?label < "m" && REGEX(?label, "^[A-Z]{2,}", "i"))
}
GROUP BY ?f ?label ORDER BY DESC(?levels) LIMIT 10
"""
    assert check_query(text, LIMITS) is None


def test_every_bundled_catalogue_query_passes() -> None:
    queries = sorted((ROOT / "queries").glob("*.rq"))
    assert queries
    for path in queries:
        check_query(path.read_text(encoding="utf-8"), LIMITS)
