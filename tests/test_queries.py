from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

import mcgraph.queries
from mcgraph.errors import UnknownResource, UsageError
from mcgraph.queries import (
    bind,
    catalogue,
    expand_iri,
    find_query,
    paged,
    parse_query_file,
    run,
    serialize_results,
)
from mcgraph.store import OxigraphStore

G = "https://example.org/g"
QUERY = """#+ title: Things with a label
#+ description: Subjects whose label is the given text.
#+ param: label string = alpha -- the label to look for
#+ param: minimum integer = 0
#+ param: kind iri -- a class (required)
SELECT ?s ?label ?minimum ?kind WHERE { ?s a ?kind ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }
"""


@pytest.fixture()
def query_file(tmp_path: Path) -> Path:
    path = tmp_path / "things.rq"
    path.write_text(QUERY)
    return path


def test_header_is_parsed(query_file: Path) -> None:
    q = parse_query_file(query_file)
    assert (q.name, q.title) == ("things", "Things with a label")
    assert q.description.startswith("Subjects whose label")
    assert [(p.name, p.type, p.default, p.required) for p in q.params] == [
        ("label", "string", "alpha", False), ("minimum", "integer", "0", False), ("kind", "iri", None, True)]
    assert q.params[0].description == "the label to look for"


def test_malformed_param_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.rq"
    path.write_text("#+ title: x\n#+ param: x colour = red\nSELECT * WHERE {}\n")
    with pytest.raises(UsageError, match=r"bad\.rq:2: malformed parameter"):
        parse_query_file(path)


def test_binding_types_defaults_and_curies(query_file: Path) -> None:
    q = parse_query_file(query_file)
    bound = bind(q, {"kind": "id:framework/aqf", "minimum": "7"})
    assert bound["kind"] == ox.NamedNode("https://w3id.org/mcgraph/id/framework/aqf")
    assert bound["label"] == ox.Literal("alpha")
    assert bound["minimum"] == ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))


