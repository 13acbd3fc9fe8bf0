"""The HTTP protocol Sclero's server speaks: uvicorn's httptools protocol with Nagle's algorithm
off.

uvicorn's process manager (`sclero serve --workers N`) binds the shared socket as
`socket.socket(AF_INET)`, whose protocol number is 0, and asyncio turns TCP_NODELAY on only for
sockets whose protocol is IPPROTO_TCP. Every answer after the first on a kept-alive connection
(a browser's, a proxy's) then waited for the client's delayed acknowledgement: ~40 ms on Linux.
Measured on a bare FastAPI app with two workers: p50 44 ms per request, 0.7 ms with this
protocol (benchmarks/bench_load.py serves its baseline the same way).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send small answers at once instead of waiting for the peer's acknowledgement."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """httptools (uvicorn's C parser) over TCP with TCP_NODELAY set on every accepted connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)
