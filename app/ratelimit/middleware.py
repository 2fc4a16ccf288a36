"""Rate limits of the public, unauthenticated endpoints, per client address: verification (``/v1/verify``,
``/credentials/verify``, ``/presentations/verify``, the ``/verify`` page's form) and OpenID4VCI (the
offers and the authorization server's ``token``, ``par``, ``authorize`` and ``nonce`` endpoints, where a
``tx_code`` could otherwise be guessed). Over the limit: ``429`` with ``Retry-After``, an RFC 9457 problem
``rate-limited``.

The buckets are in process memory: with several workers (``shomei serve --workers N``) each worker keeps
its own, so a client can make up to N times the limit, and a restart forgets them. Behind a reverse proxy the
client address is the one uvicorn takes from ``X-Forwarded-For`` (``proxy_headers``, trusted proxies only);
a deployment that needs one limit across many processes enforces it at the proxy. Loopback clients are
limited only when ``limit_loopback`` (by default in production only: ``SHOMEI_RATE_LIMIT_LOOPBACK``)."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import json_bytes, problem_type
from app.ratelimit.buckets import TokenBuckets

__all__ = ["LIMITED", "RateLimitMiddleware"]

# (group, methods, path pattern): each group has its own bucket per client.
LIMITED: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    (
        "verify",
        frozenset({"POST"}),
        re.compile(r"^/(v1/verify|credentials/verify|presentations/verify|verify)$"),
    ),
    ("oid4vci", frozenset({"GET", "POST"}), re.compile(r"^/offers/[^/]+(/claim)?$")),
    (
        "oid4vci",
        frozenset({"POST", "GET"}),
        re.compile(r"^/issuers/[^/]+/oid4vci/(token|par|authorize|nonce)$"),
    ),
)


def _group(method: str, path: str) -> str | None:
    for group, methods, pattern in LIMITED:
        if method in methods and pattern.match(path):
            return group
    return None


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # "unknown", or a test client's name
        return False


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        burst: int,
        limit_loopback: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.limit_loopback = limit_loopback
        self.buckets = TokenBuckets(per_minute=per_minute, burst=burst) if per_minute > 0 else None
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        group = _group(str(scope.get("method", "")), str(scope.get("path", "")))
        client = scope.get("client")
        if group is None:
            await self.app(scope, receive, send)
            return
        address = client[0] if client else "unknown"
        if not self.limit_loopback and _is_loopback(address):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(f"{group} {address}", self.clock())
        if wait is None:
            await self.app(scope, receive, send)
            return
        body = json_bytes(
            {
                "type": problem_type("rate-limited"),
                "title": "Too many requests",
                "status": 429,
                "detail": f"too many requests from this address; retry after {wait} seconds",
                "instance": scope.get("path", ""),
            }
        )
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(wait).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
