from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.errors import QueryError, UnknownResource, UsageError
from mcgraph.namespaces import CATALOG_GRAPH, MC
from mcgraph.store import PENDING, STAGING_PREFIX, LoadRecord, OxigraphStore, open_store

G = "https://example.org/graph/a"
EX = "https://example.org/"


def triples(graph: str, *values: str) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(v), ox.NamedNode(graph))
            for v in values]


def values_in(store: OxigraphStore, graph: str = G) -> set[str]:
    rows = store.query(f"SELECT ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return {r["o"].value for r in rows}


def record(graph: str, n: int) -> LoadRecord:
    return LoadRecord(graph, "test.ttl", "0" * 64, n)


def test_replace_swaps_the_whole_graph_and_records_the_load(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "old1", "old2")}, [record(G, 2)], replace=True)
    memory_store.commit({G: triples(G, "new")}, [record(G, 1)], replace=True)
    assert values_in(memory_store) == {"new"}
    loads = list(memory_store.query(
        f"SELECT ?n WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ ?l <{MC}graph> <{G}> ; <{MC}tripleCount> ?n }} }}"))
    assert [r["n"].value for r in loads] == ["1"]  # the replaced load's record is gone


def test_append_adds_and_keeps_every_load_record(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "a")}, [record(G, 1)], replace=True)
    memory_store.commit({G: triples(G, "b")}, [record(G, 1)], replace=False)
    assert values_in(memory_store) == {"a", "b"}
    info = {g.name: g for g in memory_store.graphs()}
    assert info[G].triples == 2 and info[G].source == "test.ttl"
    count = memory_store.query(f"SELECT (COUNT(?l) AS ?n) WHERE {{ ?l <{MC}graph> <{G}> }}")
    assert next(iter(count))["n"].value == "2"


def test_queries_see_the_union_of_named_graphs(memory_store: OxigraphStore) -> None:
    other = "https://example.org/graph/b"
    memory_store.commit({G: triples(G, "a"), other: triples(other, "b")}, [], replace=True)
    rows = memory_store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o")
    assert [r["o"].value for r in rows] == ["a", "b"]


def test_substitutions_bind_values_without_touching_the_query_text(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "a", "b")}, [], replace=True)
    rows = memory_store.query("SELECT ?s ?o WHERE { ?s ?p ?o }", substitutions={"o": ox.Literal("b")})
    assert len(list(rows)) == 1


