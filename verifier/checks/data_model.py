"""The ``data-model`` check: the credential against the rules of the W3C VC Data Model
(:func:`profiles.vcdm.validate_credential`: VCDM 2.0 §4 and §5.3, Bitstring Status List v1.0 §2.1, and
VCDM 1.1 §4 for a credential that declares the 1.1 context), as a verifier reads it (a date-time
without its offset is UTC, VCDM 2.0 §5.8).

One check, in one of three states:

* ``failed`` when a rule is broken: its ``type`` is the first violation's problem type, its message
  names that field in plain words, and ``details.violations`` lists every violation (problem type, JSON
  Pointer, what is wrong), in document order of the rules;
* ``warning`` for a valid credential of the VC Data Model 1.1, which VCDM 2.0 replaces (still verified,
  its ``issuanceDate`` / ``expirationDate`` read as ``validFrom`` / ``validUntil``, OB 3.0 §9.1);
* no check at all for a valid VCDM 2.0 credential (nothing to report).

A credential whose first context is no W3C VC context gets no ``data-model`` check: the ``contexts``
check already fails it. For a VCDM 1.1 VC-JWT the ``vc`` claim is judged with the members the JWT's
registered claims stand for (VC-JWT 1.1 §6.3.1: ``iss`` the issuer, ``nbf`` the issuance date, ``jti``
the id, ``sub`` the subject's id) filled in where the claim leaves them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from profiles.vcdm import Violation, validate_credential
from proofs.vc_jwt import ParsedJwt
from verifier.result import Check, failed

__all__ = ["check_data_model", "legacy_view"]

_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"
_WARNING_11 = (
    "The credential follows the older VC Data Model 1.1 (https://www.w3.org/2018/credentials/v1), "
    "which VC Data Model 2.0 replaces; it was verified as such, its issuanceDate and expirationDate "
    "read as validFrom and validUntil."
)


def _first_context(credential: Mapping[str, Any]) -> Any:
    contexts = credential.get("@context")
    return contexts[0] if isinstance(contexts, list) and contexts else contexts


def _model(credential: Mapping[str, Any]) -> str | None:
    """The data model the first context names ("2.0", "1.1"), or None."""
    first = _first_context(credential)
    return "2.0" if first == _VC_V2 else "1.1" if first == _VC_V1 else None


def legacy_view(credential: Mapping[str, Any], jwt: ParsedJwt) -> Mapping[str, Any]:
    """A VCDM 1.1 ``vc`` claim with the members its JWT's registered claims stand for, where absent (VCDM
    1.1 §6.3.1, JWT decoding: ``iss`` sets ``issuer``, ``nbf`` ``issuanceDate``, ``jti`` ``id``, ``sub``
    the subject's ``id``): what the checks judge; the report keeps the claim as signed."""
    claims = jwt.payload
    view = dict(credential)
    if "issuer" not in view and isinstance(claims.get("iss"), str):
        view["issuer"] = claims["iss"]
    nbf = claims.get("nbf")
    if "issuanceDate" not in view and isinstance(nbf, int | float) and not isinstance(nbf, bool):
        try:
            view["issuanceDate"] = dt.datetime.fromtimestamp(nbf, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            pass  # a time no datetime holds: left out, and reported missing
    if "id" not in view and isinstance(claims.get("jti"), str):
        view["id"] = claims["jti"]
    subject, sub = view.get("credentialSubject"), claims.get("sub")
    if isinstance(subject, Mapping) and "id" not in subject and isinstance(sub, str):
        view["credentialSubject"] = {**subject, "id": sub}
    return view


def _message(first: Violation, total: int, model: str) -> str:
    where = first.pointer or "the document"
    more = f" ({total - 1} more problem(s) in details)" if total > 1 else ""
    return f"The credential breaks the VC Data Model {model}: {first.message} (at {where}){more}."


def check_data_model(credential: Mapping[str, Any], jwt: ParsedJwt | None = None) -> list[Check]:
    """The ``data-model`` check of ``credential`` (a JSON-LD credential, or a VC-JWT's credential with
    its ``jwt``): a failure with every violation, a warning for a valid VCDM 1.1 credential, or none."""
    model = _model(credential)
    if model is None:
        return []
    view = legacy_view(credential, jwt) if jwt is not None and jwt.legacy else credential
    violations = validate_credential(view)
    if violations:
        first = violations[0]
        return [
            failed(
                "data-model",
                first.type_name,
                _message(first, len(violations), model),
                dataModel=model,
                pointer=first.pointer,
                violations=[v.as_json() for v in violations],
            )
        ]
    if model == "1.1":
        return [Check("data-model", "warning", _WARNING_11, details={"dataModel": "1.1"})]
    return []
