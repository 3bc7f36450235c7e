"""The HTTP API of mcgraph: a thin FastAPI shell over the library (see docs/API.md)."""
from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
