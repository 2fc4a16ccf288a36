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
from proofs.jsonld import DocumentLoader

__all__ = ["IssueContext"]


@dataclass(frozen=True, slots=True)
class IssueContext:
    settings: Settings
    custody: KeyCustody
    loader: DocumentLoader
    lookup_key: bytes
    now: dt.datetime
    ca: CertificateAuthority
    wallet_trust_anchors: Sequence[bytes] = ()  # wallet providers, for OpenID4VCI key attestations
