"""Found by an outside sweep of every endpoint: a client that closed its connection before its body ended
made ``POST /v1/verify`` and ``POST /v1/issuers/{slug}/jobs`` log an unhandled error (Starlette's
ClientDisconnect from ``request.body()``) and count a 500. It is the client's doing: a 400 problem
``incomplete-body`` (which nobody reads), no unhandled error logged, nothing stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import MutableMapping
from typing import Any

import pytest

from app.testing import SyncClient
from tests.app.robustness.common import Issuer, make_issuer


@pytest.fixture(scope="module")
def issuer(client: SyncClient) -> Issuer:
    return make_issuer(client)


def _cut_off(client: SyncClient, path: str, headers: dict[str, str]) -> int:
    """POST to ``path`` a JSON body that stops half-way, then the client goes: the status the app sent."""
    body = b'{"credential": "eyJhbGciOi'
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 50000),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body) * 4).encode()),
            *((k.lower().encode(), v.encode()) for k, v in headers.items()),
        ],
    }
    messages: list[MutableMapping[str, Any]] = [
        {"type": "http.request", "body": body, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> MutableMapping[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(client.app(scope, receive, send))
    [start] = [m for m in sent if m["type"] == "http.response.start"]
    return int(start["status"])


def test_a_body_cut_off_by_the_client_is_no_server_error(
    client: SyncClient, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        for path, headers in (
            ("/v1/verify", {}),
            (f"/v1/issuers/{issuer.slug}/jobs", issuer.auth),
        ):
            assert _cut_off(client, path, headers) == 400, path
    assert not [r for r in caplog.records if r.getMessage() == "unhandled error"]
