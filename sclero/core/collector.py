"""The garbage collector's pauses, watched in a serving process.

A collection stops every thread of the worker while it walks the objects; a long one is a page
that hangs for everyone. The server logs each pause at or over `gc_pause_warn_ms`: its length by
the wall clock, the part of it the collector itself ran (thread CPU time: on a busy machine the
rest is the operating system running something else), the generation and how many objects it
freed, never what they held. An operator sees it; `benchmarks/bench_load.py` counts them.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("sclero.collector")

PAUSE_LINE = "garbage collection paused the worker"
"""The start of the logged line (the load benchmark looks for it)."""


@dataclass
class PauseWatch:
    """Times each collection (gc.callbacks: 'start' and 'stop' come in pairs, on one thread)."""

    warn_ms: float
    longest_ms: float = 0.0
    collections: int = 0
    _started: float = field(default=0.0, repr=False)
    _started_cpu: float = field(default=0.0, repr=False)

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            self._started_cpu = time.thread_time()
            return
        paused_ms = (time.perf_counter() - self._started) * 1000
        cpu_ms = (time.thread_time() - self._started_cpu) * 1000
        self.collections += 1
        self.longest_ms = max(self.longest_ms, paused_ms)
        if paused_ms >= self.warn_ms:
            log.warning(
                "%s for %.0f ms (%.0f ms of it collecting; generation %d, %d objects freed)",
                PAUSE_LINE,
                paused_ms,
                cpu_ms,
                info.get("generation", -1),
                info.get("collected", 0),
            )


def watch_pauses(warn_ms: float) -> PauseWatch:
    """Start timing this process's collections; one watch per process (a second call replaces
    the first)."""
    for callback in [c for c in gc.callbacks if isinstance(c, PauseWatch)]:
        gc.callbacks.remove(callback)
    watch = PauseWatch(warn_ms)
    gc.callbacks.append(watch)
    return watch
