"""Verification: ordered checks producing a per-check report (pure: no HTTP, no database, no clock).

The package's public names are here: :class:`Verifier` (:mod:`verifier.pipeline`), what it reports
(:mod:`verifier.result`), what kind of input it reads (:mod:`verifier.formats`), the key resolver
(:mod:`verifier.keys`), the memo of verified status lists (:mod:`verifier.checks.status`) and the SD-JWT VC
checks (:mod:`verifier.sd_jwt_vc`).
"""

from verifier.checks.status import VerifiedStatusLists
from verifier.formats import Kind, credential_from_file, detect, read_credential
from verifier.keys import CallResolver, DidResolver, KeyResolutionError, ResolvedKey
from verifier.pipeline import Verifier
from verifier.result import Check, Identity, UnreadableCredential, VerificationResult
from verifier.sd_jwt_vc import SdJwtVcChecks

__all__ = [
    "CallResolver",
    "Check",
    "DidResolver",
    "Identity",
    "KeyResolutionError",
    "Kind",
    "ResolvedKey",
    "SdJwtVcChecks",
    "UnreadableCredential",
    "VerificationResult",
    "VerifiedStatusLists",
    "Verifier",
    "credential_from_file",
    "detect",
    "read_credential",
]
