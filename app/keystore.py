"""Key custody: private keys sealed with AES-GCM under the key-encryption key.

``KeyCustody`` is the seam for a KMS or HSM: it returns a signer (anything with ``algorithm`` and
``sign(data) -> bytes``) and never hands out private key bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey, open_sealed, seal
from proofs.signer import Signer

__all__ = ["KeyCustody", "LocalKeyCustody", "Signer"]


class KeyCustody(Protocol):
    @property
    def name(self) -> str: ...

    def generate(self, algorithm: KeyAlgorithm, *, key_id: str) -> tuple[PublicKey, bytes]:
        """Create a key; returns the public key and an opaque reference to store."""
        ...

    def signer(self, reference: bytes, *, key_id: str) -> Signer: ...


@dataclass(frozen=True)
class LocalKeyCustody:
    """Keys sealed in the database; the KEK binds each blob to its key id (AAD)."""

    kek: bytes = b""
    name: str = "local"

    def __repr__(self) -> str:
        return "LocalKeyCustody()"

    def generate(self, algorithm: KeyAlgorithm, *, key_id: str) -> tuple[PublicKey, bytes]:
        key = PrivateKey.generate(algorithm)
        return key.public_key(), seal(self.kek, key.to_pkcs8(), aad=key_id.encode())

    def signer(self, reference: bytes, *, key_id: str) -> PrivateKey:
        return PrivateKey.from_pkcs8(open_sealed(self.kek, reference, aad=key_id.encode()))
