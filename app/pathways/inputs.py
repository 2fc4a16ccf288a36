"""The credentials a learner sends to a pathway, each verified by the verifier of ``POST /v1/verify``
(:func:`app.verification.service.run_verification`): credentials (objects or VC-JWTs), URLs (ours read
from the database, others through the guarded client), and the credentials of a verifiable presentation
(:func:`app.presentations.service.verify`; when the presentation itself does not verify, none of its
credentials counts). Each becomes a :class:`verifier.pathways.Submission` named by its ``id`` or its
place in the request."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.errors import BadRequest
from app.presentations import service as presentations
from app.state import AppState
from app.verification import service as verification
from schemas.pathways import CredentialsIn
from verifier import Check, Identity, VerificationResult
from verifier.checks.recipient import check_recipient
from verifier.pathways import Submission

__all__ = ["submissions"]


def _label(item: Any, fallback: str) -> str:
    if isinstance(item, Mapping) and isinstance(item.get("id"), str) and item["id"]:
        return str(item["id"])[:500]
    return fallback


def _verified(state: AppState, session: Session, item: Any, label: str, now: dt.datetime) -> Submission:
    try:
        result = verification.run_verification(state, session, item, now=now, profiles=[])
    except BadRequest as exc:
        return Submission(label, None, exc.type_name)
    return Submission(_label(result.credential, label), result)


def _unverified_presentation(result: VerificationResult | None) -> VerificationResult | None:
    """A credential of a presentation whose own checks failed: reported as not verified."""
    if result is None:
        return None
    checks = [*result.checks, Check("presentation", "failed", "The presentation does not verify.")]
    return dataclasses.replace(result, checks=checks)  # everything else the checks judged, as it was


def _for_learner(item: Submission, learner: Identity | None) -> Submission:
    """The submission with the ``recipient`` check against ``learner`` (when one is given) added."""
    result = item.result
    credential = result.judged_credential() if result is not None else None  # a VCDM 1.1 JWT: its `sub`
    if learner is None or result is None or credential is None:
        return item
    checks = [*result.checks, check_recipient(credential, learner)]
    return Submission(item.label, dataclasses.replace(result, checks=checks))


def submissions(
    state: AppState,
    session: Session,
    body: CredentialsIn,
    *,
    now: dt.datetime,
    learner: Identity | None = None,
) -> list[Submission]:
    """Every credential of ``body`` verified at ``now``, in the order sent: credentials, URLs, then the
    presentation's; each checked against ``learner`` when given."""
    return [_for_learner(item, learner) for item in _submissions(state, session, body, now=now)]


def _submissions(
    state: AppState, session: Session, body: CredentialsIn, *, now: dt.datetime
) -> list[Submission]:
    out = [
        _verified(state, session, item, _label(item, f"credentials/{n}"), now)
        for n, item in enumerate(body.credentials)
    ]
    for url in body.urls:
        try:
            text = verification.fetch_credential(session, state.settings, state.http, url)
        except BadRequest as exc:
            out.append(Submission(url, None, exc.type_name))
            continue
        out.append(_verified(state, session, text, url, now))
    if body.presentation is not None:
        vp = presentations.verify(state, session, body.presentation, challenge=None, domain=None, now=now)
        refused = next((c for c in vp.checks if c.id == "format" and c.outcome == "failed"), None)
        if refused is not None:  # not read at all (too large, or an enveloped presentation)
            out.append(Submission("presentation", None, (refused.type or "").rsplit("/", 1)[-1] or None))
        for outcome in vp.credentials:
            label = _label(outcome.item, f"presentation/verifiableCredential/{outcome.index}")
            if outcome.result is None:
                refusal = outcome.refusal.type if outcome.refusal is not None else None
                out.append(Submission(label, None, (refusal or "").rsplit("/", 1)[-1] or None))
                continue
            result = outcome.result if vp.presentation_verified else _unverified_presentation(outcome.result)
            out.append(Submission(label, result))
    return out
