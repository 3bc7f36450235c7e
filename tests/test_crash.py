"""A load killed with SIGKILL at any moment leaves the previous state (a real subprocess)."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import mcgraph_cmd
from mcgraph.store import STAGING_PREFIX, OxigraphStore

GRAPH = "https://example.org/graph/register"
TRIPLES = 150_000


def write_register(path: Path, count: int, tag: str) -> None:
    with path.open("w") as handle:
        for i in range(count):
            handle.write(f'<https://example.org/record/{i}> <https://example.org/value> "{tag}-{i}" .\n')


def graph_state(location: str) -> tuple[int, set[str]]:
    store = OxigraphStore(location)
    try:
        rows = store.query(f"SELECT (COUNT(*) AS ?n) (SAMPLE(?o) AS ?v) WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
        row = next(iter(rows))
        staging = {g.value for g in store._store.named_graphs() if g.value.startswith(STAGING_PREFIX)}
        assert not staging
        tag = row["v"].value.split("-")[0] if row["v"] is not None else ""
        return int(row["n"].value), {tag}
    finally:
        store.close()


@pytest.mark.slow
def test_sigkill_during_a_large_load_keeps_the_previous_state(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    env = {**os.environ, "MCGRAPH_STORE": location}
    old, new = tmp_path / "old.nt", tmp_path / "new.nt"
    write_register(old, 1_000, "old")
    write_register(new, TRIPLES, "new")
    load = [*mcgraph_cmd(), "load", "--graph", GRAPH]
    subprocess.run([*load, str(old)], env=env, check=True, capture_output=True)
    assert graph_state(location) == (1_000, {"old"})

    started = time.monotonic()  # a full run tells how long a load takes on this machine
    subprocess.run([*load, str(new)], env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    subprocess.run([*load, str(old)], env=env, check=True, capture_output=True)

    outcomes = set()
    for fraction in (0.3, 0.6, 0.8, 0.9, 0.97):
        process = subprocess.Popen([*load, str(new)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        state = graph_state(location)
        assert state in ((1_000, {"old"}), (TRIPLES, {"new"})), f"partial state after kill at {fraction}: {state}"
        outcomes.add(state[0])
        if state[0] == TRIPLES:  # the load had committed: restore the old state for the next round
            subprocess.run([*load, str(old)], env=env, check=True, capture_output=True)
    assert 1_000 in outcomes  # at least one kill landed before the commit


@pytest.mark.slow
def test_sigkill_during_a_load_into_a_new_graph_leaves_no_graph_or_the_whole_one(tmp_path: Path) -> None:
    location = str(tmp_path / "store")
    env = {**os.environ, "MCGRAPH_STORE": location}
    new = tmp_path / "new.nt"
    write_register(new, TRIPLES, "new")
    load = [*mcgraph_cmd(), "load", "--graph", GRAPH, str(new)]
    started = time.monotonic()
    subprocess.run(load, env=env, check=True, capture_output=True)
    duration = time.monotonic() - started

    outcomes = set()
    for fraction in (0.5, 0.8, 0.95):
        subprocess.run([*mcgraph_cmd(), "graphs", "drop", GRAPH], env=env, capture_output=True)  # absent after a kill
        process = subprocess.Popen(load, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        state = graph_state(location)
        assert state in ((0, {""}), (TRIPLES, {"new"})), f"partial state after kill at {fraction}: {state}"
        outcomes.add(state[0])
    assert 0 in outcomes  # at least one kill landed before the commit
