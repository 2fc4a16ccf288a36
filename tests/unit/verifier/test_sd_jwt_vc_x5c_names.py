"""Which certificate names an SD-JWT VC issuer (SD-JWT VC, Issuer-signed JWT Verification Key Validation,
X.509): an ``iss`` that is a ``dns:`` URI (RFC 4501) is matched against the leaf's dNSName entries; any
other ``iss`` must equal one of its uniformResourceIdentifier entries. A trusted certificate that names only
the host of an https ``iss`` (as every tenant's OpenID4VP verifier certificate names the service's host)
certifies no issuer on it: it neither signs the credential nor its status list."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt
from proofs.token_status_list import encode_status_list, status_list_token
from proofs.x509 import issue_leaf, make_ca, x5c_chain
from schemas.problems import problem_type
from verifier.sd_jwt_vc import SdJwtVcChecks

HOST = "shomei.test"
VICTIM = f"https://{HOST}/issuers/victim-university"
LIST_URI = f"https://{HOST}/issuers/victim-university/status/1"
NOW = dt.datetime.fromtimestamp(int(time.time()), dt.UTC)
CA_KEY = PrivateKey.generate(KeyAlgorithm.P256)
CA = make_ca("Test CA", CA_KEY, not_before=NOW - dt.timedelta(days=1), not_after=NOW + dt.timedelta(days=30))
KEY = PrivateKey.generate(KeyAlgorithm.P256)
KEY_NOT_FOUND = ("failed", problem_type("key-not-found"), "ISSUER_MISMATCH")


def _x5c(key: PrivateKey, *, san_uri: str | None = None, san_dns: str | None = None) -> list[str]:
    der = issue_leaf(
        CA_KEY,
        CA,
        key.public_key(),
        subject_name="Someone",
        san_uri=san_uri,
        san_dns=san_dns,
        not_before=NOW - dt.timedelta(days=1),
        not_after=NOW + dt.timedelta(days=30),
    )
    return x5c_chain([der])


def _outcomes(
    iss: str, x5c: list[str], *, status_token: str | None = None
) -> dict[str, tuple[str, Any, Any]]:
    claims: dict[str, Any] = {"iss": iss, "vct": "urn:eu.europa.ec.eudi:learning:credential:1"}
    claims.update({"iat": int(NOW.timestamp()), "given_name": "Mallory"})
    if status_token is not None:
        claims["status"] = {"status_list": {"idx": 1, "uri": LIST_URI}}
    text = issue_sd_jwt(claims, disclosable=["given_name"], key=KEY, header={"x5c": x5c})
    checks = SdJwtVcChecks(
        trust_anchors=[CA],
        fetch_json=None,
        fetch_text=lambda uri: status_token or "",
        skew=dt.timedelta(0),
    )
    found, _claims = checks.run(text, now=NOW)
    return {c["id"]: (c["outcome"], c.get("type"), (c.get("details") or {}).get("code")) for c in found}


@pytest.mark.parametrize(
    ("iss", "x5c"),
    [
        (VICTIM, _x5c(KEY, san_dns=HOST)),  # the host only: any tenant's verifier certificate
        (VICTIM, _x5c(KEY, san_uri=f"https://{HOST}/issuers/evil", san_dns=HOST)),  # another tenant
        (VICTIM, _x5c(KEY, san_uri=f"https://{HOST}")),  # the origin is not the issuer
        (f"https://{HOST}", _x5c(KEY, san_dns=HOST)),  # even for the bare origin: a URI SAN it must be
        ("dns:other.example", _x5c(KEY, san_dns=HOST)),
        ("dns:shomei.test", _x5c(KEY, san_uri="https://shomei.test")),  # a dns: iss needs a dNSName
    ],
)
def test_a_certificate_that_does_not_name_the_issuer_signs_nothing_for_it(iss: str, x5c: list[str]) -> None:
    found = _outcomes(iss, x5c)
    assert found["proof"] == KEY_NOT_FOUND
    assert found["issuer"][0] == "skipped"


@pytest.mark.parametrize(
    ("iss", "x5c"),
    [
        (VICTIM, _x5c(KEY, san_uri=VICTIM)),
        (VICTIM, _x5c(KEY, san_uri=VICTIM, san_dns=HOST)),  # a verifier certificate names its own issuer
        ("dns:shomei.test", _x5c(KEY, san_dns=HOST)),
        ("dns:Shomei.Test", _x5c(KEY, san_dns=HOST)),  # DNS names are case-insensitive
        ("dns://192.0.2.1/shomei.test", _x5c(KEY, san_dns=HOST)),  # RFC 4501 with an authority
        ("urn:example:issuer", _x5c(KEY, san_uri="urn:example:issuer")),
    ],
)
def test_a_certificate_that_names_the_issuer_signs_for_it(iss: str, x5c: list[str]) -> None:
    found = _outcomes(iss, x5c)
    assert found["proof"][0] == "passed"
    assert found["issuer"][0] == "passed"


def test_a_status_list_signed_with_a_certificate_for_the_host_is_not_the_issuers() -> None:
    """TSL key resolution: a Status Issuer certified by the issuer's CA must be certified for the issuer
    itself; one for the host could mark every credential of every tenant on it revoked, or valid."""
    other = PrivateKey.generate(KeyAlgorithm.P256)

    def token(x5c: list[str]) -> str:
        return status_list_token(
            sub_uri=LIST_URI,
            iss=VICTIM,
            lst=encode_status_list([0, 1], 2),
            iat=int(NOW.timestamp()),
            exp=None,
            ttl=None,
            key=other,
            kid_or_x5c_header={"x5c": x5c},
        )

    issuer_x5c = _x5c(KEY, san_uri=VICTIM)
    refused = _outcomes(VICTIM, issuer_x5c, status_token=token(_x5c(other, san_dns=HOST)))
    assert refused["status"] == (
        "failed",
        problem_type("status-list-issuer-mismatch"),
        "STATUS_VERIFICATION_ERROR",
    )
    accepted = _outcomes(VICTIM, issuer_x5c, status_token=token(_x5c(other, san_uri=VICTIM)))
    assert accepted["status"] == ("failed", problem_type("credential-revoked"), None)
