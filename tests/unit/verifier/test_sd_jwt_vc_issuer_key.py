"""The SD-JWT VC issuer key from JWT VC Issuer Metadata (SD-JWT VC §5), when there is no ``x5c``: a
fetch that fails in any way, metadata of the wrong shape and an ``iss`` that is not an https URL are a
failed ``proof`` check (the issuer's key could not be established), never an exception; the metadata's
key is used when it is there, given by value (``jwks``) or at an https ``jwks_uri``; without a ``kid`` in
the header, every key of the set that fits the ``alg`` is tried."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt
from schemas.problems import problem_type
from verifier.sd_jwt_vc import SdJwtVcChecks

ISS = "https://issuer.elsewhere.example"
NOW = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
KEY = PrivateKey.generate(KeyAlgorithm.P256)


def _sd_jwt(iss: str = ISS) -> str:
    claims = {"iss": iss, "vct": "urn:example:type", "iat": int(NOW.timestamp()), "given_name": "Aiko"}
    return issue_sd_jwt(claims, disclosable=["given_name"], key=KEY, header={"kid": "k1"})


def _outcomes(fetch_json: Callable[[str], Mapping[str, Any]], text: str) -> dict[str, tuple[str, str | None]]:
    checks = SdJwtVcChecks(trust_anchors=[], fetch_json=fetch_json, fetch_text=None, skew=dt.timedelta(0))
    found, _claims = checks.run(text, now=NOW)
    return {c["id"]: (c["outcome"], c.get("type")) for c in found}


def _raises(exc: Exception) -> Callable[[str], Mapping[str, Any]]:
    def fetch(url: str) -> Mapping[str, Any]:
        raise exc

    return fetch


def _answers(document: Any) -> Callable[[str], Mapping[str, Any]]:
    def fetch(url: str) -> Mapping[str, Any]:
        assert url == f"{ISS}/.well-known/jwt-vc-issuer"
        return document  # type: ignore[no-any-return]

    return fetch


KEY_NOT_FOUND = ("failed", problem_type("key-not-found"))


@pytest.mark.parametrize(
    "fetch",
    [
        _raises(RuntimeError("the app's fetcher failed")),
        _raises(ConnectionError("unreachable")),
        _raises(ValueError("not JSON")),
        _answers(["not", "an", "object"]),
        _answers({"issuer": ISS, "jwks": ["not", "a", "set"]}),
        _answers({"issuer": ISS, "jwks": {"keys": "not a list"}}),
        _answers({"issuer": ISS, "jwks": {"keys": ["not a key", 7]}}),
        _answers({"issuer": ISS, "jwks": {"keys": [{"kty": "EC", "kid": "k1"}]}}),
        _answers({"issuer": "https://someone.else.example", "jwks": {"keys": []}}),
    ],
)
def test_no_metadata_to_be_had_is_a_failed_check(fetch: Callable[[str], Mapping[str, Any]]) -> None:
    outcomes = _outcomes(fetch, _sd_jwt())
    assert outcomes["proof"] == KEY_NOT_FOUND
    assert outcomes["issuer"] == ("skipped", None)


@pytest.mark.parametrize("iss", ["urn:example:issuer", "http://issuer.elsewhere.example", "did:example:1"])
def test_an_iss_that_is_not_https_is_not_fetched(iss: str) -> None:
    assert _outcomes(_raises(AssertionError(f"fetched for {iss}")), _sd_jwt(iss))["proof"] == KEY_NOT_FOUND


def test_the_metadata_key_verifies() -> None:
    jwk = {**KEY.public_key().jwk(), "kid": "k1"}
    outcomes = _outcomes(_answers({"issuer": ISS, "jwks": {"keys": [jwk]}}), _sd_jwt())
    assert outcomes["proof"] == ("passed", None) and outcomes["issuer"] == ("passed", None)


# -- jwks_uri, and a key set without a kid in the header (JWT VC Issuer Metadata) ----------------------------------

JWKS_URI = f"{ISS}/jwks.json"
OTHER = PrivateKey.generate(KeyAlgorithm.P256)
ED = PrivateKey.generate(KeyAlgorithm.ED25519)


def _serves(documents: Mapping[str, Any]) -> Callable[[str], Mapping[str, Any]]:
    def fetch(url: str) -> Mapping[str, Any]:
        if url not in documents:
            raise ConnectionError(url)
        return documents[url]  # type: ignore[no-any-return]

    return fetch


def _jwk(key: PrivateKey, **members: str) -> dict[str, str]:
    return {**key.public_key().jwk(), **members}


def test_the_key_set_at_jwks_uri_is_fetched() -> None:
    metadata = {"issuer": ISS, "jwks_uri": JWKS_URI}
    fetch = _serves({f"{ISS}/.well-known/jwt-vc-issuer": metadata, JWKS_URI: {"keys": [_jwk(KEY, kid="k1")]}})
    outcomes = _outcomes(fetch, _sd_jwt())
    assert outcomes["proof"] == ("passed", None) and outcomes["issuer"] == ("passed", None)


@pytest.mark.parametrize(
    "documents",
    [
        {"jwks_uri": "http://issuer.elsewhere.example/jwks.json"},  # §4: every URL is HTTPS
        {"jwks_uri": JWKS_URI},  # the fetch fails
        {"jwks_uri": JWKS_URI, JWKS_URI: {"keys": [_jwk(OTHER, kid="k2")]}},
        {"jwks_uri": 7},
    ],
)
def test_no_key_set_at_jwks_uri_is_a_failed_check(documents: dict[str, Any]) -> None:
    metadata = {"issuer": ISS, "jwks_uri": documents.pop("jwks_uri")}
    fetch = _serves({f"{ISS}/.well-known/jwt-vc-issuer": metadata, **documents})
    assert _outcomes(fetch, _sd_jwt())["proof"] == KEY_NOT_FOUND


def _no_kid() -> str:
    claims = {"iss": ISS, "vct": "urn:example:type", "iat": int(NOW.timestamp())}
    return issue_sd_jwt(claims, disclosable=[], key=KEY)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([_jwk(OTHER, kid="k0"), _jwk(KEY, kid="k1")], ("passed", None)),  # the second key signed
        ([_jwk(ED), _jwk(OTHER), _jwk(KEY)], ("passed", None)),
        ([_jwk(OTHER, kid="k0"), _jwk(OTHER, kid="k2")], ("failed", problem_type("invalid-proof"))),
        ([_jwk(ED), _jwk(KEY, alg="ES384")], KEY_NOT_FOUND),  # no key of the header's alg
    ],
)
def test_without_a_kid_every_fitting_key_is_tried(
    keys: list[dict[str, str]], expected: tuple[str, Any]
) -> None:
    fetch = _answers({"issuer": ISS, "jwks": {"keys": keys}})
    assert _outcomes(fetch, _no_kid())["proof"] == expected
