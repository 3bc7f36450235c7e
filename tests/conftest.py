"""Shared fixtures: stores (in memory, and on disk in a temp dir) and the bundled graph."""
from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.ingest import init_store, load_files
from mcgraph.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
CASES = Path(__file__).resolve().parent / "cases"
API_TOKEN = "s3cret-token"
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


def mcgraph(*args: str, store: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `mcgraph` process against `store`."""
    environment = {**os.environ, "MCGRAPH_STORE": str(store), "COLUMNS": "250", **(env or {})}
    return subprocess.run([*mcgraph_cmd(), *args], env=environment, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store made by a real `mcgraph init`, shared by a module's CLI tests."""
    store = tmp_path_factory.mktemp("cli") / "store"
    result = mcgraph("init", store=store)
    assert result.returncode == 0, result.stderr
    assert "graph(s)" in result.stdout
    return store


@pytest.fixture()
def service(bundled_store_copy):
    """A GraphService over a private copy of the bundled store (writes need API_TOKEN)."""
    from mcgraph.config import Settings
    from mcgraph.service import GraphService
    return GraphService(bundled_store_copy, Settings(store="memory", token=API_TOKEN))


@pytest.fixture()
def client(service):
    """The API application over `service`, through Starlette's TestClient."""
    from fastapi.testclient import TestClient

    from mcgraph_api import create_app
    with TestClient(create_app(service)) as test_client:
        yield test_client


def assert_problem(response, status: int, detail: str) -> dict:
    """An RFC 9457 problem with this status whose detail contains `detail`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and detail in body["detail"], body
    return body


def bundled_with(*fixtures: Path) -> OxigraphStore:
    """A memory store with the bundled data, then `fixtures` loaded (and validated) on top."""
    store = OxigraphStore("memory")
    init_store(store)
    load_files(store, list(fixtures))
    return store


def bench_generator():
    """bench/generate.py as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module
