"""Issue 14, 5xx found: an SD-JWT VC without ``x5c`` whose issuer metadata cannot be fetched, sent to
``/v1/verify`` or ``/credentials/verify`` (no token needed), is a verification result with a failed
``proof`` check (the issuer's key could not be established), not a 500: whether the fetch is refused,
unreachable, answered with an error or with something that is not JSON VC Issuer Metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.errors import problem_type
from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt
from tests.app.helpers import mocked_http

ISS = "https://issuer.elsewhere.example"
KEY = PrivateKey.generate(KeyAlgorithm.P256)


def _sd_jwt(iss: str = ISS) -> str:
    now = int(dt.datetime.now(dt.UTC).timestamp())
    claims = {"iss": iss, "vct": "urn:example:type", "iat": now, "given_name": "Aiko"}
    return issue_sd_jwt(claims, disclosable=["given_name"], key=KEY, header={"kid": "k1"})


def _unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no route to host", request=request)


def _answer(status: int, body: Any = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body)

    return handler


def _assert_key_not_established(client: SyncClient, credential: str) -> None:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["verified"] is False and result["format"] == "dc+sd-jwt", result
    checks = {c["id"]: c for c in result["checks"]}
    assert checks["proof"]["outcome"] == "failed"
    assert checks["proof"]["type"] == problem_type("key-not-found")

    r = client.post("/credentials/verify", json={"verifiableCredential": credential})
    assert r.status_code == 400, r.text  # the VC-API answers 400 when the credential does not verify
    result = r.json()
    assert result["verified"] is False
    assert problem_type("key-not-found") in {e["type"] for e in result["errors"]}, result


@pytest.mark.parametrize(
    "handler",
    [
        _unreachable,
        _answer(404),
        _answer(500, {"error": "down"}),
        _answer(200, ["not", "an", "object"]),
        _answer(200, {"issuer": ISS, "jwks": ["not", "a", "set"]}),
        _answer(200, {"issuer": ISS, "jwks": {"keys": [{"kty": "EC", "kid": "k1"}]}}),
    ],
    ids=["unreachable", "404", "500", "array", "jwks-array", "bad-jwk"],
)
def test_metadata_that_cannot_be_had_is_a_failed_check(
    client: SyncClient, handler: Callable[[httpx.Request], httpx.Response]
) -> None:
    with mocked_http(client, handler):
        _assert_key_not_established(client, _sd_jwt())


def test_through_the_guarded_client_to_a_closed_port(client: SyncClient) -> None:
    # Nothing listens on port 9 of the loopback address: the guarded client's own FetchError.
    _assert_key_not_established(client, _sd_jwt("https://127.0.0.1:9"))


def test_an_iss_that_is_not_an_https_url(client: SyncClient) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"fetched {request.url}")

    with mocked_http(client, never):
        _assert_key_not_established(client, _sd_jwt("urn:example:issuer"))
