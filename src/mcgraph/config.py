"""One Settings object, read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError


def default_store_location() -> str:
    """A per-user data directory: $XDG_DATA_HOME/mcgraph/store or ~/.local/share/mcgraph/store."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "mcgraph" / "store")


def _words(value: str | None) -> tuple[str, ...]:
    return tuple(part for part in (value or "").replace(",", " ").split() if part)


@dataclass(frozen=True)
class Settings:
    store: str  # a directory, or "memory"
    token: str | None = None  # bearer token for writes; None refuses every write
    query_timeout: float = 30.0  # seconds per query; the worker running it is killed after that
    max_upload_bytes: int = 64 * 1024 * 1024  # request bodies, counted after decompression
    max_query_bytes: int = 1024 * 1024
    max_query_depth: int = 64  # nesting of { } ( ) [ ] in a query
    max_result_rows: int = 100_000
    max_result_bytes: int = 64 * 1024 * 1024
    query_workers: int = 3  # processes evaluating queries
    worker_max_memory: int = 512 * 1024 * 1024  # a query worker's heap above this after a long task: replaced
    result_cache_entries: int = 256  # /sparql answers kept per dataset version (0: no result cache)
    result_cache_bytes: int = 32 * 1024 * 1024  # in all; one answer over 1/16 of this is never kept
    cors_origins: tuple[str, ...] = ("*",)  # for reads; "*" never comes with credentials
    cors_write_origins: tuple[str, ...] = ()  # origins allowed to send writes from a browser
    allowed_sources: tuple[str, ...] = ()  # IRI prefixes SERVICE / LOAD / FROM may fetch

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        try:
            return cls(
                store=env.get("MCGRAPH_STORE") or default_store_location(),
                token=env.get("MCGRAPH_TOKEN") or None,
                query_timeout=float(env.get("MCGRAPH_QUERY_TIMEOUT", "30")),
                max_upload_bytes=int(env.get("MCGRAPH_MAX_UPLOAD_BYTES", str(64 * 1024 * 1024))),
                max_query_bytes=int(env.get("MCGRAPH_MAX_QUERY_BYTES", str(1024 * 1024))),
                max_query_depth=int(env.get("MCGRAPH_MAX_QUERY_DEPTH", "64")),
                max_result_rows=int(env.get("MCGRAPH_MAX_RESULT_ROWS", "100000")),
                max_result_bytes=int(env.get("MCGRAPH_MAX_RESULT_BYTES", str(64 * 1024 * 1024))),
                query_workers=int(env.get("MCGRAPH_QUERY_WORKERS", "3")),
                worker_max_memory=int(env.get("MCGRAPH_WORKER_MAX_MEMORY", str(512 * 1024 * 1024))),
                result_cache_entries=int(env.get("MCGRAPH_RESULT_CACHE_ENTRIES", "256")),
                result_cache_bytes=int(env.get("MCGRAPH_RESULT_CACHE_BYTES", str(32 * 1024 * 1024))),
                cors_origins=_words(env.get("MCGRAPH_CORS_ORIGINS", "*")),
                cors_write_origins=_words(env.get("MCGRAPH_CORS_WRITE_ORIGINS")),
                allowed_sources=_words(env.get("MCGRAPH_ALLOWED_SOURCES")),
            )
        except ValueError as err:
            raise UsageError(f"invalid MCGRAPH_* setting: {err}") from None
