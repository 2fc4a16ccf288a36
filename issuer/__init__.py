"""Credential building and securing (pure: no HTTP, no database).

:mod:`~issuer.build` (an unsigned OB 3.0 micro-credential), :mod:`~issuer.achievement` and
:mod:`~issuer.profile` (its achievement and issuer profile), :mod:`~issuer.secure` (each issuance format's
securing mechanism), :mod:`~issuer.sd_jwt_vc` (the EUDI Learning Credential projection), ``status/``
(Bitstring Status List credentials and entries, index permutation, reasons) and ``wallet/`` (what the
issuer checks of a wallet: DPoP proofs and attestations).
"""

from __future__ import annotations

__all__: list[str] = []
