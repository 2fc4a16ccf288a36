"""The verification domain's service: :func:`run_verification` (a credential verified with the app's
sources, caches and clock, an unreadable one refused as a 400 problem), and, from the domain's other
modules, what other domains use: the credential behind a URL or in an uploaded file
(:mod:`app.verification.inputs`), a badge image to bake into (:mod:`app.verification.images`), and the
strict reading of a JSON body that carries a credential (:mod:`app.verification.body`: a member name
twice is refused).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.errors import BadRequest
from app.metrics import service as metrics
from app.state import AppState
from app.verification.body import read_strictly, refuse_duplicate_members, strict_json_body
from app.verification.images import badge_image
from app.verification.inputs import credential_from_upload, fetch_credential
from app.verification.issuer_trust import assess
from app.verification.sources import make_verifier
from verifier import Identity, UnreadableCredential, VerificationResult

__all__ = [
    "badge_image",
    "credential_from_upload",
    "fetch_credential",
    "is_writable_json",
    "read_strictly",
    "refuse_duplicate_members",
    "run_verification",
    "strict_json_body",
]


def run_verification(
    state: AppState,
    session: Session,
    data: str | Mapping[str, Any],
    *,
    now: dt.datetime,
    profiles: Sequence[str],
    identity: Identity | None = None,
) -> VerificationResult:
    """Verify ``data`` (a JSON object, or text) at ``now``; raises BadRequest when it is not a credential
    in any format we read."""
    # A lone surrogate (not Unicode text) or a number no double holds is refused as unreadable by the
    # verifier when it reads the credential (verifier.limits), before any canonicalization could fail on it.
    verifier = make_verifier(state, session)
    try:
        result = verifier.verify(data, now=now, profiles=profiles, identity=identity)
    except UnreadableCredential as exc:
        metrics.verification_done("unreadable")
        raise BadRequest(str(exc), type_name=exc.type_name) from None
    result.issuer_trust = assess(state, session, result, now=now)
    metrics.verification_done("verified" if result.verified else "not-verified")
    return result


def is_writable_json(data: str | Mapping[str, Any]) -> bool:
    """Whether ``data`` can be written back out as JSON in UTF-8 (an answer that echoes it): not when it holds
    a lone surrogate (JSON's ``\\ud800`` escape reads as one) or a non-finite number (Python reads NaN,
    Infinity and 1e400, which are not JSON)."""
    try:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return False
    return True
