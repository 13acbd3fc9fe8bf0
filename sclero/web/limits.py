"""Bounds on what a client may send, checked before anything reads or parses the body (so also
before sign-in is checked): a 413 when Content-Length is over the limit, and the bytes counted as
they arrive when it is absent or untrue (chunked), so a huge body never fills the memory."""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sclero.web.templating import templates

API_PREFIXES = ("/api/", "/fhir", "/docs", "/openapi")


class BodyTooLarge(HTTPException):
    """The request body went past its limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=too_large_message(limit))


def too_large_message(limit: int) -> str:
    size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit // 1024} kB"
    return f"The request is larger than {size}, the most Sclero accepts here."


class BodyLimit:
    """Pure ASGI middleware: a multipart upload may carry `max_upload` bytes, any other body
    `max_body` bytes."""

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    def limit_for(self, headers: Headers) -> int:
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        return self.max_upload if multipart else self.max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.limit_for(headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await send_too_large(scope, send, limit)  # refused unread
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await send_too_large(scope, send, limit)


async def send_too_large(scope: Scope, send: Send, limit: int) -> None:
    """The 413 answer: the API's error body, or the error page for a page."""
    message = too_large_message(limit)
    if scope["path"] == "/fhir" or scope["path"].startswith("/fhir/"):  # FHIR: OperationOutcome
        issue = {"severity": "error", "code": "too-costly", "diagnostics": message}
        outcome = {"resourceType": "OperationOutcome", "issue": [issue]}
        body, media = json.dumps(outcome).encode(), b"application/fhir+json"
    elif scope["path"].startswith(API_PREFIXES):
        error = {"code": "too_large", "field": None, "message": message}
        body, media = json.dumps({"errors": [error]}).encode(), b"application/json"
    else:
        page = templates.env.get_template("error.html")
        body = page.render(title="Too large", message=message, nav=[], path=scope["path"]).encode()
        media = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", media),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the rest of the body is never read
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
