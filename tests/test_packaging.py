"""The package finds its ontology, shapes, data and queries when installed from a wheel."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from mcgraph.resources import RESOURCE_NAMES, resource_dir

PROBE = """
import json
from mcgraph.resources import resource_dir, bundled_data_files
from mcgraph.queries import catalogue
print(json.dumps({"dirs": {n: str(resource_dir(n)) for n in ("ontology", "shapes", "data", "queries")},
                  "data": len(bundled_data_files()), "queries": len(catalogue())}))
"""


def test_checkout_resources_are_the_top_level_folders() -> None:
    for name in RESOURCE_NAMES:
        assert resource_dir(name) == ROOT / name


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    return next(out.glob("mcgraph-*.whl"))


def test_wheel_carries_every_resource(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for kind, pattern in (("ontology", ".ttl"), ("shapes", ".ttl"), ("data", ".ttl"), ("queries", ".rq")):
        assert any(n.startswith(f"mcgraph/_resources/{kind}/") and n.endswith(pattern) for n in names), kind
    assert "mcgraph/cli.py" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_finds_its_resources(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    import json

    probe = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env={"PYTHONPATH": str(site)},
                           check=True, capture_output=True, text=True)
    found = json.loads(probe.stdout)
    for name, path in found["dirs"].items():
        assert Path(path) == site / "mcgraph" / "_resources" / name
    assert found["data"] == len(list((ROOT / "data").rglob("*.ttl")))
    assert found["queries"] == len(list((ROOT / "queries").glob("*.rq")))
