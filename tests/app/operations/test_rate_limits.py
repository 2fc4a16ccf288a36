"""Rate limits of the public endpoints: a token bucket per client address and group; 429 problem with
Retry-After; authenticated and other endpoints untouched; off in the tests' default settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from app.errors import problem_type
from app.main import create_app
from app.ratelimit.buckets import TokenBuckets
from app.ratelimit.middleware import RateLimitMiddleware
from app.testing import SyncClient
from tests.conftest import ADMIN, make_settings


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    buckets = TokenBuckets(per_minute=6, burst=2)  # one token every 10 s
    assert buckets.take("a", 0.0) is None and buckets.take("a", 0.0) is None
    assert buckets.take("a", 0.0) == 10
    assert buckets.take("b", 0.0) is None  # another key: its own bucket
    assert buckets.take("a", 5.0) == 5
    assert buckets.take("a", 10.0) is None
    assert buckets.take("a", 1000.0) is None and buckets.take("a", 1000.0) is None  # capped at the burst
    assert buckets.take("a", 1000.0) == 10
    with pytest.raises(ValueError):
        TokenBuckets(per_minute=0, burst=1)


def test_the_least_recently_used_key_is_forgotten_past_the_cap() -> None:
    buckets = TokenBuckets(per_minute=1, burst=1, max_keys=2)
    assert buckets.take("a", 0.0) is None
    assert buckets.take("b", 0.0) is None
    assert buckets.take("c", 0.0) is None  # "a" forgotten: it starts again full
    assert buckets.take("a", 0.0) is None
    assert buckets.take("c", 0.0) is not None


def _call(app: Any, method: str, path: str, client: str) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [], "client": (client, 1)}
    anyio.run(app, scope, receive, send)
    headers = {k.decode(): v.decode() for k, v in sent[0].get("headers", [])}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_the_middleware_limits_public_endpoints_per_client_and_group() -> None:
    now = [0.0]
    app = RateLimitMiddleware(_ok, per_minute=60, burst=2, clock=lambda: now[0])
    for path in ("/v1/verify", "/credentials/verify"):  # one group: one bucket
        assert _call(app, "POST", path, "10.0.0.1")[0] == 200
    status, headers, body = _call(app, "POST", "/presentations/verify", "10.0.0.1")
    assert status == 429 and headers["retry-after"] == "1"
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == problem_type("rate-limited") and problem["status"] == 429
    assert _call(app, "POST", "/v1/verify", "10.0.0.2")[0] == 200  # another client
    assert _call(app, "POST", "/issuers/uu/oid4vci/token", "10.0.0.1")[0] == 200  # another group
    assert _call(app, "GET", "/offers/abc", "10.0.0.1")[0] == 200
    assert _call(app, "GET", "/offers/abc/claim", "10.0.0.1")[0] == 429
    # Not limited: authenticated API, the credential pages, GET /verify (the page itself).
    for method, path in (
        ("POST", "/v1/issuers/uu/credentials"),
        ("GET", "/credentials/x"),
        ("GET", "/verify"),
    ):
        assert all(_call(app, method, path, "10.0.0.1")[0] == 200 for _ in range(5))
    now[0] = 1.0
    assert _call(app, "POST", "/v1/verify", "10.0.0.1")[0] == 200


@pytest.fixture(scope="module")
def limited(database_url: str) -> Iterator[SyncClient]:
    settings = make_settings(
        database_url, rate_limit_per_minute=1, rate_limit_burst=3, rate_limit_loopback=True
    )
    c = SyncClient(create_app(settings))
    try:
        yield c
    finally:
        c.close()


def test_the_service_answers_429_with_retry_after(limited: SyncClient) -> None:
    statuses = [limited.post("/v1/verify", json={"credential": {}}).status_code for _ in range(4)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429
    r = limited.post("/credentials/verify", json={"verifiableCredential": {}})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == problem_type("rate-limited")
    assert r.headers["x-request-id"]
    assert all(limited.get("/v1/issuers", headers=ADMIN).status_code == 200 for _ in range(5))


def test_the_tests_default_settings_do_not_limit(client: SyncClient) -> None:
    assert all(client.post("/v1/verify", json={"credential": {}}).status_code == 400 for _ in range(40))


def test_the_limited_operations_document_their_429(client: SyncClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in (
        ("/v1/verify", "post"),
        ("/credentials/verify", "post"),
        ("/presentations/verify", "post"),
        ("/issuers/{slug}/oid4vci/token", "post"),
        ("/offers/{offer_id}", "get"),
    ):
        assert "application/problem+json" in paths[path][method]["responses"]["429"]["content"]
    assert "429" not in paths["/v1/issuers"]["post"]["responses"]


def test_loopback_clients_are_limited_in_production_only() -> None:
    """A development service's callers (its developer, its tests, the W3C suites) are on loopback: not
    limited unless asked; production limits them too (a proxy's clients arrive with their own address)."""
    for limit_loopback, expected in ((False, 200), (True, 429)):
        app = RateLimitMiddleware(
            _ok, per_minute=60, burst=1, limit_loopback=limit_loopback, clock=lambda: 0.0
        )
        for address in ("127.0.0.1", "::1"):
            statuses = [_call(app, "POST", "/v1/verify", address)[0] for _ in range(3)]
            assert statuses[-1] == expected, (limit_loopback, address)
        assert [_call(app, "POST", "/v1/verify", "10.0.0.9")[0] for _ in range(2)] == [200, 429]
    assert not make_settings("sqlite://").rate_limits_loopback
    assert make_settings("sqlite://", environment="production").rate_limits_loopback
    assert make_settings("sqlite://", rate_limit_loopback=True).rate_limits_loopback
