"""The issuer trust section reports the issuer the checks judged (outside fuzzing round of issuer trust):
an SD-JWT VC's ``iss``, never a claim named ``issuer``; a VCDM 1.1 VC-JWT's ``iss`` where its vc claim
has none; domains compared and shown in their ASCII form; an origin whose DID configuration could not be
fetched is not reported (nor kept) as one that publishes none."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx

from app.state import app_state
from app.testing import SyncClient
from app.verification.cache import TtlCache
from issuer.domain_linkage import did_configuration, domain_linkage_jwt
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt
from proofs.vc_jwt import sign_jws
from tests.app.helpers import mocked_http
from tests.conftest import ADMIN, bearer, make_tenant

_EVIL = "https://evil.example"


def _did(client: SyncClient, slug: str) -> str:
    return str(client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"])


def _vouched(client: SyncClient) -> tuple[str, dict[str, Any]]:
    """A vouched tenant with a linked domain: its DID and its DID configuration."""
    slug, token = make_tenant(client, name="University of Oxford", url="https://www.ox.example")
    configuration = client.get(f"/v1/issuers/{slug}/did-configuration.json", headers=bearer(token)).json()
    assert client.put(f"/v1/issuers/{slug}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    return _did(client, slug), configuration


def test_an_sd_jwt_vcs_issuer_is_its_iss_not_a_claim_named_issuer(client: SyncClient) -> None:
    """SD-JWT VC §3.2.2.2: the issuer is ``iss``. A plain ``issuer`` claim naming a vouched tenant gave
    the outsider's credential that tenant's trust (known, its verified domain)."""
    oxford, configuration = _vouched(client)
    key = PrivateKey.generate(KeyAlgorithm.P256)
    claims = {
        "iss": _EVIL,
        "vct": "urn:example:diploma",
        "iat": int(time.time()),
        "given_name": "Mallory",
        "issuing_authority": "University of Oxford",
        "issuer": {"id": oxford, "name": "University of Oxford", "url": "https://www.ox.example"},
    }
    text = issue_sd_jwt(claims, disclosable=["given_name"], key=key, header={"kid": "k1"})
    jwk = dict(key.public_key().jwk(), kid="k1")

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == f"{_EVIL}/.well-known/jwt-vc-issuer":
            return httpx.Response(200, json={"issuer": _EVIL, "jwks": {"keys": [jwk]}})
        if str(request.url) == "https://www.ox.example/.well-known/did-configuration.json":
            return httpx.Response(200, json=configuration)
        return httpx.Response(404)

    with mocked_http(client, handler):
        body = client.post("/v1/verify", json={"credential": text}).json()
    assert body["verified"], body
    trust = body["issuer_trust"]
    assert trust["issuer"] == _EVIL and trust["known"] is False
    assert trust["verified_domains"] == [] and "listed_as" not in trust
    # The name it gives itself is shown, and only ever cautioned against: it looks like a known issuer's.
    assert trust["name"] == "University of Oxford"
    assert [e["id"] for e in trust["lookalike_of"]] == [oxford]


def test_a_vcdm11_vc_jwt_whose_issuer_is_its_iss_is_assessed(client: SyncClient) -> None:
    """VCDM 1.1 §6.3.1: ``iss`` MUST represent the issuer. A listed issuer's VC-JWT whose vc claim left
    ``issuer`` to ``iss`` passed every check, yet its issuer trust was null ("could not be confirmed")."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    did, kid = key.public_key().did_key(), key.public_key().did_key_vm()
    entries = [{"id": did, "name": "Partner College"}]
    assert (
        client.put("/v1/trust-lists/fz-partners", json={"entries": entries}, headers=ADMIN).status_code == 200
    )
    try:
        vc = {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:learner"},
        }
        claims = {
            "iss": did,
            "nbf": int(time.time()) - 10,
            "jti": "urn:uuid:1234",
            "sub": "did:example:learner",
        }
        token = sign_jws({"alg": "ES256", "kid": kid, "typ": "JWT"}, {**claims, "vc": vc}, key=key)
        body = client.post("/v1/verify", json={"credential": token}).json()
        assert body["verified"], body
        trust = body["issuer_trust"]
        assert trust is not None and trust["issuer"] == did and trust["known"] is True
        assert trust["listed_as"] == {"name": "Partner College", "list": "fz-partners"}
    finally:  # the database is shared: the list would be seen by other tests
        client.delete("/v1/trust-lists/fz-partners", headers=ADMIN)


