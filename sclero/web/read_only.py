"""A request that cannot change anything (GET, HEAD, OPTIONS) runs its units of work as reads:
on SQLite they begin deferred and take no write lock (core/engine.py, WRITES)."""

from __future__ import annotations

from typing import Any

from sclero.core.engine import WRITES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyRequests:
    """Pure ASGI middleware: marks the units of work of a safe request as reads."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = WRITES.set(scope.get("method", "GET") not in SAFE_METHODS)
        try:
            await self.app(scope, receive, send)
        finally:
            WRITES.reset(token)
