"""The worker pool: answers, stops runaway queries, survives crashes, follows the store's snapshots."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.config import Settings
from mcgraph.errors import QueryError, QueryTimeout
from mcgraph.service import GraphService
from mcgraph.store import OxigraphStore

G = "https://example.org/graph/pool"
EX = "https://example.org/"
# ~8e9 solutions over 2,000 triples: runs far longer than any limit here
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIMEOUT = 2.0


def quads(n: int) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), ox.NamedNode(G))
            for i in range(n)]


@pytest.fixture()
def service(tmp_path: Path) -> Iterator[GraphService]:
    store = OxigraphStore(str(tmp_path / "store"))
    store.commit({G: quads(2000)}, [], replace=True)
    settings = Settings(store=store.location, query_timeout=TIMEOUT, query_workers=3)
    svc = GraphService(store, settings, pool=True)
    yield svc
    svc.close()


def count(service: GraphService) -> int:
    rows = service.executor.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}")
    return int(rows[0]["n"].value)


def test_workers_answer_from_a_snapshot_of_the_store(service: GraphService) -> None:
    assert count(service) == 2000
    result = service.sparql(f"SELECT ?o WHERE {{ <{EX}s7> ?p ?o }}", "csv")
    assert result.body.splitlines()[1] == b"7"


def test_an_expensive_query_is_stopped_within_twice_the_limit(service: GraphService) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        service.sparql(EXPENSIVE)
    assert time.monotonic() - started < 2 * TIMEOUT
    assert count(service) == 2000  # the pool replaced the killed worker


def test_a_cheap_query_answers_while_two_expensive_ones_run(service: GraphService) -> None:
    count(service)  # every worker is up
    outcomes: list[str] = []

    def expensive() -> None:
        try:
            service.sparql(EXPENSIVE)
        except QueryTimeout:
            outcomes.append("stopped")

    threads = [threading.Thread(target=expensive) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    answer = service.sparql(f"ASK {{ <{EX}s1> ?p ?o }}")
    cheap_seconds = time.monotonic() - started
    for thread in threads:
        thread.join()
    assert b"true" in answer.body
    assert cheap_seconds < TIMEOUT / 2  # answered while both expensive queries were still running
    assert outcomes == ["stopped", "stopped"]


def test_a_query_that_kills_its_worker_costs_one_worker_only(service: GraphService) -> None:
    """Deep nesting overflows the engine's stack and aborts its process (the guard refuses it before the
    pool in the server; here it is sent to the pool directly)."""
    count(service)
    with pytest.raises(QueryError):
        service.executor.select("SELECT * WHERE " + "{" * 200_000 + "}" * 200_000)
    assert count(service) == 2000
    assert all(w.process.is_alive() for w in service.executor._workers)


def test_writes_reach_the_workers_and_old_snapshots_are_removed(service: GraphService) -> None:
    assert count(service) == 2000
    before = {p.name for p in service._snapshots.iterdir()}
    created, _ = service.put_graph(G, b"<https://example.org/s1> <https://example.org/p> \"only\" .",
                                   ox.RdfFormat.N_TRIPLES)
    assert not created
    assert count(service) == 1
    for _ in range(3):  # every worker moves to the new snapshot at its next task
        count(service)
    after = {p.name for p in service._snapshots.iterdir()}
    assert not before & after
