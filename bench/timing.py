"""Timing helpers shared by the benchmark scripts."""
from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pyoxigraph as ox


def timed(call: Callable[[], object], n: int, warmup: int = 1) -> list[float]:
    """Milliseconds of n calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def pct(times: list[float], q: float) -> float:
    """The q-quantile of times (nearest rank)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def machine(*extra: str) -> str:
    """When and where a run happened, for the figures in docs/PERFORMANCE.md."""
    parts = [f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", platform.platform(), f"{os.cpu_count()} CPUs",
             f"Python {platform.python_version()}", f"pyoxigraph {ox.__version__}", *extra]
    return "; ".join(parts)
