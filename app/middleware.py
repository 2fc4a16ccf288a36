"""Pure ASGI middleware: request ids, access logs, the request body size limit, and the last line of defence
against an unexpected exception (a 500 problem, logged without the input values).

The body limit: a declared ``Content-Length`` over the limit is refused before the app runs; a body
without one (chunked) is read here first, counting its bytes, and refused as soon as the count passes the
limit; the app then reads the buffered body. Either way the answer is a 413 ``payload-too-large`` problem,
whatever the route (a typed route would otherwise turn the error raised while it reads into a 400).

Security headers (:func:`security_headers`), added to every answer that does not set its own: never
sniffed as another type; an HTML page only framed by this service and never given plugins or another base
URL; an SVG image (badge art is a tenant's, and an SVG can hold script) sandboxed, with nothing loaded
from elsewhere, so that it cannot run script on the service's origin when opened on its own.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.context import request_id_var
from app.errors import PayloadTooLarge, ServiceError, json_bytes

__all__ = ["RequestContextMiddleware", "security_headers"]

log = logging.getLogger("shomei.access")
error_log = logging.getLogger("shomei")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


_ALWAYS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"))
_HTML = (
    (b"content-security-policy", b"frame-ancestors 'self'; object-src 'none'; base-uri 'none'"),
    (b"x-frame-options", b"SAMEORIGIN"),
)
_SVG = (
    (
        b"content-security-policy",
        b"default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; sandbox",
    ),
)


def security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """``headers`` (an ASGI response's) with the security headers it does not set itself."""
    present = {name.lower() for name, _ in headers}
    media = next((value for name, value in headers if name.lower() == b"content-type"), b"").lower()
    extra = _ALWAYS + (_HTML if media.startswith(b"text/html") else _SVG if b"svg" in media else ())
    return headers + [(name, value) for name, value in extra if name not in present]


def _error_summary(exc: BaseException) -> dict[str, Any]:
    """What a log line may say about an unexpected exception: its type, the types of the exceptions it
    came from, and where it was raised (file, line, function of each frame). Never its message or the
    frames' values: either can hold the request's input (a learner's identifier, a token)."""
    chain: list[str] = []
    cause: BaseException | None = exc.__cause__ or exc.__context__
    while cause is not None and len(chain) < 5:
        chain.append(type(cause).__name__)
        cause = cause.__cause__ or cause.__context__
    frames = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)]
    return {"error_type": type(exc).__name__, "caused_by": chain, "frames": frames[-12:]}


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status_holder: dict[str, int] = {"status": 500, "started": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = 1
                message.setdefault("headers", [])
                answer = security_headers(list(message["headers"]))
                message["headers"] = [*answer, (b"x-request-id", rid.encode())]
            await send(message)

        try:
            length = headers.get("content-length")
            too_large = PayloadTooLarge(f"the limit is {self.max_body_bytes} bytes")
            oauth = _OAUTH_ONLY.match(str(scope.get("path", ""))) is not None
            if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
                await _problem(send_wrapper, too_large, oauth=oauth)
                return
            if length is None:
                buffered = await self._read_counted(receive)
                if buffered is None:
                    await _problem(send_wrapper, too_large, oauth=oauth)
                    return
                receive = _replay(buffered, receive)
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > self.max_body_bytes:
                        raise PayloadTooLarge(f"the limit is {self.max_body_bytes} bytes")
                return message

            try:
                await self.app(scope, limited_receive, send_wrapper)
            except Exception as exc:
                # Not re-raised: the server would log it again with its message (which can hold input).
                route = getattr(scope.get("route"), "path", None)
                error_log.error(
                    "unhandled error",
                    extra={"request_id": rid, "method": scope.get("method"), "route": route}
                    | _error_summary(exc),
                )
                if not status_holder["started"]:
                    await _problem(send_wrapper, ServiceError("an unexpected error occurred"))
        finally:
            log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    # The route's template, never the raw path: a path can hold what a client put there
                    # (a learner's e-mail in a mistyped URL); the request id ties a line to its request.
                    "route": getattr(scope.get("route"), "path", None) or "(no route)",
                    "status": status_holder["status"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            request_id_var.reset(token)

    async def _read_counted(self, receive: Receive) -> list[Message] | None:
        """The messages of a body sent without a length, or None once its bytes pass the limit (the rest
        is not read)."""
        messages: list[Message] = []
        total = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away: the app sees it where it reads
            total += len(message.get("body", b""))
            if total > self.max_body_bytes:
                return None
            if not message.get("more_body", False):
                return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


# Endpoints that answer wallets in OpenID4VCI's terms only (§8.3.1.2): an OAuth error object, not a problem.
_OAUTH_ONLY = re.compile(r"^/issuers/[^/]+/oid4vci/credential$")


async def _problem(send: Send, error: ServiceError, *, oauth: bool = False) -> None:
    if oauth:
        body: dict[str, Any] = {"error": "invalid_credential_request", "error_description": error.detail}
        data, media_type = json_bytes(body), b"application/json"
    else:
        data, media_type = json_bytes(error.to_problem()), b"application/problem+json"
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", media_type),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
