"""Data Integrity proofs (W3C VC Data Integrity 1.0 §4): ``DataIntegrityProof`` with the
``eddsa-rdfc-2022`` (VC-DI-EdDSA §3.2) and ``ecdsa-rdfc-2019`` (VC-DI-ECDSA §3.3) cryptosuites, plus
verification of the legacy ``eddsa-2022`` name and ``Ed25519Signature2020`` (VC-DI-EdDSA Appendix A), and
of ``ecdsa-sd-2023`` derived proofs (selective disclosure, :mod:`proofs.ecdsa_sd`).

Pure: the key, the clock and the document loader are parameters. Verification raises
:class:`InvalidProof`: its ``code`` names the Data Integrity error (DI §4.7) and its ``reason`` says in
one word what is wrong (a proof that is not a map, a missing member, another purpose, a type or
cryptosuite we do not verify, a verification method that is not a URL, an oversized or malformed
``proofValue``, a signature that does not match, a ``previousProof`` that names no proof of the set).
:func:`inspect_proof` makes the checks that need no key, so that a verifier can give those reasons before
it resolves one.

Proof sets and chains (DI §4.3, §4.5): :func:`add_proof` appends to a set, and with ``previous_proof``
signs the document together with the proofs it names (a chain); :func:`previous_proofs` finds them again
for verification. A verifier that has already expanded the credential (to check its terms) hands that
expansion over through :func:`canonical_unsecured`, so the document is expanded and canonicalized once for
all the proofs of a set (a chained proof's document, which holds its previous proofs, is canonicalized
apart).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from proofs.datetimes import date_time_stamp
from proofs.ecdsa_sd import MAX_DERIVED_PROOF_VALUE_LENGTH, SD_SUITE, verify_derived
from proofs.errors import InvalidProof, ProofsError
from proofs.jsonld import DocumentLoader, expand_safe, json_copy
from proofs.jsonld.fragments import Fragment
from proofs.keys import InvalidSignature, KeyAlgorithm, PublicKey
from proofs.multibase import MultibaseError, multibase_decode, multibase_encode
from proofs.rdfc import canonicalize, canonicalize_expanded
from proofs.signer import Signer

__all__ = [
    "MAX_PROOF_VALUE_LENGTH",
    "MAX_VERIFICATION_METHOD_LENGTH",
    "CanonicalDocument",
    "InvalidProof",
    "ProofError",
    "add_proof",
    "canonical_unsecured",
    "hash_data",
    "inspect_proof",
    "is_verified_suite",
    "previous_proof_ids",
    "previous_proofs",
    "proof_items",
    "proof_value_limit",
    "proofs_of",
    "verify_proof",
]

_CRYPTOSUITES = ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")
_LEGACY_ED25519 = ("eddsa-2022",)
_PROOF_TYPES = ("DataIntegrityProof", "Ed25519Signature2020")
_ECDSA_KEYS = (KeyAlgorithm.P256, KeyAlgorithm.P384)
_ED2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
# A proofValue is "z" + base58btc of the signature: 88 characters for Ed25519 (64 bytes), at most 132 for
# ECDSA P-384 (96 bytes). Anything much longer is refused before it is decoded.
MAX_PROOF_VALUE_LENGTH = 512
MAX_VERIFICATION_METHOD_LENGTH = 2048  # a DID URL or an https URL; a did:key is under 200 characters
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")  # a scheme, then something (RFC 3986 §3.1)
_HASH = {
    KeyAlgorithm.ED25519: hashlib.sha256,
    KeyAlgorithm.P256: hashlib.sha256,
    KeyAlgorithm.P384: hashlib.sha384,
}
# The hash RDFC-1.0 runs with (proofs.rdfc.HASHES), which follows the key as hashData's does: VC-DI-ECDSA
# §3.3 (ecdsa-rdfc-2019) supplies SHA-384 to RDFC-1.0 for P-384 keys; SHA-256 otherwise.
_RDFC_HASH = {KeyAlgorithm.ED25519: "sha256", KeyAlgorithm.P256: "sha256", KeyAlgorithm.P384: "sha384"}


class CanonicalDocument(Protocol):
    """A document's canonical N-Quads, made on the first call for each RDFC-1.0 hash (``hash_name``, a
    key of :data:`proofs.rdfc.HASHES`) and then kept (:func:`canonical_unsecured`)."""

    def __call__(self, hash_name: str = "sha256") -> str: ...


class ProofError(ProofsError):
    """A proof cannot be created with these options (DI §4.2 PROOF_GENERATION_ERROR)."""


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ProofError("created must carry a time zone")
    return value.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_unsecured(
    document: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    expanded: list[Any] | None = None,
    previous: Sequence[Mapping[str, Any]] = (),
    fragments: Sequence[tuple[Any, Fragment]] = (),
) -> CanonicalDocument:
    """The canonical N-Quads of ``document`` without its proof, made on the first call (for each RDFC-1.0
    hash: SHA-384 for a P-384 key's proof) and then kept: what each proof of the document hashes
    (VC-DI-EdDSA §3.2.4; VC-DI-ECDSA §3.3.4). ``expanded`` is
    that unsecured document already expanded with ``expand_safe`` (a verifier has it from checking the
    terms), which spares a second expansion; ``fragments``, the memoized fragments found in it
    (:func:`~proofs.jsonld.expand_safe`'s ``found``), whose quads are reused. With ``previous`` (the
    proofs a chained proof names, DI §4.3 step 6), the document holds those as its ``proof``
    (``expanded`` is then not used). Raises ``JsonLdFailure`` on the first call, as canonicalizing does."""
    made: dict[str, str] = {}
    expansion: list[tuple[list[Any], Sequence[tuple[Any, Fragment]]]] = []

    def canonical(hash_name: str = "sha256") -> str:
        if hash_name not in made:
            if not expansion:
                unsecured, found = (expanded, fragments) if not previous else (None, ())
                if unsecured is None:
                    bare = {k: v for k, v in document.items() if k != "proof"}
                    if previous:
                        bare["proof"] = [dict(p) for p in previous]
                    unsecured, found = expand_safe(bare, loader=loader), ()
                expansion.append((unsecured, found))
            unsecured, found = expansion[0]
            made[hash_name] = canonicalize_expanded(
                unsecured, loader=loader, fragments=found, hash_name=hash_name
            )
        return made[hash_name]

    return canonical


def hash_data(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    *,
    algorithm: KeyAlgorithm,
    loader: DocumentLoader,
    fragments: Collection[str] = (),
) -> bytes:
    """H(canonical proof config) ‖ H(canonical document) (VC-DI-EdDSA §3.2.4; VC-DI-ECDSA §3.3.4).
    ``fragments``: the document's properties whose values recur (see :func:`add_proof`)."""
    h, name = _HASH[algorithm], _RDFC_HASH[algorithm]
    return (
        h(canonicalize(proof_config, loader=loader, hash_name=name).encode()).digest()
        + h(canonicalize(document, loader=loader, fragments=fragments, hash_name=name).encode()).digest()
    )


def _suite_for(algorithm: KeyAlgorithm, cryptosuite: str | None) -> str:
    default = "eddsa-rdfc-2022" if algorithm is KeyAlgorithm.ED25519 else "ecdsa-rdfc-2019"
    suite = cryptosuite or default
    if suite == "eddsa-rdfc-2022" and algorithm is not KeyAlgorithm.ED25519:
        raise ProofError("eddsa-rdfc-2022 needs an Ed25519 key")
    if suite == "ecdsa-rdfc-2019" and algorithm not in (KeyAlgorithm.P256, KeyAlgorithm.P384):
        raise ProofError("ecdsa-rdfc-2019 needs a P-256 or P-384 key")
    if suite not in _CRYPTOSUITES:
        raise ProofError(f"unsupported cryptosuite {suite}")
    return suite


def add_proof(
    document: Mapping[str, Any],
    *,
    key: Signer,
    verification_method: str,
    created: dt.datetime,
    loader: DocumentLoader,
    proof_purpose: str = "assertionMethod",
    cryptosuite: str | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    fragments: Collection[str] = (),
) -> dict[str, Any]:
    """Return a copy of ``document`` with a ``DataIntegrityProof`` added (DI §4.2, Add Proof).

    An existing ``proof`` is kept and the new one appended (a proof set, DI §4.3). ``proof_id`` gives the
    new proof an ``id``; ``previous_proof`` (the ``id`` of one proof of the set, or several) makes it a
    link of a proof chain: it signs the document together with the proofs it names.

    ``fragments`` names properties whose node object values recur unchanged across the documents
    signed (a credential template's ``achievement``): their expansion, quads and blank node hashes are
    memoized in ``loader`` (:mod:`proofs.jsonld.fragments`). The proof is the same with or without.
    """
    suite = _suite_for(key.algorithm, cryptosuite)
    if not verification_method or not proof_purpose:
        raise ProofError("verificationMethod and proofPurpose are required")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {"type": "DataIntegrityProof"}
    if proof_id is not None:
        options["id"] = proof_id
    options.update(
        cryptosuite=suite,
        created=_timestamp(created),
        verificationMethod=verification_method,
        proofPurpose=proof_purpose,
    )
    signed = unsecured
    if previous_proof is not None:
        options["previousProof"] = previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        try:
            signed = {**unsecured, "proof": previous_proofs(proofs_of(document), options)}
        except InvalidProof as exc:
            raise ProofError(exc.message) from None
    config = {"@context": unsecured.get("@context"), **options}
    signature = key.sign(
        hash_data(signed, config, algorithm=key.algorithm, loader=loader, fragments=fragments)
    )
    proof = {**options, "proofValue": multibase_encode(signature, base="z")}
    out: dict[str, Any] = json_copy(dict(document))
    existing = out.get("proof")
    if existing is None:
        out["proof"] = proof
    else:
        out["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return out


def proof_items(document: Mapping[str, Any]) -> list[Any]:
    """The document's ``proof`` as a list, whatever each item is (a single proof or a proof set)."""
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def proofs_of(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's proofs that are maps, as a list (a single proof or a proof set)."""
    return [p for p in proof_items(document) if isinstance(p, dict)]


def previous_proof_ids(proof: Mapping[str, Any]) -> list[str]:
    """The ids a proof's ``previousProof`` names (a string, or a list of strings); raises
    :class:`InvalidProof` when it is anything else."""
    value = proof.get("previousProof")
    if value is None:
        return []
    ids = [value] if isinstance(value, str) else value
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise InvalidProof(
            reason="previous-proof-missing",
            message="its previousProof is not a proof id or a list of proof ids",
            member="previousProof",
        )
    return list(ids)


def previous_proofs(
    all_proofs: Sequence[Mapping[str, Any]], proof: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The proofs of ``all_proofs`` that ``proof``'s ``previousProof`` names, in the set's order (DI §4.5
    step 3.1: ``matchingProofs``); raises :class:`InvalidProof` (PROOF_VERIFICATION_ERROR) when one of the
    ids names no proof of the set."""
    wanted = previous_proof_ids(proof)
    present = {p.get("id") for p in all_proofs}
    missing = [i for i in wanted if i not in present]
    if missing:
        raise InvalidProof(
            reason="previous-proof-missing",
            message=f"its previousProof {missing[0]} names no proof of the credential",
            member="previousProof",
        )
    return [dict(p) for p in all_proofs if p.get("id") in wanted]


def proof_value_limit(proof: Mapping[str, Any]) -> int | None:
    """The longest ``proofValue`` the proof's suite can have, or None for a suite not verified here: one
    signature (:data:`MAX_PROOF_VALUE_LENGTH`), or an ``ecdsa-sd-2023`` derived proof, which grows with
    what it discloses."""
    if proof.get("type") == "DataIntegrityProof" and proof.get("cryptosuite") == SD_SUITE:
        return MAX_DERIVED_PROOF_VALUE_LENGTH
    return MAX_PROOF_VALUE_LENGTH if is_verified_suite(proof) else None


def is_verified_suite(proof: Mapping[str, Any]) -> bool:
    """Whether the proof is of a type and cryptosuite verified here, whose ``proofValue`` is then one
    signature (at most :data:`MAX_PROOF_VALUE_LENGTH` characters); another suite's value (a selective
    disclosure proof's, say) is never decoded here."""
    ptype = proof.get("type")
    if ptype == "DataIntegrityProof":
        return proof.get("cryptosuite") in (*_CRYPTOSUITES, *_LEGACY_ED25519)
    return ptype in _PROOF_TYPES


def _missing(member: str) -> InvalidProof:
    return InvalidProof(reason="missing-member", message=f"the proof has no {member}", member=member)


def inspect_proof(proof: Any, *, expected_purpose: str = "assertionMethod") -> Mapping[str, Any]:
    """The checks of a proof that need no key (DI §4.4 steps 1-3, the cryptosuite's type and name, the
    form of ``verificationMethod`` and ``proofValue``): returns the proof, or raises :class:`InvalidProof`
    with the first thing wrong. The ``proofValue`` is not decoded here, only measured."""
    if not isinstance(proof, Mapping):
        raise InvalidProof("PARSING_ERROR", reason="not-a-map", message="the proof is not a JSON object")
    ptype = proof.get("type")
    if ptype is None:
        raise _missing("type")
    if ptype not in _PROOF_TYPES:
        raise InvalidProof(
            reason="unsupported-type",
            message=f"proofs of type {ptype!r} are not verified here (DataIntegrityProof is)",
        )
    if ptype == "DataIntegrityProof":
        suite = proof.get("cryptosuite")
        if suite is None:
            raise _missing("cryptosuite")
        if suite not in (*_CRYPTOSUITES, *_LEGACY_ED25519, SD_SUITE):
            raise InvalidProof(
                reason="unsupported-cryptosuite",
                message=f"the cryptosuite {suite!r} is not one we verify "
                f"({', '.join((*_CRYPTOSUITES, SD_SUITE))})",
            )
    for member in ("verificationMethod", "proofPurpose", "proofValue"):
        if proof.get(member) is None:
            raise _missing(member)
    purpose = proof["proofPurpose"]
    if purpose != expected_purpose:
        raise InvalidProof(
            reason="wrong-purpose",
            message=f"the proof is for {purpose!r}, not {expected_purpose!r}",
        )
    method = proof["verificationMethod"]
    if isinstance(method, str) and len(method) > MAX_VERIFICATION_METHOD_LENGTH:
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="too-large",
            message=f"its verificationMethod is {len(method)} characters long "
            f"(at most {MAX_VERIFICATION_METHOD_LENGTH})",
            member="verificationMethod",
        )
    if not isinstance(method, str) or not _URL.fullmatch(method):
        raise InvalidProof(
            reason="invalid-verification-method",
            message=f"its verificationMethod {method!r} is not a URL (a DID URL or an https URL)",
            member="verificationMethod",
        )
    value = proof["proofValue"]
    if not isinstance(value, str) or not value:
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR", reason="malformed-value", message="its proofValue is not a string"
        )
    for member in ("created", "expires"):  # DI §2.1: each, when present, an XML Schema dateTimeStamp
        when = proof.get(member)
        if when is not None and date_time_stamp(when) is None:  # DI §2.1, proofs.datetimes
            raise InvalidProof(
                "MALFORMED_PROOF_ERROR",
                reason="malformed-date",
                message=f"its {member} is not a date-time with a time zone (an XML Schema dateTimeStamp)",
                member=member,
            )
    limit = proof_value_limit(proof) or MAX_PROOF_VALUE_LENGTH
    if len(value) > limit:
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="too-large",
            message=f"its proofValue is {len(value)} characters long; at most {limit} for this suite",
            member="proofValue",
        )
    return proof


def verify_proof(
    document: Mapping[str, Any],
    *,
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: DocumentLoader,
    expected_purpose: str = "assertionMethod",
    domain: str | None = None,
    challenge: str | None = None,
    canonical_document: CanonicalDocument | None = None,
) -> None:
    """Verify one proof of ``document`` (DI §4.4 Verify Proof); raises :class:`InvalidProof`, or
    ``JsonLdFailure`` when the document or the proof options cannot be canonicalized.

    ``canonical_document``: the document's canonical form without its proof, from
    :func:`canonical_unsecured` (pass the same one for every proof of a proof set that names no previous
    proof); by default it is made here, with the previous proofs a chained proof names (DI §4.5)."""
    proof = inspect_proof(proof, expected_purpose=expected_purpose)
    ptype = proof["type"]
    if domain is not None and proof.get("domain") != domain:
        raise InvalidProof("INVALID_DOMAIN_ERROR", reason="domain", message="the proof is for another domain")
    if challenge is not None and proof.get("challenge") != challenge:
        raise InvalidProof(
            "INVALID_CHALLENGE_ERROR", reason="challenge", message="the proof answers another challenge"
        )
    if ptype == "DataIntegrityProof" and proof["cryptosuite"] == SD_SUITE:
        verify_derived(document, proof=proof, public_key=public_key, loader=loader)
        return
    value: str = proof["proofValue"]
    if value[0] != "z":
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="malformed-value",
            message="its proofValue is not base58btc multibase (it must start with 'z')",
        )
    try:
        signature = multibase_decode(value)
    except MultibaseError:
        raise InvalidProof(
            "MALFORMED_PROOF_ERROR",
            reason="malformed-value",
            message="its proofValue is not valid base58btc",
        ) from None
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if ptype == "DataIntegrityProof":
        suite = proof["cryptosuite"]
        needed = (KeyAlgorithm.ED25519,) if suite in ("eddsa-rdfc-2022", *_LEGACY_ED25519) else _ECDSA_KEYS
        if public_key.algorithm not in needed:
            raise _wrong_key(public_key, suite)
        config = {"@context": unsecured.get("@context"), **options}
    else:  # Ed25519Signature2020
        if public_key.algorithm is not KeyAlgorithm.ED25519:
            raise _wrong_key(public_key, ptype)
        # The legacy suite canonicalizes the proof options under its own context.
        config = {**options, "@context": _ED2020_CONTEXT}
        ctx = unsecured.get("@context")
        if isinstance(ctx, list) and _ED2020_CONTEXT not in ctx:
            unsecured = {**unsecured}
    if canonical_document is None:
        previous = previous_proofs(proofs_of(document), proof) if "previousProof" in proof else []
        canonical_document = canonical_unsecured(unsecured, loader=loader, previous=previous)
    h, name = _HASH[public_key.algorithm], _RDFC_HASH[public_key.algorithm]
    data = (
        h(canonicalize(config, loader=loader, hash_name=name).encode()).digest()
        + h(canonical_document(name).encode()).digest()
    )
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise InvalidProof() from None


def _wrong_key(public_key: PublicKey, suite: str) -> InvalidProof:
    return InvalidProof(
        reason="wrong-key-type",
        message=f"its key is a {public_key.algorithm.value} key, which {suite} does not use",
    )
