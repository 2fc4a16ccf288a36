"""A minimal OpenID4VP 1.0 holder for the tests, on jwcrypto (JWS, JWE) and hashlib rather than the
service's own JOSE code: it fetches the request object (POST with ``wallet_nonce``), checks its
signature, ``typ``, x5c chain and ``x509_hash`` client identifier, presents SD-JWT VCs with the
disclosures the DCQL query asks for and a Key Binding JWT, or a signed ``ldp_vp``, and posts the
response (encrypted to the request's ``client_metadata.jwks`` key for ``direct_post.jwt``).

Every knob a negative test needs is a parameter: another ``aud`` or ``nonce``, claims withheld."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from jwcrypto import jwe, jwk, jws

from app.testing import SyncClient
from proofs.keys import PrivateKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class Request:
    """A fetched and checked request object."""

    header: dict[str, Any]
    payload: dict[str, Any]
    wallet_nonce: str

    @property
    def client_id(self) -> str:
        return str(self.payload["client_id"])

    @property
    def nonce(self) -> str:
        return str(self.payload["nonce"])


def fetch_request(client: SyncClient | httpx.Client, deep_link: str, ca_pem: str) -> Request:
    """Resolve the deep link: POST to the request_uri with a wallet_nonce, verify the JAR."""
    query = parse_qs(urlsplit(deep_link).query)
    assert query["request_uri_method"] == ["post"]
    wallet_nonce = secrets.token_urlsafe(16)
    r = client.post(path_of(query["request_uri"][0]), data={"wallet_nonce": wallet_nonce})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    token = r.text
    header = _b64url_json(token.split(".")[0])
    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
    leaf = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    ca = x509.load_pem_x509_certificate(ca_pem.encode())
    # HAIP: the trust anchor is not in x5c; the leaf is signed by it.
    assert all(base64.b64decode(c) != ca.public_bytes(Encoding.DER) for c in header["x5c"])
    leaf.verify_directly_issued_by(ca)
    verifier_key = jwk.JWK.from_pyca(leaf.public_key())
    signed = jws.JWS()
    signed.deserialize(token)
    signed.verify(verifier_key, alg="ES256")
    payload = json.loads(signed.payload)
    assert payload["client_id"] == query["client_id"][0]
    prefix, _, value = payload["client_id"].partition(":")
    if prefix == "x509_hash":
        assert value == _b64url(hashlib.sha256(base64.b64decode(header["x5c"][0])).digest())
    else:
        assert prefix == "x509_san_dns"
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert value in names.get_values_for_type(x509.DNSName)
    assert payload["wallet_nonce"] == wallet_nonce
    assert payload["response_type"] == "vp_token"
    return Request(header, payload, wallet_nonce)


def present_sd_jwt(
    sd_jwt: str,
    holder: PrivateKey,
    *,
    aud: str,
    nonce: str,
    disclose: set[str],
    iat: int | None = None,
) -> str:
    """An SD-JWT VC presentation: the issuer JWT, the disclosures of the top-level claims in ``disclose``
    and a KB-JWT (jwcrypto ES256) over them."""
    parts = sd_jwt.split("~")
    issuer_jwt, disclosures = parts[0], [d for d in parts[1:] if d]
    kept = []
    for d in disclosures:
        decoded = _b64url_json(d)
        if len(decoded) == 3 and decoded[1] in disclose:
            kept.append(d)
    without_kb = "~".join([issuer_jwt, *kept]) + "~"
    sd_hash = _b64url(hashlib.sha256(without_kb.encode("ascii")).digest())
    key = jwk.JWK.from_pyca(_pyca(holder))
    token = jws.JWS(
        json.dumps(
            {"iat": int(time.time()) if iat is None else iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash}
        )
    )
    token.add_signature(key, alg="ES256", protected={"alg": "ES256", "typ": "kb+jwt"})
    return without_kb + str(token.serialize(compact=True))


def _pyca(key: PrivateKey) -> ec.EllipticCurvePrivateKey:
    jwk_private = key.private_jwk()
    return jwk.JWK(**jwk_private).get_op_key("sign")  # type: ignore[no-any-return]


@dataclass
class Answer:
    response: httpx.Response
    form: dict[str, str] = field(default_factory=dict)


def respond(
    client: SyncClient | httpx.Client, request: Request, vp_token: dict[str, Any], *, state: str | None = None
) -> Answer:
    """Post the response to the response_uri: encrypted (ECDH-ES, A128GCM, jwcrypto) for
    direct_post.jwt, plain for direct_post."""
    payload = request.payload
    params = {"vp_token": vp_token, "state": state if state is not None else payload["state"]}
    if payload["response_mode"] == "direct_post.jwt":
        key_doc = payload["client_metadata"]["jwks"]["keys"][0]
        enc = payload["client_metadata"]["encrypted_response_enc_values_supported"][0]
        envelope = jwe.JWE(
            json.dumps(params).encode(),
            protected={"alg": "ECDH-ES", "enc": enc, "kid": key_doc["kid"]},
        )
        envelope.add_recipient(jwk.JWK(**key_doc))
        form = {"response": envelope.serialize(compact=True)}
    else:
        form = {"vp_token": json.dumps(vp_token), "state": params["state"]}
    return Answer(client.post(path_of(payload["response_uri"]), data=form), form)


def replay(client: SyncClient | httpx.Client, request: Request, answer: Answer) -> httpx.Response:
    return client.post(path_of(request.payload["response_uri"]), data=answer.form)
