"""The worker pool: answers, stops runaway queries, survives crashes, follows the store's snapshots."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvloop

from mcgraph import executor
from mcgraph.config import Settings
from mcgraph.errors import QueryError, QueryTimeout
from mcgraph.executor import SparqlTask
from mcgraph.guard import RefusedQuery
from mcgraph.service import GraphService, LruCache
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


def test_the_time_limit_holds_for_a_repeated_query(service: GraphService) -> None:
    for _ in range(2):  # a query that timed out is not remembered: the second run is stopped the same way
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            service.sparql(EXPENSIVE)
        assert time.monotonic() - started < 2 * TIMEOUT
    assert len(service._results) == 0


def test_service_is_refused_every_time_through_the_pool(service: GraphService) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    for _ in range(2):
        with pytest.raises(RefusedQuery) as refused:
            service.sparql(query)
        assert refused.value.reason == "service"


def test_a_cached_answer_is_replaced_after_a_write(service: GraphService) -> None:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{EX}p> ?o }}"
    assert service.sparql(query, "csv").body.split()[-1] == b"2000"
    assert service.cached_sparql(query, "csv") is not None
    service.put_graph(G, b"<https://example.org/s1> <https://example.org/p> \"only\" .", ox.RdfFormat.N_TRIPLES)
    assert service.cached_sparql(query, "csv") is None
    assert service.sparql(query, "csv").body.split()[-1] == b"1"


def test_the_result_cache_is_bounded() -> None:
    cache = LruCache(entries=2, max_bytes=100, max_item=60)
    cache.put("a", 1, 10)
    cache.put("b", 2, 10)
    cache.get("a")
    cache.put("c", 3, 10)  # over two entries: the least recently used goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.put("big", 4, 61)  # over one item's limit: never kept
    assert cache.get("big") is None
    cache.put("d", 5, 55)
    cache.put("e", 6, 50)  # over the bytes: the oldest go until it fits
    assert len(cache) == 1 and cache.get("e") == 6
    assert LruCache(0, 100, 100).get("x") is None


# -- the event-loop path (the server awaits workers without a thread) ---------------------------------
LOOPS = {"asyncio": asyncio.run, "uvloop": uvloop.run}


@pytest.mark.parametrize("loop", LOOPS)
def test_answers_awaited_on_the_loop_leave_the_pool_usable_from_threads(service: GraphService, loop: str) -> None:
    async def many() -> list[bytes]:
        return [(await service.asparql(f"SELECT ?o WHERE {{ <{EX}s{i}> ?p ?o }}", "csv")).body for i in range(6)]

    bodies = LOOPS[loop](many())
    assert [b.splitlines()[1] for b in bodies] == [str(i).encode() for i in range(6)]
    for _ in range(3):  # every worker's pipe is blocking again (uvloop makes a watched one non-blocking)
        assert count(service) == 2000


def test_a_large_answer_is_read_off_the_loop_intact(service: GraphService, monkeypatch: pytest.MonkeyPatch) -> None:
    query = f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o }}"
    expected = service.executor.sparql(SparqlTask(query, "csv", "turtle")).body
    monkeypatch.setattr(executor, "LARGE_REPLY", 100)
    body = asyncio.run(service.executor.asparql(SparqlTask(query, "csv", "turtle"))).body
    assert len(body) > 100 and body == expected


def test_an_awaited_expensive_query_is_stopped_within_twice_the_limit(service: GraphService) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        asyncio.run(service.asparql(EXPENSIVE))
    assert time.monotonic() - started < 2 * TIMEOUT
    assert count(service) == 2000


def test_a_cancelled_await_kills_its_worker_and_the_pool_recovers(service: GraphService) -> None:
    count(service)
    pids = {w.process.pid for w in service.executor._workers}

    async def cancel() -> None:
        task = asyncio.create_task(service.asparql(EXPENSIVE))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
    workers = service.executor._workers
    assert len(workers) == 3 and all(w.process.is_alive() for w in workers)
    assert len(pids - {w.process.pid for w in workers}) == 1  # the busy worker was replaced, not reused
    assert count(service) == 2000


def test_an_awaited_query_that_kills_its_worker_is_an_error(service: GraphService) -> None:
    count(service)
    task = SparqlTask("SELECT * WHERE " + "{" * 200_000 + "}" * 200_000, "json", "turtle")
    with pytest.raises(QueryError):
        asyncio.run(service.executor.asparql(task))
    assert count(service) == 2000


def test_a_worker_left_large_by_a_long_task_is_replaced(tmp_path: Path) -> None:
    store = OxigraphStore(str(tmp_path / "store"))
    store.commit({G: quads(2000)}, [], replace=True)
    settings = Settings(store=store.location, query_timeout=30, query_workers=1, worker_max_memory=1)
    svc = GraphService(store, settings, pool=True)
    try:
        for _ in range(5):  # a new worker's first task opens the snapshot, which may take long: until one is open
            first = svc.executor._workers[0].process.pid
            count(svc)
            if svc.executor._workers[0].process.pid == first:
                break
        for _ in range(3):  # short tasks: kept, whatever its memory
            assert count(svc) == 2000 and svc.executor._workers[0].process.pid == first
        long = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?b . ?c <{EX}p> ?d }}"  # 4M pairs: well over 0.1 s
        assert int(svc.executor.select(long)[0]["n"].value) == 4_000_000
        assert svc.executor._workers[0].process.pid != first  # over the (1-byte) limit after a long task
        assert count(svc) == 2000
    finally:
        svc.close()


def test_private_memory_reads_the_heap_of_a_process() -> None:
    assert executor.private_memory(os.getpid()) > 1024 * 1024
    assert executor.private_memory(2**22 + 12345) == 0  # no such process


def test_workers_do_not_outlive_a_killed_server(tmp_path: Path) -> None:
    """The server process is SIGKILLed while its workers evaluate a runaway query: they exit too."""
    script = f"""
import threading, time
import pyoxigraph as ox
from mcgraph.config import Settings
from mcgraph.service import GraphService
from mcgraph.store import OxigraphStore
if __name__ == "__main__":
    store = OxigraphStore({str(tmp_path / "store")!r})
    quads = [ox.Quad(ox.NamedNode(f"{EX}s{{i}}"), ox.NamedNode("{EX}p"), ox.Literal(str(i)), ox.NamedNode("{G}"))
             for i in range(2000)]
    store.commit({{"{G}": quads}}, [], replace=True)
    svc = GraphService(store, Settings(store=store.location, query_timeout=600, query_workers=2), pool=True)
    for _ in range(2):
        threading.Thread(target=svc.sparql, args=({EXPENSIVE!r},), daemon=True).start()
    time.sleep(1.5)
    print(" ".join(str(w.process.pid) for w in svc.executor._workers), flush=True)
    time.sleep(600)
"""
    server = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pids = [int(p) for p in server.stdout.readline().split()]
    assert len(pids) == 2
    server.send_signal(signal.SIGKILL)
    server.wait()
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [p for p in pids if _running(p)]
    assert not alive


def _running(pid: int) -> bool:

    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
