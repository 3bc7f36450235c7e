"""Parse -> validate -> commit: graph naming, replace/append, catalog records, all-or-nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT
from mcgraph.errors import NonConformantData, RDFSyntaxError
from mcgraph.ingest import graph_for_file, load_files
from mcgraph.namespaces import CATALOG_GRAPH, GRAPH, MC
from mcgraph.store import OxigraphStore, sha256_of

EX = "@prefix ex: <https://example.org/> .\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def quads(store: OxigraphStore) -> list[str]:
    return sorted(str(q) for q in store.quads())


def values(store: OxigraphStore, graph: str) -> set[str]:
    return {r["o"].value for r in store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ex:p ?o }} }}".replace(
        "ex:p", "<https://example.org/p>"))}


def test_graph_names_for_bundled_and_local_files(tmp_path: Path) -> None:
    bundled = next((ROOT / "data").rglob("*.ttl"))
    expected = GRAPH + "data/" + bundled.relative_to(ROOT / "data").with_suffix("").as_posix()
    assert graph_for_file(bundled) == expected
    assert graph_for_file(tmp_path / "my-register.ttl") == GRAPH + "local/my-register"


def test_each_file_replaces_its_own_graph_and_is_recorded(memory_store: OxigraphStore, tmp_path: Path) -> None:
    first = write(tmp_path / "reg.ttl", EX + 'ex:a ex:p "one" . ex:b ex:p "two" .')
    load_files(memory_store, [first])
    second = write(tmp_path / "reg.ttl", EX + 'ex:a ex:p "three" .')
    result = load_files(memory_store, [second])
    graph = GRAPH + "local/reg"
    assert result.graphs == {graph: 1}
    assert values(memory_store, graph) == {"three"}
    rows = list(memory_store.query(
        f"SELECT ?sha ?n WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?l <{MC}graph> <{graph}> ; "
        f"<{MC}sha256> ?sha ; <{MC}tripleCount> ?n }} }}"))
    assert [(r["sha"].value, int(r["n"].value)) for r in rows] == [(sha256_of(second), 1)]


def test_append_adds_to_the_named_graph(memory_store: OxigraphStore, tmp_path: Path) -> None:
    graph = "https://example.org/graph/register"
    load_files(memory_store, [write(tmp_path / "a.ttl", EX + 'ex:a ex:p "a" .')], graph=graph)
    load_files(memory_store, [write(tmp_path / "b.ttl", EX + 'ex:b ex:p "b" .')], graph=graph, append=True)
    assert values(memory_store, graph) == {"a", "b"}


def test_trig_keeps_its_own_graph_names(memory_store: OxigraphStore, tmp_path: Path) -> None:
    trig = write(tmp_path / "multi.trig", EX + 'ex:g1 { ex:a ex:p "1" } ex:g2 { ex:b ex:p "2" } ex:c ex:p "3" .')
    result = load_files(memory_store, [trig])
    assert set(result.graphs) == {"https://example.org/g1", "https://example.org/g2", GRAPH + "local/multi"}


def test_a_syntax_error_in_one_file_stores_none_of_the_submission(memory_store: OxigraphStore,
                                                                    tmp_path: Path) -> None:
    load_files(memory_store, [write(tmp_path / "keep.ttl", EX + 'ex:a ex:p "kept" .')])
    before = quads(memory_store)
    good = write(tmp_path / "good.ttl", EX + 'ex:b ex:p "new" .')
    bad = write(tmp_path / "bad.ttl", EX + "ex:b ex:p .\n")
    with pytest.raises(RDFSyntaxError) as caught:
        load_files(memory_store, [good, bad])
    assert (caught.value.file, caught.value.line) == (str(bad), 2)
    assert quads(memory_store) == before


def test_violations_reject_the_whole_submission(bundled_store_copy: OxigraphStore, tmp_path: Path) -> None:
    before = quads(bundled_store_copy)
    good = write(tmp_path / "good.ttl", EX + 'ex:b ex:p "new" .')
    bad = write(tmp_path / "bad.ttl", "@prefix mc: <https://w3id.org/mcgraph/ns#> .\n"
                "<https://example.org/level/x> a mc:Level .\n")  # no scheme, notation or rank
    with pytest.raises(NonConformantData) as caught:
        load_files(bundled_store_copy, [good, bad])
    assert caught.value.report.count("Violation") > 0
    assert all(r.focus == "https://example.org/level/x" for r in caught.value.report.results)
    assert quads(bundled_store_copy) == before


def test_references_to_stored_nodes_are_resolved_in_context(bundled_store_copy: OxigraphStore,
                                                           tmp_path: Path) -> None:
    """A submission pointing at a stored level conforms only because the store is consulted."""
    from mcgraph.validate import validate_files

    fixture = ROOT / "tests" / "fixtures" / "valid-credential.ttl"
    assert validate_files([fixture], bundled_store_copy).conforms
    alone = validate_files([fixture], None)
    assert not alone.conforms  # without the store, the referenced levels and bodies are unknown
    load_files(bundled_store_copy, [fixture])
    assert GRAPH + "local/valid-credential" in {g.name for g in bundled_store_copy.graphs()}
