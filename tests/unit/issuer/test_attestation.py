"""proofs.attestation: wallet (client) attestations with their PoP, and key attestations, each signed
by a wallet provider whose x5c chain leads to a trust anchor. One refusal per rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from issuer.wallet.attestation import AttestationError, verify_client_attestation, verify_key_attestation
from proofs.keys import KeyAlgorithm, PrivateKey, jwk_thumbprint
from proofs.vc_jwt import sign_jws
from proofs.x509 import issue_leaf, make_ca, x5c_chain

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
T = int(NOW.timestamp())
AS = "https://issuer.example/issuers/uni"
CLIENT = "wallet-instance-7"


def _provider(name: str = "Wallet Provider CA") -> tuple[bytes, PrivateKey, list[str]]:
    ca_key, signing_key = PrivateKey.generate(KeyAlgorithm.P256), PrivateKey.generate(KeyAlgorithm.P256)
    start, end = NOW - dt.timedelta(days=30), NOW + dt.timedelta(days=365)
    ca = make_ca(name, ca_key, not_before=start, not_after=end)
    leaf = issue_leaf(
        ca_key,
        ca,
        signing_key.public_key(),
        subject_name="Wallet Provider",
        san_dns="wallet-provider.example",
        not_before=start,
        not_after=end,
    )
    return ca, signing_key, x5c_chain([leaf])


CA, PROVIDER_KEY, X5C = _provider()
OTHER_CA, OTHER_KEY, OTHER_X5C = _provider("Someone else")
INSTANCE = PrivateKey.generate(KeyAlgorithm.ED25519)


def _attestation(key: PrivateKey = PROVIDER_KEY, **changes: Any) -> str:
    header = {"alg": "ES256", "typ": "oauth-client-attestation+jwt", "x5c": X5C, **changes.pop("header", {})}
    payload: dict[str, Any] = {
        "iss": "https://wallet-provider.example",
        "sub": CLIENT,
        "iat": T - 60,
        "exp": T + 3600,
        "cnf": {"jwk": INSTANCE.public_key().jwk()},
        "wallet_name": "Example Wallet",
        **changes,
    }
    return sign_jws(_drop_none(header), _drop_none(payload), key=key)


def _pop(key: PrivateKey = INSTANCE, **changes: Any) -> str:
    header = {"alg": key.algorithm.jws_alg, "typ": "oauth-client-attestation-pop+jwt"}
    header.update(changes.pop("header", {}))
    payload: dict[str, Any] = {"iss": CLIENT, "aud": AS, "jti": "pop-1", "iat": T - 5, "exp": T + 60}
    payload.update(changes)
    return sign_jws(header, _drop_none(payload), key=key)


def _drop_none(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if v is not None}


def _client(attestation: str | None = None, pop: str | None = None, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"audience": AS, "trust_anchors": [CA], "now": NOW}
    options.update(kwargs)
    return verify_client_attestation(attestation or _attestation(), pop or _pop(), **options)


def test_valid_client_attestation() -> None:
    result = _client()
    assert result.client_id == CLIENT and result.attester == "https://wallet-provider.example"
    assert result.wallet_name == "Example Wallet" and result.pop_jti == "pop-1"
    assert result.instance_jkt == jwk_thumbprint(INSTANCE.public_key().jwk())
    # aud as a list, client_id given and equal, a P-256 instance key
    p256 = PrivateKey.generate(KeyAlgorithm.P256)
    attestation = _attestation(cnf={"jwk": p256.public_key().jwk()})
    assert (
        _client(attestation, _pop(p256, aud=["https://other.example", AS]), client_id=CLIENT).client_id
        == CLIENT
    )


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    return ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])


CLIENT_REFUSALS: list[tuple[str, Callable[[], Any]]] = [
    ("WRONG_TYP", lambda: _client(_attestation(header={"typ": "JWT"}))),
    ("NO_X5C", lambda: _client(_attestation(header={"x5c": None}))),
    ("UNTRUSTED", lambda: _client(_attestation(OTHER_KEY, header={"x5c": OTHER_X5C}))),
    ("UNTRUSTED", lambda: _client(trust_anchors=[])),
    ("SIGNATURE_INVALID", lambda: _client(_attestation(OTHER_KEY))),
    ("MALFORMED", lambda: _client(_tampered(_attestation()))),
    ("EXPIRED", lambda: _client(_attestation(exp=T - 3600))),
    ("BAD_TIME", lambda: _client(_attestation(exp=None))),
    ("NOT_YET_VALID", lambda: _client(_attestation(iat=T + 3600))),
    ("MISSING_CLAIM", lambda: _client(_attestation(sub=None))),
    ("BAD_KEY", lambda: _client(_attestation(cnf={"jwk": INSTANCE.private_jwk()}))),
    ("BAD_KEY", lambda: _client(_attestation(cnf=None))),
    ("WRONG_TYP", lambda: _client(pop=_pop(header={"typ": "JWT"}))),
    ("SIGNATURE_INVALID", lambda: _client(pop=_pop(PrivateKey.generate(KeyAlgorithm.ED25519)))),
    ("ALG_MISMATCH", lambda: _client(pop=_pop(PrivateKey.generate(KeyAlgorithm.P256)))),
    ("WRONG_AUDIENCE", lambda: _client(pop=_pop(aud="https://elsewhere.example"))),
    ("STALE", lambda: _client(pop=_pop(iat=T - 3600))),
    ("NOT_YET_VALID", lambda: _client(pop=_pop(iat=T + 3600))),
    ("BAD_TIME", lambda: _client(pop=_pop(iat=None))),
    ("EXPIRED", lambda: _client(pop=_pop(exp=T - 3600))),
    ("CLIENT_MISMATCH", lambda: _client(pop=_pop(iss="someone-else"))),
    ("MISSING_CLAIM", lambda: _client(pop=_pop(jti=None))),
    ("CLIENT_MISMATCH", lambda: _client(client_id="another-client")),
]


@pytest.mark.parametrize(
    ("code", "call"), CLIENT_REFUSALS, ids=[f"{c}-{i}" for i, (c, _f) in enumerate(CLIENT_REFUSALS)]
)
def test_client_attestation_refusals(code: str, call: Callable[[], Any]) -> None:
    with pytest.raises(AttestationError) as err:
        call()
    assert err.value.code == code


HOLDER = PrivateKey.generate(KeyAlgorithm.P256)


def _key_attestation(typ: str = "key-attestation+jwt", key: PrivateKey = PROVIDER_KEY, **changes: Any) -> str:
    header: dict[str, Any] = {"alg": "ES256", "typ": typ, "x5c": X5C}
    header.update(changes.pop("header", {}))
    payload: dict[str, Any] = {
        "iat": T - 60,
        "exp": T + 3600,
        "attested_keys": [HOLDER.public_key().jwk()],
        "key_storage": ["iso_18045_moderate"],
        "user_authentication": ["iso_18045_moderate"],
    }
    payload.update(changes)
    return sign_jws(header, _drop_none(payload), key=key)


@pytest.mark.parametrize("typ", ["key-attestation+jwt", "keyattestation+jwt"])
def test_valid_key_attestation(typ: str) -> None:
    result = verify_key_attestation(_key_attestation(typ), trust_anchors=[CA], now=NOW)
    assert result.attested_jkts == {jwk_thumbprint(HOLDER.public_key().jwk())}
    assert result.key_storage == ("iso_18045_moderate",) == result.user_authentication
    assert result.nonce is None
    assert (
        verify_key_attestation(_key_attestation(typ, nonce="n-1"), trust_anchors=[CA], now=NOW).nonce == "n-1"
    )


KEY_REFUSALS: list[tuple[str, Callable[[], Any]]] = [
    ("WRONG_TYP", lambda: _key_attestation("JWT")),
    ("UNTRUSTED", lambda: _key_attestation(header={"x5c": OTHER_X5C}, key=OTHER_KEY)),
    ("SIGNATURE_INVALID", lambda: _key_attestation(key=OTHER_KEY)),
    ("EXPIRED", lambda: _key_attestation(exp=T - 3600)),
    ("BAD_TIME", lambda: _key_attestation(exp=None)),
    ("BAD_TIME", lambda: _key_attestation(iat=None)),
    ("NOT_YET_VALID", lambda: _key_attestation(iat=T + 3600)),
    ("MISSING_CLAIM", lambda: _key_attestation(attested_keys=[])),
    ("BAD_KEY", lambda: _key_attestation(attested_keys=[HOLDER.private_jwk()])),
    # a nonce that is no string binds to no c_nonce: refused, not read as "no nonce" (Appendix D.1)
    ("MALFORMED", lambda: _key_attestation(nonce=5)),
    ("MALFORMED", lambda: _key_attestation(nonce=["n-1"])),
]


@pytest.mark.parametrize(
    ("code", "make"), KEY_REFUSALS, ids=[f"{c}-{i}" for i, (c, _f) in enumerate(KEY_REFUSALS)]
)
def test_key_attestation_refusals(code: str, make: Callable[[], str]) -> None:
    with pytest.raises(AttestationError) as err:
        verify_key_attestation(make(), trust_anchors=[CA], now=NOW)
    assert err.value.code == code
