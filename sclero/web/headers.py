"""Security headers on every answer: a strict Content-Security-Policy, no framing, no sniffing,
no referrer, no caching of anything but the static assets, HSTS behind HTTPS."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",  # no inline script, no eval: every behaviour is a static file
        "style-src 'self'",  # no style attributes or <style> blocks: classes in static CSS
        "img-src 'self' data:",  # data: for the icons inside the vendored Swagger UI CSS
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = "/static/"


def security_headers(path: str, *, https_only: bool) -> dict[str, str]:
    """The headers every answer to `path` carries (the static assets may be cached)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if not path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-store"  # pages, API answers and photos hold patient data
    if https_only:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: sets the security headers on the start of every HTTP answer
    (refusals and errors included), replacing any weaker value a route set."""

    def __init__(self, app: ASGIApp, *, https_only: bool) -> None:
        self.app = app
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"], https_only=self.https_only)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                kept = headers.get("cache-control", "")
                for name, value in wanted.items():
                    headers[name] = value
                if "no-store" in kept:
                    headers["cache-control"] = kept  # e.g. "private, no-store" on a photo
            await send(message)

        await self.app(scope, receive, send_with_headers)
