"""Apply the securing mechanism of each issuance format (OB 3.0 §8 Proofs; VC-DI-EdDSA §3.2;
VC-DI-ECDSA §3.3; OB 3.0 §8.2 VC-JWT)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, UndefinedTerm, UnknownContext
from proofs.keys import KeyAlgorithm
from proofs.signer import Signer
from proofs.vc_jwt import encode_ob_vc_jwt

__all__ = [
    "FORMAT_SUITES",
    "MEDIA_TYPES",
    "SecuringError",
    "secure",
]


@dataclass(frozen=True, slots=True)
class FormatSuite:
    algorithm: KeyAlgorithm
    cryptosuite: str | None
    # Other key types that secure the format too, tried in this order when the issuer has no key of
    # ``algorithm``: ecdsa-rdfc-2019 signs with P-256 or P-384 (VC-DI-ECDSA §3.3).
    alternatives: tuple[KeyAlgorithm, ...] = ()

    @property
    def algorithms(self) -> tuple[KeyAlgorithm, ...]:
        """The key types that secure the format, preferred first."""
        return (self.algorithm, *self.alternatives)


FORMAT_SUITES: dict[str, FormatSuite] = {
    "ldp_vc": FormatSuite(KeyAlgorithm.ED25519, "eddsa-rdfc-2022"),
    "ldp_vc:eddsa-rdfc-2022": FormatSuite(KeyAlgorithm.ED25519, "eddsa-rdfc-2022"),
    "ldp_vc:ecdsa-rdfc-2019": FormatSuite(KeyAlgorithm.P256, "ecdsa-rdfc-2019", (KeyAlgorithm.P384,)),
    "jwt_vc_json": FormatSuite(KeyAlgorithm.P256, None),
}
MEDIA_TYPES = {
    "ldp_vc": "application/vc+ld+json",
    "ldp_vc:eddsa-rdfc-2022": "application/vc+ld+json",
    "ldp_vc:ecdsa-rdfc-2019": "application/vc+ld+json",
    "jwt_vc_json": "application/vc+jwt",
}


class SecuringError(ValueError):
    """The credential cannot be secured as given (undefined term, unknown context)."""

    def __init__(self, message: str, *, type_name: str, **extra: Any) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.extra = extra


def _serialize(document: dict[str, Any]) -> str:
    """The stored and served text of a JSON-LD credential."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def secure(
    unsigned: dict[str, Any],
    *,
    fmt: str,
    signer: Signer,
    verification_method: str,
    loader: DocumentLoader,
    now: dt.datetime,
    recurring: Collection[str] = (),
) -> str:
    """Secure ``unsigned`` in format ``fmt``; returns the serialized credential (JSON text or compact JWS).
    ``recurring``: properties whose values recur across credentials (a template's ``achievement``),
    whose JSON-LD processing a Data Integrity proof memoizes (the same proof either way)."""
    suite = FORMAT_SUITES[fmt]
    try:
        if suite.cryptosuite is not None:
            signed = add_proof(
                unsigned,
                key=signer,
                verification_method=verification_method,
                created=now,
                cryptosuite=suite.cryptosuite,
                loader=loader,
                fragments=recurring,
            )
            return _serialize(signed)
        loader.check_terms(unsigned)
        return encode_ob_vc_jwt(unsigned, key=signer, kid=verification_method)
    except UndefinedTerm as exc:
        raise SecuringError(
            f"'{exc.term}' is not defined by any of the credential's JSON-LD contexts",
            type_name="undefined-term",
            term=exc.term,
            path=exc.path,
            **({"pointer": exc.pointer} if exc.pointer else {}),
        ) from None
    except UnknownContext as exc:
        raise SecuringError(
            f"the JSON-LD context {exc.url} is not one this service knows",
            type_name="unknown-context",
            context=exc.url,
        ) from None
