"""What an issuance needs from the running service, gathered once per request (``app.deps.IssueContextDep``):
settings, key custody, the pinned JSON-LD contexts, the recipient lookup key, the request's time, the CA of
SD-JWT VC chains and the wallet providers trusted for key attestations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from app.keys.x5c import CertificateAuthority
from app.keystore import KeyCustody
from app.settings import Settings
from app.state import AppState
from proofs.jsonld import DocumentLoader

__all__ = ["IssueContext", "issue_context"]


@dataclass(frozen=True, slots=True)
class IssueContext:
    settings: Settings
    custody: KeyCustody
    loader: DocumentLoader
    lookup_key: bytes
    now: dt.datetime
    ca: CertificateAuthority
    wallet_trust_anchors: Sequence[bytes] = ()  # wallet providers, for OpenID4VCI key attestations


def issue_context(state: AppState, now: dt.datetime) -> IssueContext:
    """The issuance context of the running service at ``now`` (a request's, or a job worker's row)."""
    return IssueContext(
        settings=state.settings,
        custody=state.custody,
        loader=state.loader,
        lookup_key=state.lookup_key,
        now=now,
        ca=state.ca,
        wallet_trust_anchors=state.wallet_trust_anchors,
    )
