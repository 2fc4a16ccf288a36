"""The signing seam: anything that can sign with a known algorithm (a local key, a KMS, an HSM)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from proofs.keys import KeyAlgorithm

__all__ = ["Signer"]


@runtime_checkable
class Signer(Protocol):
    @property
    def algorithm(self) -> KeyAlgorithm: ...

    def sign(self, data: bytes) -> bytes: ...