def test_a_verified_idn_domain_is_reported_in_its_ascii_form(client: SyncClient) -> None:
    """A verified domain was reported (and shown) in Unicode: the Cyrillic аррle.com read as apple.com."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    did, kid = key.public_key().did_key(), key.public_key().did_key_vm()
    url = "https://\u0430\u0440\u0440le.com"
    linkage = domain_linkage_jwt(did, url, key=key, kid=kid, now=dt.datetime.now(dt.UTC))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.raw_host == b"xn--le-6kc8da.com" and request.url.path.endswith(
            "did-configuration.json"
        ):
            return httpx.Response(200, json=did_configuration([linkage]))
        return httpx.Response(404)

    claims = {"iss": did, "nbf": int(time.time()) - 10, "jti": "urn:uuid:1", "sub": "did:example:learner"}
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": did, "name": "Apple Academy", "url": url},
        "credentialSubject": {"id": "did:example:learner"},
    }
    token = sign_jws({"alg": "ES256", "kid": kid, "typ": "JWT"}, {**claims, "vc": vc}, key=key)
    with mocked_http(client, handler):
        body = client.post("/v1/verify", json={"credential": token}).json()
    assert {c["id"]: c["outcome"] for c in body["checks"]}["issuer"] == "passed", body
    assert body["issuer_trust"]["verified_domains"] == ["https://xn--le-6kc8da.com"]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_did_configuration_that_could_not_be_fetched_is_asked_for_again(client: SyncClient) -> None:
    """A 503 or a timeout was reported as "publishes no DID configuration" and kept for the DID cache's
    TTL (300 s), so a domain whose site was briefly down stayed unverified for five minutes. It is now
    reported as not fetched (not as absent) and asked for again after a few seconds; a 404 (absent) is
    still kept for the TTL."""
    key = PrivateKey.generate(KeyAlgorithm.P256)
    did, kid = key.public_key().did_key(), key.public_key().did_key_vm()
    origin = "https://flaky.example"
    linkage = domain_linkage_jwt(did, origin, key=key, kid=kid, now=dt.datetime.now(dt.UTC))
    vc = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": {"id": did, "name": "Flaky College", "url": origin},
        "credentialSubject": {"id": "did:example:learner"},
    }
    claims = {"iss": did, "nbf": int(time.time()) - 10, "jti": "urn:uuid:2", "sub": "did:example:learner"}
    token = sign_jws({"alg": "ES256", "kid": kid, "typ": "JWT"}, {**claims, "vc": vc}, key=key)
    clock = _Clock()
    app_state(client.app).did_cache = TtlCache(ttl=300, clock=clock)
    asked: list[str] = []

    def trust(answer: httpx.Response | Exception) -> dict[str, Any]:
        def handler(request: httpx.Request) -> httpx.Response:
            asked.append(str(request.url))
            if isinstance(answer, Exception):
                raise answer
            return answer

        with mocked_http(client, handler):
            body = client.post("/v1/verify", json={"credential": token}).json()
        assert {c["id"]: c["outcome"] for c in body["checks"]}["issuer"] == "passed", body
        return dict(body["issuer_trust"])

    good = httpx.Response(200, json=did_configuration([linkage]))
    for failure in (httpx.Response(503), httpx.ReadTimeout("slow")):
        down = trust(failure)
        assert down["verified_domains"] == [] and origin in down["domain_failures"]
        clock.now += 60  # within the cache's TTL
        assert trust(good)["verified_domains"] == [origin]
        clock.now += 600
    asked.clear()
    absent = trust(httpx.Response(404))
    assert absent["verified_domains"] == [] and len(asked) == 1
    # Absent and not fetched are told apart.
    assert absent["domain_failures"][origin] != down["domain_failures"][origin]
    clock.now += 60
    assert trust(good)["verified_domains"] == [] and len(asked) == 1  # the 404 is kept
