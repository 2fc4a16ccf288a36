"""The one exception base of ``proofs/``: every error a securing mechanism raises is a ``ProofsError``.

Callers that only need "this did not verify or could not be read" catch ``ProofsError``; the subclasses
say which mechanism refused and why. Like ``ValueError`` (which it derives from), it means the *input* was
wrong, never that the library broke. Several carry a ``code``: a stable, machine-readable reason::

    ProofsError(ValueError)
    ├── InvalidKey             keys: key material cannot be decoded or has an unsupported type
    ├── InvalidSignature       keys: a signature did not verify (no detail, on purpose)
    ├── SealError              keys: a sealed key cannot be opened (wrong key-encryption key or tampered)
    ├── MultibaseError         multibase: not valid multibase, base58, base64url or varint
    ├── DuplicateMember        strict_json: a member name appears twice in one JSON object
    ├── JsonLdFailure          jsonld: JSON-LD processing failed (malformed document or context; ``code``)
    │   ├── InvalidContext     jsonld: a context cannot be processed (a context processing error code)
    │   ├── UnknownContext     jsonld: a context URL is not bundled (nothing is fetched)
    │   ├── UndefinedTerm      jsonld: a property or type the contexts do not define (safe mode)
    │   ├── AliasedTerm        jsonld: a property written by another name than its context's (compacted form)
    │   └── TooComplex         rdfc: a dataset past the canonicalization work factor (RDFC-1.0 §6)
    │       └── TooLarge       rdfc: a dataset whose canonical form would be past its size bound
    ├── ProofError             data_integrity: a proof cannot be created with these options
    ├── InvalidProof           data_integrity, ecdsa_sd: a Data Integrity proof did not verify (``code``);
    │                          defined here, so that every cryptosuite module raises the same one
    ├── JwtError               vc_jwt: a malformed JWS, or claims that contradict the credential (``code``)
    ├── SdJwtError             sd_jwt: a malformed SD-JWT, or one RFC 9901 §7 processing refuses (``code``)
    ├── StatusListError        statuslist: a malformed or out-of-range Bitstring Status List (``code``)
    ├── TokenStatusListError   token_status_list: a malformed or unverifiable Token Status List (``code``)
    └── X509Error              x509: a malformed certificate, or a chain that does not validate (``code``)

Outside the tree, on purpose:

- ``jsonld.ContextIntegrityError(RuntimeError)``: a bundled context file does not match its pinned sha256.
  The installation is broken (it is raised when the loader is built, at start-up); that is not bad input,
  so no handler of bad input (``except ValueError`` / ``except ProofsError``) may swallow it.
- ``rdf._Unsupported``: a private signal inside :mod:`proofs.rdf`, caught there (a document the fast
  node map leaves to pyld's); it never leaves the module.

``tests/unit/proofs/test_errors.py`` holds every exception class of ``proofs/`` to this tree.
"""

from __future__ import annotations

__all__ = ["InvalidProof", "ProofsError"]


class ProofsError(ValueError):
    """Base of every exception raised by ``proofs/``."""


class InvalidProof(ProofsError):
    """The proof did not verify. ``code`` is the DI error code (e.g. PROOF_VERIFICATION_ERROR);
    ``reason`` what is wrong: ``not-a-map``, ``missing-member`` (``member`` names it), ``wrong-purpose``,
    ``unsupported-type``, ``unsupported-cryptosuite``, ``invalid-verification-method``, ``too-large``
    (``member``), ``malformed-value``, ``wrong-key-type``, ``signature``, ``domain``, ``challenge``,
    ``previous-proof-missing``, ``base-proof`` (an ecdsa-sd-2023 base proof, for holders only); ``message``
    says it in plain words."""

    def __init__(
        self,
        code: str = "PROOF_VERIFICATION_ERROR",
        *,
        reason: str = "signature",
        message: str = "the signature does not match",
        member: str | None = None,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason
        self.message = message
        self.member = member
