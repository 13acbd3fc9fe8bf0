"""The server answers at once on kept-alive connections: TCP_NODELAY is on for every connection
its workers accept, though uvicorn's process manager binds a socket asyncio leaves it off for."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2 as httpx
import pytest
import uvicorn
from fastapi import FastAPI

from sclero.cli import EVENT_LOOP, NODELAY_HTTP

hello = FastAPI()


@hello.get("/")
def answer() -> dict[str, bool]:
    return {"ok": True}


@contextmanager
def served(http: str, loop: str) -> Iterator[tuple[uvicorn.Server, str]]:
    """A real uvicorn server in a thread, on a socket bound the way its process manager binds
    the workers' shared one (`socket.socket(AF_INET)`: protocol number 0)."""
    sock = socket.socket(socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(hello, http=http, loop=loop, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield server, f"http://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def nodelay_of_accepted(http: str, loop: str = "asyncio") -> int:
    """TCP_NODELAY on the server's side of a kept-alive connection."""
    with served(http, loop) as (server, url), httpx.Client() as client:
        assert client.get(url).status_code == 200
        (connection,) = server.server_state.connections
        transport = connection.transport  # type: ignore[attr-defined]
        return int(
            transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        )


def test_sclero_s_protocol_turns_nagle_off_on_every_accepted_connection() -> None:
    assert nodelay_of_accepted(NODELAY_HTTP, EVENT_LOOP) != 0
    assert nodelay_of_accepted(NODELAY_HTTP) != 0  # on asyncio's own loop too


@pytest.mark.skipif(not hasattr(socket, "TCP_NODELAY"), reason="no TCP_NODELAY here")
def test_plain_uvicorn_h11_leaves_it_off_on_such_a_socket() -> None:
    """The control: the defect this protocol exists for (if uvicorn fixes it, this says so)."""
    assert nodelay_of_accepted("h11") == 0


@pytest.mark.skipif(not hasattr(socket, "TCP_NODELAY"), reason="no TCP_NODELAY here")
def test_plain_uvicorn_httptools_on_asyncio_leaves_it_off_too() -> None:
    assert nodelay_of_accepted("httptools") == 0
