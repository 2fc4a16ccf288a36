"""DIF Well Known DID Configuration v1.0: the Domain Linkage Credentials an issuer publishes, in the JSON
Web Token proof format (spec §"JSON Web Token Proof Format"), and the DID Configuration resource that an
origin serves at ``/.well-known/did-configuration.json``.

Pure: the key (a :class:`proofs.signer.Signer`), its verification method id and ``now`` are passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from proofs.signer import Signer
from proofs.vc_jwt import sign_jws

__all__ = ["did_configuration", "domain_linkage_jwt"]

_CONTEXT = "https://identity.foundation/.well-known/did-configuration/v1"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def domain_linkage_jwt(
    did: str,
    origin: str,
    *,
    key: Signer,
    kid: str,
    now: dt.datetime,
    lifetime: dt.timedelta = dt.timedelta(days=365),
) -> str:
    """A Domain Linkage Credential linking ``did`` to ``origin`` (``https://host``), signed by ``key``."""
    until = now + lifetime
    vc = {
        "@context": [_VC_V1, _CONTEXT],
        "issuer": did,
        "issuanceDate": _iso(now),
        "expirationDate": _iso(until),
        "type": ["VerifiableCredential", "DomainLinkageCredential"],
        "credentialSubject": {"id": did, "origin": origin},
    }
    payload = {"exp": int(until.timestamp()), "iss": did, "nbf": int(now.timestamp()), "sub": did, "vc": vc}
    return sign_jws({"alg": key.algorithm.jws_alg, "kid": kid}, payload, key=key)


def did_configuration(linkage_jwts: Sequence[str]) -> dict[str, Any]:
    """The DID Configuration resource holding ``linkage_jwts``."""
    return {"@context": _CONTEXT, "linked_dids": list(linkage_jwts)}
