"""Find the project's assets (ontology, shapes, data, queries) in a checkout or an installed wheel."""
from __future__ import annotations

from pathlib import Path

from .errors import UnknownResource

RESOURCE_NAMES = ("ontology", "shapes", "data", "queries")

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parent.parent  # src/mcgraph -> repository root


def resource_dir(name: str) -> Path:
    """Directory of one asset kind: the checkout's top-level folder, else the wheel's copy."""
    if name not in RESOURCE_NAMES:
        raise UnknownResource(f"unknown resource kind {name!r}; expected one of {RESOURCE_NAMES}")
    for candidate in (_CHECKOUT_ROOT / name, _PACKAGE_DIR / "_resources" / name):
        if candidate.is_dir():
            return candidate
    raise UnknownResource(f"resource folder {name!r} not found (broken installation?)")


def ontology_file() -> Path:
    return resource_dir("ontology") / "mcgraph.ttl"


def bundled_data_files() -> list[Path]:
    """Every bundled data file, in a stable order."""
    return sorted(resource_dir("data").rglob("*.ttl"))
