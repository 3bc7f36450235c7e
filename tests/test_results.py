"""Results written from plain rows: the W3C formats, checked against pyoxigraph's own writers, and the caps."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from mcgraph.errors import UsageError
from mcgraph.results import (
    GRAPH_TYPES,
    SOLUTION_TYPES,
    serialize_boolean,
    serialize_solutions,
    serialize_triples,
)

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RES = "{http://www.w3.org/2005/sparql-results#}"
TRICKY = 'plain, "quoted"\tand\nnew line <&> é'
OBJECTS = [
    ox.Literal(TRICKY),
    ox.Literal("hello", language="en"),
    ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("2024-01-01", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("سلام", language="ar", direction=ox.BaseDirection.RTL),
    ox.BlankNode("b1"),
    ox.NamedNode(EX + "b"),
]
SELECT = f"""SELECT ?s ?o ?missing WHERE {{
  ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}none> ?missing }}
}} ORDER BY ?o"""
WITH_TRIPLE = f"SELECT ?s ?o ?t WHERE {{ ?s <{EX}p> ?o BIND(<<( ?s <{EX}p> ?o )>> AS ?t) }} ORDER BY ?o"
FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
UNLIMITED = {"max_rows": 1_000_000, "max_bytes": 1 << 30}


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for term in OBJECTS:
        store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), term))
    return store


def rows_of(store: ox.Store, query: str) -> tuple[list[str], list[dict]]:
    result = store.query(query)
    names = [variable.value for variable in result.variables]
    return names, [{name: solution[name] for name in names} for solution in result]


def mine(store: ox.Store, query: str, fmt: str, **caps: int):
    names, rows = rows_of(store, query)
    return serialize_solutions(names, rows, fmt, **{**UNLIMITED, **caps})


def theirs(store: ox.Store, query: str, fmt: str) -> bytes:
    return store.query(query).serialize(format=FORMATS[fmt])


def xml_tree(element: ET.Element) -> tuple:
    """An element as nested tuples, white space between elements ignored."""
    children = tuple(xml_tree(child) for child in element)
    text = (element.text or "") if not children else ""
    return element.tag, tuple(sorted(element.attrib.items())), text, children


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


def solutions(body: bytes, fmt: str) -> list[dict]:
    """Parsed back by pyoxigraph, as dicts of terms."""
    parsed = ox.parse_query_results(body, FORMATS[fmt])
    names = [variable.value for variable in parsed.variables]
    return [{name: solution[name] for name in names} for solution in parsed]


# -- the same results as pyoxigraph writes -------------------------------------------------------------


@pytest.mark.parametrize("query", [SELECT, WITH_TRIPLE])
def test_json_matches_pyoxigraph(store: ox.Store, query: str) -> None:
    out = mine(store, query, "json")
    assert out.media_type == "application/sparql-results+json" and out.truncated is None
    assert json.loads(out.body) == json.loads(theirs(store, query, "json"))


@pytest.mark.parametrize("query", [SELECT, WITH_TRIPLE])
def test_xml_matches_pyoxigraph(store: ox.Store, query: str) -> None:
    out = mine(store, query, "xml")
    assert xml_tree(ET.fromstring(out.body)) == xml_tree(ET.fromstring(theirs(store, query, "xml")))


def test_csv_matches_pyoxigraph(store: ox.Store) -> None:
    out = mine(store, SELECT, "csv")
    assert out.media_type == "text/csv"
    assert csv_rows(out.body) == csv_rows(theirs(store, SELECT, "csv"))


@pytest.mark.parametrize("query", [SELECT, WITH_TRIPLE])
def test_tsv_means_the_same_terms_as_pyoxigraph(store: ox.Store, query: str) -> None:
    out = mine(store, query, "tsv")
    assert solutions(out.body, "tsv") == solutions(theirs(store, query, "tsv"), "tsv")
    assert solutions(out.body, "tsv") == rows_of(store, query)[1]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_json_and_xml_read_back_to_the_original_terms(store: ox.Store, fmt: str) -> None:
    assert solutions(mine(store, WITH_TRIPLE, fmt).body, fmt) == rows_of(store, WITH_TRIPLE)[1]


# -- format details --------------------------------------------------------------------------------------


def test_json_terms_follow_the_spec(store: ox.Store) -> None:
    document = json.loads(mine(store, SELECT, "json").body)
    assert document["head"] == {"vars": ["s", "o", "missing"]}
    values = {json.dumps(b["o"], sort_keys=True) for b in document["results"]["bindings"]}
    assert json.dumps({"type": "literal", "value": TRICKY}, sort_keys=True) in values  # no xsd:string
    assert json.dumps({"type": "literal", "value": "hello", "xml:lang": "en"}, sort_keys=True) in values
    integer = {"type": "literal", "value": "42", "datatype": XSD + "integer"}
    assert json.dumps(integer, sort_keys=True) in values
    assert json.dumps({"type": "bnode", "value": "b1"}, sort_keys=True) in values
    assert json.dumps({"type": "uri", "value": EX + "b"}, sort_keys=True) in values
    assert all("missing" not in b for b in document["results"]["bindings"])  # unbound: left out


def test_json_triple_terms(store: ox.Store) -> None:
    bindings = json.loads(mine(store, WITH_TRIPLE, "json").body)["results"]["bindings"]
    triple = next(b["t"] for b in bindings if b["o"]["type"] == "uri")
    assert triple == {"type": "triple", "value": {"subject": {"type": "uri", "value": EX + "a"},
                                                  "predicate": {"type": "uri", "value": EX + "p"},
                                                  "object": {"type": "uri", "value": EX + "b"}}}


def test_xml_escapes_text_and_attributes() -> None:
    value = 'a <b> & "c"\r\nd'
    variable = "v"
    rows = [{variable: ox.Literal(value)}, {variable: ox.Literal("x", datatype=ox.NamedNode(EX + "t?a=1&b=2"))}]
    root = ET.fromstring(serialize_solutions([variable], rows, "xml", **UNLIMITED).body)
    literals = list(root.iter(RES + "literal"))
    assert literals[0].text == value  # '\r' survives as a character reference
    assert literals[1].get("datatype") == EX + "t?a=1&b=2"
    assert [v.get("name") for v in root.iter(RES + "variable")] == ["v"]


def test_xml_replaces_characters_xml_cannot_carry() -> None:
    body = serialize_solutions(["v"], [{"v": ox.Literal("bell\x07")}], "xml", **UNLIMITED).body
    assert ET.fromstring(body).find(f".//{RES}literal").text == "bell\ufffd"


def test_csv_quotes_per_rfc_4180_and_ends_lines_with_crlf(store: ox.Store) -> None:
    body = mine(store, SELECT, "csv").body
    table = csv_rows(body)
    assert table[0] == ["s", "o", "missing"]
    column = [row[1] for row in table[1:]]
    assert TRICKY in column and "_:b1" in column and EX + "b" in column and "42" in column
    assert all(row[2] == "" for row in table[1:])
    assert body.endswith(b"\r\n") and b'"plain, ""quoted""\tand\nnew line <&> \xc3\xa9"' in body
    assert body.replace(b"\r\n", b"").count(b"\n") == 1  # the only bare LF is inside the quoted value


def test_csv_writes_triple_terms_in_n_triples_syntax(store: ox.Store) -> None:
    table = csv_rows(mine(store, WITH_TRIPLE, "csv").body)
    assert f"<<( <{EX}a> <{EX}p> <{EX}b> )>>" in [row[2] for row in table[1:]]


def test_tsv_cells_are_terms_with_tabs_and_newlines_escaped(store: ox.Store) -> None:
    body = mine(store, SELECT, "tsv").body.decode()
    lines = body.split("\n")
    assert lines[0] == "?s\t?o\t?missing" and lines[-1] == ""
    assert len(lines) == len(OBJECTS) + 2
    assert all(line.count("\t") == 2 for line in lines[:-1])
    cells = {line.split("\t")[1] for line in lines[1:-1]}
    assert '"plain, \\"quoted\\"\\tand\\nnew line <&> é"' in cells
    assert '"42"^^<http://www.w3.org/2001/XMLSchema#integer>' in cells
    assert '"hello"@en' in cells and '"سلام"@ar--rtl' in cells and "_:b1" in cells and f"<{EX}b>" in cells


def test_variables_may_be_given_with_a_question_mark() -> None:
    out = serialize_solutions(["?x"], [{"x": ox.Literal("1")}], "json", **UNLIMITED)
    assert json.loads(out.body)["head"]["vars"] == ["x"]


def test_no_rows_and_no_variables_are_still_documents() -> None:
    for fmt in ("json", "xml"):
        assert solutions(serialize_solutions(["x"], [], fmt, **UNLIMITED).body, fmt) == []
    assert serialize_solutions(["x"], [], "csv", **UNLIMITED).body == b"x\r\n"
    assert json.loads(serialize_solutions([], [{}], "json", **UNLIMITED).body)["results"]["bindings"] == [{}]


# -- caps ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(SOLUTION_TYPES))
def test_a_row_cap_keeps_whole_rows_and_says_so(store: ox.Store, fmt: str) -> None:
    out = mine(store, SELECT, fmt, max_rows=2)
    assert out.truncated == "rows"
    assert count_rows(out.body, fmt) == 2
    exact = mine(store, SELECT, fmt, max_rows=len(OBJECTS))
    assert exact.truncated is None and count_rows(exact.body, fmt) == len(OBJECTS)


@pytest.mark.parametrize("fmt", list(SOLUTION_TYPES))
def test_a_byte_cap_gives_a_complete_smaller_document(store: ox.Store, fmt: str) -> None:
    full = mine(store, WITH_TRIPLE, fmt)
    for cap in (len(full.body) - 1, len(full.body) // 2, 10):
        out = mine(store, WITH_TRIPLE, fmt, max_bytes=cap)
        assert out.truncated == "bytes"
        rows = count_rows(out.body, fmt)  # parses: a complete document
        assert rows < len(OBJECTS)
        assert len(out.body) <= cap or rows == 0  # the frame alone is always sent
    assert mine(store, WITH_TRIPLE, fmt, max_bytes=len(full.body)).truncated is None


def count_rows(body: bytes, fmt: str) -> int:
    if fmt == "json":
        return len(json.loads(body)["results"]["bindings"])
    if fmt == "xml":
        return len(ET.fromstring(body).findall(f"{RES}results/{RES}result"))
    if fmt == "csv":
        return len(csv_rows(body)) - 1
    return len(solutions(body, "tsv"))


def test_rows_are_read_lazily_and_only_one_past_the_cap() -> None:
    taken: list[int] = []

    def rows():
        for i in range(1000):
            taken.append(i)
            yield {"x": ox.Literal(str(i))}

    assert serialize_solutions(["x"], rows(), "csv", max_rows=3, max_bytes=1 << 20).truncated == "rows"
    assert taken == [0, 1, 2, 3]


# -- ASK -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_boolean_results(store: ox.Store, value: bool) -> None:
    ask = "ASK { ?s ?p ?o }" if value else "ASK { ?s <http://example.org/none> ?o }"
    expected = store.query(ask).serialize(format=ox.QueryResultsFormat.JSON)
    assert json.loads(serialize_boolean(value, "json").body) == json.loads(expected)
    for fmt in ("json", "xml", "tsv"):
        out = serialize_boolean(value, fmt)
        assert out.media_type == SOLUTION_TYPES[fmt] and out.truncated is None
        assert bool(ox.parse_query_results(out.body, FORMATS[fmt])) is value
    word = b"true" if value else b"false"
    assert ET.fromstring(serialize_boolean(value, "xml").body).find(f"{RES}boolean").text == word.decode()
    assert serialize_boolean(value, "csv").body == word + b"\r\n"


# -- CONSTRUCT -------------------------------------------------------------------------------------------------


@pytest.fixture()
def triples() -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(EX + f"s{i}"), ox.NamedNode(EX + "p"), ox.Literal(f"v{i}")) for i in range(5)]


@pytest.mark.parametrize(("fmt", "rdf_format"), [("turtle", ox.RdfFormat.TURTLE),
                                                 ("ntriples", ox.RdfFormat.N_TRIPLES),
                                                 ("jsonld", ox.RdfFormat.JSON_LD),
                                                 ("rdfxml", ox.RdfFormat.RDF_XML)])
def test_triples_in_every_graph_format(triples: list[ox.Triple], fmt: str, rdf_format: ox.RdfFormat) -> None:
    out = serialize_triples(triples, fmt, 100, {"ex": EX})
    assert out.media_type == GRAPH_TYPES[fmt] and out.truncated is None
    assert {q.triple for q in ox.parse(out.body, rdf_format)} == set(triples)


def test_triples_use_the_prefixes_and_are_capped(triples: list[ox.Triple]) -> None:
    assert b"@prefix ex: <http://example.org/>" in serialize_triples(triples, "turtle", 100, {"ex": EX}).body
    out = serialize_triples(iter(triples), "ntriples", 3)
    assert out.truncated == "rows" and len(list(ox.parse(out.body, ox.RdfFormat.N_TRIPLES))) == 3
    assert serialize_triples(triples, "ntriples", 5).truncated is None


def test_a_triple_term_a_format_cannot_write_is_a_usage_error() -> None:
    inner = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"))
    with pytest.raises(UsageError):
        serialize_triples([ox.Triple(ox.NamedNode(EX + "r"), ox.NamedNode(EX + "p"), inner)], "jsonld", 10)


def test_unknown_formats_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        serialize_solutions(["x"], [], "html", 10, 1000)
    with pytest.raises(UsageError):
        serialize_boolean(True, "turtle")
    with pytest.raises(UsageError):
        serialize_triples([], "json", 10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_rows_written_are_counted_under_each_cap(store: ox.Store, fmt: str) -> None:
    assert mine(store, SELECT, fmt).rows == len(OBJECTS)
    assert mine(store, SELECT, fmt, max_rows=3).rows == 3
    whole = mine(store, SELECT, fmt)
    cut = mine(store, SELECT, fmt, max_bytes=len(whole.body) - 1)
    assert cut.truncated == "bytes" and cut.rows == len(OBJECTS) - 1
    assert serialize_boolean(True, fmt).rows == 0
    triples = [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal(str(i))) for i in range(5)]
    assert serialize_triples(triples, "turtle", 3).rows == 3