@pytest.mark.parametrize("values,message", [
    ({}, "needs parameter kind"),
    ({"kind": "ex:x", "colour": "red"}, "no parameter"),
    ({"kind": "not an iri"}, "not an IRI"),
    ({"kind": "http://a/b> } ; DROP ALL ; #"}, "not an IRI"),
    ({"kind": "http://a/", "minimum": "seven"}, "invalid value"),
])
def test_bad_parameters_fail_clearly(query_file: Path, values: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        bind(parse_query_file(query_file), values)


@pytest.mark.parametrize("kind,raw,ok", [("date", "2024-02-29", True), ("date", "2023-02-29", False),
                                          ("decimal", "4.5", True), ("boolean", "TRUE", True),
                                          ("boolean", "yes", False)])
def test_typed_values(tmp_path: Path, kind: str, raw: str, ok: bool) -> None:
    path = tmp_path / "t.rq"
    path.write_text(f"#+ title: t\n#+ param: v {kind}\nSELECT ?v WHERE {{}}\n")
    q = parse_query_file(path)
    if ok:
        assert isinstance(bind(q, {"v": raw})["v"], ox.Literal)
    else:
        with pytest.raises(UsageError):
            bind(q, {"v": raw})


def test_a_hostile_string_value_stays_a_literal(memory_store: OxigraphStore, query_file: Path) -> None:
    memory_store.commit({G: [ox.Quad(ox.NamedNode("https://example.org/a"),
                                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                                      ox.Literal('x" } ; DROP ALL ; #'), ox.NamedNode(G)),
                              ox.Quad(ox.NamedNode("https://example.org/a"),
                                      ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                      ox.NamedNode("https://example.org/Thing"), ox.NamedNode(G))]}, [], replace=True)
    q = parse_query_file(query_file)
    rows = list(run(memory_store, q, {"kind": "https://example.org/Thing", "label": 'x" } ; DROP ALL ; #'}))
    assert [r["s"].value for r in rows] == ["https://example.org/a"]
    assert sum(1 for quad in memory_store.quads() if quad.graph_name == ox.NamedNode(G)) == 2


def test_results_serialise_as_csv_json_tsv_xml(memory_store: OxigraphStore) -> None:
    for fmt, marker in (("csv", b"x\r\n"), ("json", b'"vars"'), ("tsv", b"?x"), ("xml", b"<sparql")):
        result = memory_store.query('SELECT ?x WHERE { BIND("1" AS ?x) }')
        assert marker in serialize_results(result, fmt)
    with pytest.raises(UsageError):
        serialize_results(memory_store.query("SELECT ?x WHERE {}"), "yaml")


def test_expand_iri_accepts_angle_brackets_and_known_prefixes() -> None:
    assert expand_iri("<https://example.org/x>") == "https://example.org/x"
    assert expand_iri("skos:Concept") == "http://www.w3.org/2004/02/skos/core#Concept"


def test_unknown_query_name(tmp_path: Path) -> None:
    with pytest.raises(UnknownResource, match="mcgraph queries"):
        find_query("no-such-query")


def test_find_query_accepts_a_file(query_file: Path) -> None:
    assert find_query(str(query_file)).name == "things"


def test_the_catalogue_is_parsed_once_and_again_when_a_file_changes(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one.rq").write_text("#+ title: First\nSELECT * WHERE { ?s ?p ?o }\n")
    monkeypatch.setattr(mcgraph.queries, "resource_dir", lambda name: tmp_path)
    monkeypatch.setattr(mcgraph.queries, "_looked", None)
    monkeypatch.setattr(mcgraph.queries, "CATALOGUE_CHECK", 0)  # look at the folder every time
    first = catalogue()
    assert catalogue()["one"] is first["one"]  # cached: the same parsed object
    (tmp_path / "one.rq").write_text("#+ title: Second\nSELECT * WHERE { ?s ?p ?o }\n")
    stat = (tmp_path / "one.rq").stat()
    os.utime(tmp_path / "one.rq", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    (tmp_path / "two.rq").write_text("ASK {}\n")
    assert catalogue()["one"].title == "Second" and set(catalogue()) == {"one", "two"}


def test_the_query_folder_is_looked_at_once_a_second_at_most(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one.rq").write_text("ASK {}\n")
    monkeypatch.setattr(mcgraph.queries, "resource_dir", lambda name: tmp_path)
    monkeypatch.setattr(mcgraph.queries, "_looked", None)
    assert set(catalogue()) == {"one"}
    (tmp_path / "two.rq").write_text("ASK {}\n")
    assert set(catalogue()) == {"one"}  # within the interval: no scan
    monkeypatch.setattr(mcgraph.queries, "CATALOGUE_CHECK", 0)
    assert set(catalogue()) == {"one", "two"}


# -- paging ---------------------------------------------------------------------------------------------
THINGS = "SELECT ?s ?kind WHERE { ?s a ?kind }"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


@pytest.fixture()
def ten_things(memory_store: OxigraphStore, tmp_path: Path) -> tuple[OxigraphStore, Path]:
    """Ten things of one class, and a query file listing them (parameter `kind`)."""
    kind = ox.NamedNode("https://example.org/Thing")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    memory_store.commit({G: [ox.Quad(ox.NamedNode(f"https://example.org/t{i}"), rdf_type, kind, ox.NamedNode(G))
                             for i in range(10)]}, [], replace=True)
    path = tmp_path / "things.rq"
    path.write_text(f"#+ title: Things\n#+ param: kind iri = {kind.value} -- the class\n{THINGS}\n# the end")
    return memory_store, path


def _subjects(store: OxigraphStore, path: Path, limit: int | None = None, offset: int = 0) -> list[str]:
    return [row["s"].value for row in run(store, parse_query_file(path), {}, limit, offset)]


def test_pages_are_slices_of_the_whole_in_one_order(ten_things: tuple[OxigraphStore, Path]) -> None:
    store, path = ten_things
    every = _subjects(store, path)
    assert len(every) == 10
    assert _subjects(store, path, 4) == every[:4]
    assert _subjects(store, path, 4, 8) == every[8:]
    assert _subjects(store, path, None, 3) == every[3:]
    assert _subjects(store, path, 0) == []
    assert _subjects(store, path, 5, 10) == []
    pages = [_subjects(store, path, 3, offset) for offset in range(0, 10, 3)]
    assert [s for page in pages for s in page] == every


def test_paging_appends_one_clause_of_integers_on_a_line_of_its_own() -> None:
    assert paged(THINGS) == THINGS  # nothing asked, nothing changed
    assert paged(THINGS, 0, 0).endswith("}\nLIMIT 0\n")
    assert paged(THINGS, 5, 20).endswith("}\nLIMIT 5 OFFSET 20\n")
    assert paged(THINGS, None, 7).endswith("}\nOFFSET 7\n")
    assert paged(THINGS + " # LIMIT 3", 5) == THINGS + " # LIMIT 3\nLIMIT 5\n"  # a final comment stays one


@pytest.mark.parametrize("limit,offset", [(-1, 0), (1, -1), ("10", 0), (1, "0; DROP ALL"), (2.0, 0), (True, 0),
                                          (1, None), (1, 2**64)])
def test_invalid_limits_and_offsets_are_refused(limit: object, offset: object) -> None:
    with pytest.raises(UsageError, match="must be a non-negative integer"):
        paged(THINGS, limit, offset)  # type: ignore[arg-type]


@pytest.mark.parametrize("tail", ["LIMIT 3", "limit 3 offset 1", "OFFSET 2"])
def test_a_query_already_ending_in_limit_or_offset_is_refused_for_paging(tail: str) -> None:
    text = f"{THINGS}\n{tail}\n"
    assert paged(text) == text  # it still runs whole
    with pytest.raises(UsageError, match="already has (LIMIT|OFFSET)"):
        paged(text, 10)
    with pytest.raises(UsageError, match="already has"):
        paged(text, None, 5)


def test_limits_in_subqueries_strings_comments_and_names_are_not_the_top_level(memory_store: OxigraphStore) -> None:
    text = """PREFIX limit: <https://example.org/limit#>
        SELECT ?s ?limit WHERE {  # LIMIT 1 } OFFSET 2
          { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 }
          BIND("} LIMIT 1" AS ?limit) BIND(\"\"\"} OFFSET 1 \"\" }\"\"\" AS ?x) BIND(limit:offset AS ?y)
        }"""
    assert paged(text, 2, 1).endswith("}\nLIMIT 2 OFFSET 1\n")
    memory_store.query(paged(text, 2, 1))  # parses


def test_the_clause_goes_before_a_trailing_values_block(ten_things: tuple[OxigraphStore, Path]) -> None:
    store, _ = ten_things
    text = "SELECT ?s WHERE { ?s a ?kind } VALUES ?kind { <https://example.org/Thing> }"
    assert paged(text, 2, 1) == ("SELECT ?s WHERE { ?s a ?kind } LIMIT 2 OFFSET 1\n"
                                 "VALUES ?kind { <https://example.org/Thing> }")
    assert len(list(store.query(paged(text, 2, 1)))) == 2


def test_run_refuses_bad_paging_before_the_store_sees_the_query(ten_things: tuple[OxigraphStore, Path]) -> None:
    store, path = ten_things
    with pytest.raises(UsageError, match="limit must be a non-negative integer"):
        run(store, parse_query_file(path), {}, -5)


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_canned_query_can_be_paged(bundled_store: OxigraphStore, name: str) -> None:
    query = catalogue()[name]
    every = [tuple(row) for row in run(bundled_store, query)]
    page = [tuple(row) for row in run(bundled_store, query, None, 2, 1)]
    assert len(page) == min(2, max(len(every) - 1, 0))
    assert set(page) <= set(every)
