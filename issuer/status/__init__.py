"""Status (pure): Bitstring Status List credentials (:mod:`~issuer.status.list_credential`), the
``credentialStatus`` entries of a credential (:mod:`~issuer.status.entries`), random collision-free
indexes (:mod:`~issuer.status.index`), and the revocation and suspension reasons
(:mod:`~issuer.status.reasons`)."""

from __future__ import annotations

__all__: list[str] = []
