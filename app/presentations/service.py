"""Verify a verifiable presentation with the app's loader and key sources (:func:`verify`): its own checks
and proof in :mod:`verifier.presentation`, each credential it holds through
:func:`app.verification.service.run_verification`, the verifier of ``POST /v1/verify``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.errors import BadRequest
from app.state import AppState
from app.verification.service import run_verification
from app.verification.sources import make_verifier
from verifier import CallResolver, VerificationResult
from verifier.presentation import PresentationResult, UnverifiableCredential, verify_presentation

__all__ = ["verify"]


def verify(
    state: AppState,
    session: Session,
    presentation: Mapping[str, Any],
    *,
    challenge: str | None,
    domain: str | None,
    now: dt.datetime,
) -> PresentationResult:
    """Verify ``presentation`` at ``now`` against the ``challenge`` and ``domain`` the caller asked for."""
    # Each key resolved once per call, and not given out once its document marks it revoked or expired.
    resolver = CallResolver(make_verifier(state, session).resolver, now=now)

    def verify_credential(item: Any) -> VerificationResult:
        try:
            return run_verification(state, session, item, now=now, profiles=[])
        except BadRequest as exc:  # not a credential in any format we read
            raise UnverifiableCredential(exc.detail or exc.title, type_name=exc.type_name) from None

    return verify_presentation(
        presentation,
        loader=state.loader,
        resolver=resolver,
        verify_credential=verify_credential,
        challenge=challenge,
        domain=domain,
        max_values=state.settings.verify_max_values,
        now=now,
        skew=dt.timedelta(seconds=state.settings.verify_clock_skew_seconds),
    )
