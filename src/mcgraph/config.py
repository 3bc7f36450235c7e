"""One Settings object, read from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def default_store_location() -> str:
    """A per-user data directory: $XDG_DATA_HOME/mcgraph/store or ~/.local/share/mcgraph/store."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "mcgraph" / "store")


@dataclass(frozen=True)
class Settings:
    store: str  # a directory, or "memory"
    token: str | None
    query_timeout: float
    max_upload_bytes: int

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            store=env.get("MCGRAPH_STORE") or default_store_location(),
            token=env.get("MCGRAPH_TOKEN") or None,
            query_timeout=float(env.get("MCGRAPH_QUERY_TIMEOUT", "30")),
            max_upload_bytes=int(env.get("MCGRAPH_MAX_UPLOAD_BYTES", str(64 * 1024 * 1024))),
        )
