"""mcgraph: a knowledge graph of micro-credentials and qualifications frameworks in Asia and the Pacific."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mcgraph")
except PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.0.0+checkout"
