"""End to end: the real `mcgraph serve` process on 127.0.0.1, over HTTP."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import mcgraph_cmd

TOKEN = "e2e-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT = 2.0
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MCGRAPH_STORE": str(store), "MCGRAPH_TOKEN": TOKEN,
               "MCGRAPH_QUERY_TIMEOUT": str(TIMEOUT), "MCGRAPH_QUERY_WORKERS": "3"}
        self.process = subprocess.Popen([*mcgraph_cmd(), "serve", "--port", str(self.port)], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, limit: float = 90) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stdout.read().decode()}")
            try:
                if httpx.get(self.url + "/-/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "store")
    yield srv
    srv.stop()


def sparql(srv: Server, query: str, **kwargs: object) -> httpx.Response:
    return httpx.post(srv.url + "/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=30, **kwargs)


def test_first_start_serves_the_bundled_graph(server: Server) -> None:
    frameworks = httpx.get(server.url + "/frameworks").json()
    assert any(f["id"] == "id:framework/aqf" for f in frameworks)
    credential = httpx.get(server.url + "/credentials/nz-data-fundamentals").json()  # a read model, in a worker
    assert credential["id"] == "id:credential/nz-data-fundamentals"
    missing = httpx.get(server.url + "/credentials/no-such-credential")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    ask = sparql(server, "ASK { <https://w3id.org/mcgraph/id/level/nzqcf-7> ?p ?o }")
    assert ask.json()["boolean"] is True
    compared = httpx.get(server.url + "/compare", params={"level": "NZQF:7", "to": "EQF"}, timeout=30).json()
    assert compared["comparisons"][0]["summary"] == "NZQCF 7 corresponds to EQF 6 (exact, strong, direct)"


def test_stack_answers_through_the_worker_pool(server: Server) -> None:
    held = ["nz-data-fundamentals", "nz-data-visualisation", "nz-applied-machine-learning", "nz-data-ethics"]
    target = "nz-diploma-applied-data-analytics"
    response = httpx.post(server.url + "/stack", json={"credentials": held, "target": target, "at": "2026-01-01"},
                          timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    counts = {c["id"]: c["counts"] for c in body["credentials"]}
    assert counts["id:credential/nz-data-ethics"] is False and sum(counts.values()) == 3
    assert (body["credits"]["total"], body["credits"]["required"]) == ("45", "120")
    assert any("id:outcome/nz-data-ethics-1" in line for line in body["remains"])
    discovered = httpx.post(server.url + "/stack", json={"credentials": held, "at": "2026-01-01"}, timeout=30).json()
    assert [r["qualification"]["id"] for r in discovered["results"]][:2] == [
        "id:credential/nz-diploma-applied-data-analytics", "id:credential/hk-higher-diploma-data-science"]
    unknown = httpx.post(server.url + "/stack", json={"credentials": ["nz-no-such-credential"]}, timeout=30)
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    stackable = httpx.get(f"{server.url}/qualifications/{target}/stackable", params={"at": "2026-01-01"},
                          timeout=30).json()
    assert {f"id:credential/{h}" for h in held} <= {c["id"] for c in stackable["credentials"]}
    paths = httpx.get(server.url + "/pathways", params={"credential": held[0]}, timeout=30).json()
    assert any(chain[-1] == f"id:credential/{target}" for chain in paths["chains"])


def test_expensive_queries_are_stopped_and_a_cheap_one_still_answers(server: Server) -> None:
    answers: list[httpx.Response] = []
    durations: list[float] = []

    def expensive() -> None:
        started = time.monotonic()
        answers.append(sparql(server, EXPENSIVE))
        durations.append(time.monotonic() - started)

    threads = [threading.Thread(target=expensive) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    started = time.monotonic()
    cheap = sparql(server, "ASK { ?s a <https://w3id.org/mcgraph/ns#NationalQualificationsFramework> }")
    cheap_seconds = time.monotonic() - started
    for thread in threads:
        thread.join()
    assert cheap.json()["boolean"] is True and cheap_seconds < TIMEOUT
    for answer in answers:
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["type"].endswith("/query-timeout")
    assert max(durations) < 2 * TIMEOUT + 1  # stopped within twice the limit (+ HTTP overhead)


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def test_no_outbound_request_is_ever_made(server: Server) -> None:
    listener = Listener()
    try:
        target = f"http://127.0.0.1:{listener.port}/x"
        for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                      f"PREFIX t: <http://127.0.0.1:{listener.port}/> SELECT * WHERE {{ SERVICE t:x {{ ?s ?p ?o }} }}",
                      f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
                      f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
            assert sparql(server, query).status_code == 400, query
        load = httpx.post(server.url + "/update", content=f"LOAD <{target}> INTO GRAPH <https://example.org/g>",
                          headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert load.status_code == 400
        time.sleep(0.5)
        assert listener.connections == 0
    finally:
        listener.close()


def big_turtle(n: int) -> bytes:
    lines = ["@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]
    lines += [f'<https://example.org/big/{i}> rdfs:label "item {i}" .' for i in range(n)]
    return "\n".join(lines).encode()


def graph_size(srv: Server, graph: str) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    return int(sparql(srv, query).json()["results"]["bindings"][0]["n"]["value"])


def test_sigkill_during_an_upload_keeps_every_acknowledged_write_and_nothing_half(tmp_path: Path) -> None:
    store = tmp_path / "store"
    srv = Server(store)
    kept, big = "https://example.org/graph/kept", "https://example.org/graph/big"
    acknowledged = httpx.put(srv.url + "/graphs", params={"graph": kept}, content=big_turtle(100),
                             headers={**AUTH, "Content-Type": "text/turtle"}, timeout=60)
    assert acknowledged.status_code == 201
    uploads: list[object] = []

    def upload() -> None:
        try:
            uploads.append(httpx.put(srv.url + "/graphs", params={"graph": big}, content=big_turtle(60_000),
                                     headers={**AUTH, "Content-Type": "text/turtle"}, timeout=120))
        except httpx.HTTPError as err:
            uploads.append(err)

    thread = threading.Thread(target=upload)
    thread.start()
    time.sleep(1.5)  # inside parsing, validation or the commit
    srv.kill()
    thread.join()
    restarted = Server(store)
    try:
        assert graph_size(restarted, kept) == 100
        size = graph_size(restarted, big)
        finished = isinstance(uploads[0], httpx.Response) and uploads[0].status_code == 201
        assert size == (60_000 if finished else size) and size in (0, 60_000)
        staging = sparql(restarted, "SELECT ?g WHERE { GRAPH ?g { } FILTER(STRSTARTS(STR(?g), 'urn:mcgraph')) }")
        assert json.loads(staging.content)["results"]["bindings"] == []
    finally:
        restarted.stop()
