"""Shared fixtures: stores (in memory, and on disk in a temp dir) and the bundled graph."""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.ingest import init_store
from mcgraph.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture()
def memory_store() -> OxigraphStore:
    store = OxigraphStore("memory")
    yield store
    store.close()


@pytest.fixture()
def disk_store(tmp_path: Path) -> OxigraphStore:
    store = OxigraphStore(str(tmp_path / "store"))
    yield store
    store.close()


@pytest.fixture(scope="session")
def bundled_store() -> OxigraphStore:
    """The ontology, shapes and bundled data, loaded once (validation included)."""
    store = OxigraphStore("memory")
    init_store(store)
    return store


@pytest.fixture(scope="session")
def bundled_nquads(bundled_store: OxigraphStore) -> bytes:
    buffer = io.BytesIO()
    bundled_store.dump(buffer, ox.RdfFormat.N_QUADS)
    return buffer.getvalue()


@pytest.fixture()
def bundled_store_copy(bundled_nquads: bytes) -> OxigraphStore:
    """A private in-memory copy of the bundled store, for tests that write."""
    store = OxigraphStore("memory")
    store._store.load(bundled_nquads, ox.RdfFormat.N_QUADS)
    yield store
    store.close()


@pytest.fixture()
def cli_env(tmp_path: Path) -> dict[str, str]:
    """Environment for running the real `mcgraph` process against a fresh on-disk store."""
    env = dict(os.environ)
    env["MCGRAPH_STORE"] = str(tmp_path / "cli-store")
    env["COLUMNS"] = "200"
    return env


def mcgraph_cmd() -> list[str]:
    """The installed console script next to this interpreter (falls back to `python -m`)."""
    script = Path(sys.executable).parent / "mcgraph"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mcgraph.cli"]