def test_staging_graphs_are_hidden_while_a_replacement_is_written(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "old")}, [], replace=True)
    seen: list[set[str]] = []
    real_write = memory_store._write_staging

    def spy(name: str, quads: list[ox.Quad]) -> None:
        real_write(name, quads)
        seen.append({r["o"].value for r in memory_store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")})

    memory_store._write_staging = spy  # type: ignore[method-assign]
    memory_store.commit({G: triples(G, "new")}, [], replace=True)
    assert seen == [{"old"}]  # staged data was written but not visible to readers
    assert values_in(memory_store) == {"new"}


def test_a_failing_swap_leaves_the_previous_graph_and_no_staging(memory_store: OxigraphStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    memory_store.commit({G: triples(G, "old")}, [], replace=True)
    monkeypatch.setattr("mcgraph.store._finish_update", lambda *args: "THIS IS NOT SPARQL")
    with pytest.raises(SyntaxError):
        memory_store.commit({G: triples(G, "new")}, [], replace=True)
    assert values_in(memory_store) == {"old"}
    assert not any(g.value.startswith(STAGING_PREFIX) for g in memory_store._store.named_graphs())


def test_a_new_graph_is_written_in_place_hidden_and_marked_pending_until_the_update(
        memory_store: OxigraphStore) -> None:
    other = "https://example.org/graph/b"
    memory_store.commit({other: triples(other, "kept")}, [], replace=True)
    seen: list[tuple[set[str], int]] = []
    real_write = memory_store._write

    def spy(target: ox.NamedNode, quads: list[ox.Quad], rename: bool, bulk: bool = False) -> None:
        real_write(target, quads, rename, bulk)
        marks = list(memory_store._store.quads_for_pattern(ox.NamedNode(G), PENDING, None, None))
        seen.append(({r["o"].value for r in memory_store.query(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }}")}, len(marks)))

    memory_store._write = spy  # type: ignore[method-assign]
    memory_store.commit({G: triples(G, "new")}, [record(G, 1)], replace=True)
    assert seen == [({"kept"}, 1)]  # written in place (no staging graph), invisible, marked
    assert values_in(memory_store) == {"new"}
    assert not list(memory_store._store.quads_for_pattern(None, PENDING, None, None))
    assert not any(g.value.startswith(STAGING_PREFIX) for g in memory_store._store.named_graphs())


def test_a_failing_update_after_an_in_place_write_leaves_no_graph_and_no_mark(
        memory_store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    version = memory_store.version()
    monkeypatch.setattr("mcgraph.store._finish_update", lambda *args: "THIS IS NOT SPARQL")
    with pytest.raises(SyntaxError):
        memory_store.commit({G: triples(G, "new")}, [record(G, 1)], replace=True)
    assert G not in memory_store.graph_names() and not values_in(memory_store)
    assert not list(memory_store._store.quads_for_pattern(None, PENDING, None, None))
    assert memory_store.version() == version


def test_pending_graphs_left_by_a_killed_process_are_dropped_when_the_store_opens(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    store = OxigraphStore(location)
    store.commit({EX + "kept": triples(EX + "kept", "kept")}, [record(EX + "kept", 1)], replace=True)
    store._store.add(ox.Quad(ox.NamedNode(G), PENDING, ox.Literal("dead"), ox.NamedNode(CATALOG_GRAPH)))
    store._store.extend(triples(G, "half"))  # as a killed process would leave an in-place write
    store.close()
    store = OxigraphStore(location)
    assert store.graph_names() == {EX + "kept", CATALOG_GRAPH}
    assert not list(store._store.quads_for_pattern(None, PENDING, None, None))
    store.close()


def test_leftover_staging_graphs_are_dropped_when_the_store_opens(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    raw = ox.Store(location)  # as a killed process would leave it
    raw.add(ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("half"),
                    ox.NamedNode(STAGING_PREFIX + "dead")))
    raw.flush()
    del raw
    store = OxigraphStore(location)
    assert list(store.quads()) == []
    assert list(store._store.named_graphs()) == []
    store.close()


def test_disk_store_persists_across_reopen(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    with open_store(location) as store:
        store.commit({G: triples(G, "kept")}, [record(G, 1)], replace=True)
    with open_store(location) as store:
        assert values_in(store) == {"kept"}


def test_drop_graph_removes_data_and_catalog_record(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "a")}, [record(G, 1)], replace=True)
    memory_store.drop_graph(G)
    assert memory_store.graphs() == [g for g in memory_store.graphs() if g.name == CATALOG_GRAPH]
    assert not list(memory_store.query(f"SELECT ?l WHERE {{ ?l <{MC}graph> <{G}> }}"))
    with pytest.raises(UnknownResource):
        memory_store.drop_graph(G)


def test_dump_one_graph_or_the_whole_dataset(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "a")}, [], replace=True)
    buffer = io.BytesIO()
    memory_store.dump(buffer, ox.RdfFormat.N_TRIPLES, G)
    assert buffer.getvalue().count(b"\n") == 1
    buffer = io.BytesIO()
    memory_store.dump(buffer, ox.RdfFormat.N_QUADS)
    assert f"<{G}>".encode() in buffer.getvalue()
    with pytest.raises(UsageError):
        memory_store.dump(io.BytesIO(), ox.RdfFormat.TURTLE)
    with pytest.raises(UnknownResource):
        memory_store.dump(io.BytesIO(), ox.RdfFormat.TURTLE, EX + "missing")


def test_malformed_query_is_a_query_error(memory_store: OxigraphStore) -> None:
    with pytest.raises(QueryError, match="malformed"):
        memory_store.query("SELECT WHERE {")


def test_remote_locations_are_refused_clearly() -> None:
    with pytest.raises(UsageError, match="remote"):
        open_store("http://127.0.0.1:7878/sparql")


def test_every_write_changes_the_dataset_version(memory_store: OxigraphStore) -> None:
    seen = [memory_store.version()]
    memory_store.commit({G: triples(G, "a")}, [record(G, 1)], replace=True)
    seen.append(memory_store.version())
    memory_store.commit({G: triples(G, "b")}, [record(G, 1)], replace=False)
    seen.append(memory_store.version())
    memory_store.drop_graph(G)
    seen.append(memory_store.version())
    assert len(set(seen)) == 4


def test_append_is_staged_and_swapped_in_one_transaction(memory_store: OxigraphStore) -> None:
    memory_store.commit({G: triples(G, "a")}, [], replace=True)
    memory_store.commit({G: triples(G, "b")}, [], replace=False)
    assert values_in(memory_store) == {"a", "b"}
    assert not any(g.value.startswith(STAGING_PREFIX) for g in memory_store._store.named_graphs())


def test_a_commit_can_drop_graphs_together_with_writing_others(memory_store: OxigraphStore) -> None:
    other = "https://example.org/graph/b"
    memory_store.commit({G: triples(G, "a"), other: triples(other, "b")}, [record(G, 1), record(other, 1)],
                        replace=True)
    memory_store.commit({G: triples(G, "c"), other: None}, [record(G, 1)], replace=True)
    assert values_in(memory_store) == {"c"}
    assert other not in memory_store.graph_names()
    forgotten = memory_store.query(f"ASK {{ ?l <{MC}graph> <{other}> }}")
    assert not bool(forgotten)


def test_snapshot_of_a_disk_store_is_an_independent_readable_copy(tmp_path: Path) -> None:
    store = OxigraphStore(str(tmp_path / "store"))
    store.commit({G: triples(G, "a")}, [], replace=True)
    store.snapshot(tmp_path / "snap")
    store.commit({G: triples(G, "b")}, [], replace=True)
    copy = ox.Store.read_only(str(tmp_path / "snap"))
    assert {q.object.value for q in copy.quads_for_pattern(None, ox.NamedNode(EX + "p"), None)} == {"a"}
    store.close()
