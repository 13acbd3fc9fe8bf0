"""A short-lived cache of computed outcomes reports, so the dashboard's figure images (fifteen
requests right after the page) reuse the aggregates the page just ran instead of running them
again. Per process and per app; a cache only — any worker recomputes what it lacks."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

from sclero.reports.report import OutcomesReport

TTL_SECONDS = 120.0
MAX_REPORTS = 16


class ReportCache:
    """Reports by key (filters and day), each kept `TTL_SECONDS`; the oldest go first."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_REPORTS) -> None:
        self._ttl, self._size = ttl, size
        self._items: OrderedDict[Hashable, tuple[float, OutcomesReport]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> OutcomesReport | None:
        with self._lock:
            found = self._items.get(key)
            if found is None or time.monotonic() - found[0] > self._ttl:
                self._items.pop(key, None)
                return None
            return found[1]

    def put(self, key: Hashable, report: OutcomesReport) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), report)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
