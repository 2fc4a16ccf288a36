"""Why a signing key cannot belong to an issuer whose id names no place to publish keys.

OB 3.0 §8.3 ("Dereferencing the Public Key") has a verifier dereference the key from a URI, an HTTP URL or
a DID, and the ``issuer`` check (key provenance) asks that the key's controller be the issuer. An issuer
identified by a ``urn:uuid:`` (or any id that is neither a DID nor an http(s) URL) publishes no key, so no
key can be shown to be its own: a credential signed by some ``did:key`` and naming such an issuer could
have been signed by anyone. 1EdTech's validator accepts it (it only checks the signature); we refuse it,
and :func:`explain_issuer` says so in the ``issuer`` check, instead of a bare "the key belongs to another".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifier.fields import issuer_id
from verifier.result import Check, failed

__all__ = ["explain_issuer"]


def _dereferenceable(issuer: str) -> bool:
    return issuer.startswith(("did:", "https://", "http://"))


def explain_issuer(checks: list[Check], credential: Mapping[str, Any]) -> None:
    """Replace, in ``checks``, a failed ``issuer`` check of an issuer that has no id or an id no key can
    be published under, with one that says why no signing key can be attributed to it."""
    issuer = issuer_id(credential)
    if issuer is not None and _dereferenceable(issuer):
        return
    for n, check in enumerate(checks):
        if check.id != "issuer" or check.outcome != "failed":
            continue
        if issuer is None:
            message = "The credential names no issuer, so its signing key cannot be attributed to anyone."
        else:
            message = (
                f"The issuer {issuer} is neither a DID nor an https URL, so it publishes no key and nothing "
                "ties the signing key to it: anyone could have signed in its name. OB 3.0 §8.3 has the "
                "key dereferenced from the issuer's DID or URL; this credential cannot be attributed."
            )
        checks[n] = failed("issuer", "issuer-not-attributable", message, issuer=issuer)
