"""Issue 14, 5xx found: a body over the limit sent chunked (no Content-Length) to a typed route answered
400 (the route's body reader turned the limit's error into "could not parse the body"). The middleware
now counts a chunked body's bytes itself and answers 413 ``payload-too-large`` as soon as the count
passes the limit, without reading the rest, whatever the route; a chunked body under the limit is served
as before."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.state import app_state
from app.testing import SyncClient
from tests.app.robustness.common import Issuer, assert_problem, make_issuer
from tests.conftest import ADMIN

CHUNK = 64 * 1024


class Chunked:
    """An async body of ``total`` bytes in 64 KiB chunks (httpx sends it chunked, without a length),
    counting the chunks the receiver asked for."""

    def __init__(self, total: int, *, prefix: bytes = b"") -> None:
        self.total = total
        self.prefix = prefix
        self.sent = 0

    async def body(self) -> AsyncIterator[bytes]:
        if self.prefix:
            yield self.prefix
        while self.sent * CHUNK < self.total:
            self.sent += 1
            yield b" " * CHUNK


@pytest.fixture(scope="module")
def issuer(client: SyncClient) -> Issuer:
    return make_issuer(client)


def _limit(client: SyncClient) -> int:
    return app_state(client.app).settings.max_body_bytes


@pytest.mark.parametrize(
    "route",
    ["credentials", "achievements", "/v1/verify", "/credentials/verify"],
)
def test_a_chunked_body_over_the_limit_is_413_at_once(client: SyncClient, issuer: Issuer, route: str) -> None:
    limit = _limit(client)
    url = route if route.startswith("/") else f"/v1/issuers/{issuer.slug}/{route}"
    listed = client.get(f"/v1/issuers/{issuer.slug}/credentials", headers=issuer.auth).json()
    body = Chunked(4 * limit, prefix=b'{"credential": "')
    r = client.post(url, content=body.body(), headers={**issuer.auth, "content-type": "application/json"})
    assert "content-length" not in r.request.headers and r.request.headers["transfer-encoding"] == "chunked"
    assert_problem(r, 413, "payload-too-large")
    assert r.headers["x-request-id"]
    assert body.sent <= limit // CHUNK + 1, "the rest of the body is not read"
    assert client.get(f"/v1/issuers/{issuer.slug}/credentials", headers=issuer.auth).json() == listed


def test_a_chunked_body_under_the_limit_is_served(client: SyncClient, issuer: Issuer) -> None:
    async def parts() -> AsyncIterator[bytes]:
        for part in (b'{"scopes": ', b'["read"], ', b'"name": "chunked"}'):
            yield part

    r = client.post(
        f"/v1/issuers/{issuer.slug}/tokens",
        content=parts(),
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["name"] == "chunked" and r.json()["scopes"] == ["read"]
    # Exactly the limit is allowed: a JSON value and spaces, read and judged (not a credential).
    limit = _limit(client)
    payload = b'{"credential": "x"}'

    async def padded() -> AsyncIterator[bytes]:
        yield payload
        yield b" " * (limit - len(payload))

    r = client.post("/v1/verify", content=padded(), headers={"content-type": "application/json"})
    assert_problem(r, 400, "unreadable-credential")


def test_a_declared_length_over_the_limit_is_still_413(client: SyncClient, issuer: Issuer) -> None:
    limit = _limit(client)
    r = client.post(
        f"/v1/issuers/{issuer.slug}/credentials",
        content=b" " * (limit + 1),
        headers={**issuer.auth, "content-type": "application/json"},
    )
    assert_problem(r, 413, "payload-too-large")
