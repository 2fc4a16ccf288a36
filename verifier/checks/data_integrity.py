"""The ``proof`` and ``issuer`` checks of a JSON-LD credential: every Data Integrity proof verifies
(:func:`proofs.data_integrity.verify_proof`, the one proof-verification path) with a key the resolver
finds for the proof's purpose, and the key of at least one of them belongs to the issuer (key provenance).

A proof set (VC Data Integrity §4.3) is verified whole (§4.5): one proof that does not verify fails the
credential, and the report lists each proof in the ``proof`` check's ``details``; a proof that names a
``previousProof`` (a chain) is verified over the document holding the proofs it names, and is valid only
when they are. A single proof reads as it always has: one ``proof`` check naming its verification method.

Each reason a proof is refused has its own problem type and plain words: ``malformed-proof`` (not a JSON
object), ``incomplete-proof`` (no ``type``, ``cryptosuite``, ``verificationMethod``, ``proofPurpose`` or
``proofValue``), ``unsupported-proof-type``, ``unsupported-cryptosuite``, ``wrong-proof-purpose`` (not
``assertionMethod``), ``invalid-verification-method`` (not a URL), ``value-too-large``, ``key-not-found``
(the key cannot be resolved), ``key-revoked`` and ``key-expired`` (its document marks the verification
method revoked or expired by the verification's time, Controlled Identifiers 1.0 §2.2),
``previous-proof-missing`` and ``previous-proof-invalid`` (chains),
``sd-base-proof`` (an ecdsa-sd-2023 base proof, which is for the holder to derive from), ``proof-expired``
(past its ``expires``, DI §2.1; a ``created`` or ``expires`` that is not a dateTimeStamp is a
``malformed-proof``), and ``invalid-proof`` (the signature does not match, or cannot be computed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from proofs.data_integrity import (
    CanonicalDocument,
    InvalidProof,
    canonical_unsecured,
    inspect_proof,
    previous_proof_ids,
    previous_proofs,
    proof_items,
    verify_proof,
)
from proofs.jsonld import DocumentLoader, JsonLdFailure
from proofs.jsonld.fragments import Fragment
from proofs.rdfc import TooComplex, TooLarge
from verifier.fields import issuer_id, parse_time
from verifier.keys import DidResolver, KeyResolutionError, ResolvedKey, key_problem
from verifier.result import Check, failed

__all__ = [
    "PROOF_PROBLEMS",
    "TOO_COMPLEX",
    "check_data_integrity",
    "expiry_failure",
    "issuer_check",
    "too_costly",
]

_PURPOSE = "assertionMethod"  # what a credential's proof is made for (VCDM 2.0 §4.12, DI §2.2)

# InvalidProof.reason -> the problem type the report gives it (read-only).
# The message of a proof over a dataset past the canonicalization work factor (proofs.rdfc.TooComplex).
TOO_COMPLEX = (
    "the document is too costly to canonicalize (RDFC-1.0 §6: its blank nodes are alike in a way that "
    "only a document made to be costly needs), so its signature cannot be checked; Digital Bazaar's "
    "verifiers refuse it too"
)

# The message of a proof over a dataset whose canonical form is past its size bound (proofs.rdfc.TooLarge).
_TOO_LARGE = (
    "the document is too costly to canonicalize (RDFC-1.0 §6: its terms recur in far more statements than "
    "its size calls for, e.g. a very long node id with many properties), so its signature cannot be checked"
)


def too_costly(exc: TooComplex) -> tuple[str, str]:
    """The problem type and message of a proof whose document canonicalization refused as too costly."""
    if isinstance(exc, TooLarge):
        return "canonical-form-too-large", _TOO_LARGE
    return "canonicalization-too-complex", TOO_COMPLEX


PROOF_PROBLEMS: Mapping[str, str] = MappingProxyType(
    {
        "not-a-map": "malformed-proof",
        "missing-member": "incomplete-proof",
        "unsupported-type": "unsupported-proof-type",
        "unsupported-cryptosuite": "unsupported-cryptosuite",
        "wrong-purpose": "wrong-proof-purpose",
        "invalid-verification-method": "invalid-verification-method",
        "too-large": "value-too-large",
        "previous-proof-missing": "previous-proof-missing",
        "base-proof": "sd-base-proof",
        "malformed-date": "malformed-proof",
    }
)


def issuer_check(resolved: ResolvedKey, issuer: str | None) -> Check:
    """The ``issuer`` check once a signature passed: the key belongs to the issuer."""
    if resolved.controller != issuer:
        return failed(
            "issuer",
            "issuer-mismatch",
            f"The signing key belongs to {resolved.controller}, not to the issuer {issuer}.",
        )
    return Check("issuer", "passed", f"The signing key belongs to the issuer {issuer}.")


@dataclass(slots=True)
class _Proof:
    """One proof of the credential and what became of it."""

    index: int  # 1-based, in the order of the credential's proof set
    raw: Any
    key: ResolvedKey | None = None  # set when its own signature verified
    problem: str | None = None  # the problem name when it failed
    reason: str = ""  # a sentence fragment: why it failed
    skipped: bool = False  # not verified: the credential already fails on another proof

    def get(self, member: str) -> Any:
        return self.raw.get(member) if isinstance(self.raw, Mapping) else None

    @property
    def suite(self) -> str:
        value = self.get("cryptosuite") or self.get("type")
        return value if isinstance(value, str) else "unknown"

    @property
    def label(self) -> str:
        """``proof 2 (eddsa-rdfc-2022 by did:key:…)``, for a report on a proof set."""
        method = self.get("verificationMethod")
        by = f" by {method}" if isinstance(method, str) and len(method) <= 200 else ""
        return (
            f"proof {self.index} ({self.suite}{by})"
            if isinstance(self.raw, Mapping)
            else f"proof {self.index}"
        )

    def fail(self, problem: str, reason: str) -> None:
        self.problem, self.reason = problem, reason

    def details(self) -> dict[str, Any]:
        outcome = "failed" if self.problem else "skipped" if self.skipped else "passed"
        out: dict[str, Any] = {"index": self.index, "outcome": outcome}
        for member in ("id", "type", "cryptosuite", "verificationMethod"):
            value = self.get(member)
            if isinstance(value, str) and len(value) <= 2048:
                out[member] = value
        if self.problem:
            out["problem"] = self.problem
            out["message"] = self.reason
        elif self.skipped:
            out["message"] = "not checked: the credential fails on another proof"
        elif self.key is not None:
            out["controller"] = self.key.controller
        return out


def expiry_failure(proof: Mapping[str, Any], *, now: dt.datetime | None, skew: dt.timedelta) -> str | None:
    """Why ``proof`` (read by :func:`proofs.data_integrity.inspect_proof`, so its ``expires`` is a
    dateTimeStamp when present) is no longer valid at ``now``: past its ``expires`` (DI §2.1) by more than
    ``skew``; None when it is not (or no clock is given)."""
    expires = parse_time(proof.get("expires"))
    if now is None or expires is None or expires >= now - skew:
        return None
    return f"the proof expired on {expires:%Y-%m-%d %H:%M} UTC"


def _verify_own(
    proof: _Proof,
    *,
    credential: Mapping[str, Any],
    all_proofs: Sequence[Mapping[str, Any]],
    resolver: DidResolver,
    loader: DocumentLoader,
    canonical: Callable[[Sequence[Mapping[str, Any]]], CanonicalDocument],
    now: dt.datetime | None,
    skew: dt.timedelta,
) -> None:
    """The proof's own signature, with the previous proofs it names (not whether those are valid); a
    proof past its ``expires`` (DI §2.1) is refused before its key is looked up."""
    try:
        raw = inspect_proof(proof.raw, expected_purpose=_PURPOSE)
        previous = previous_proofs(all_proofs, raw) if "previousProof" in raw else []
    except InvalidProof as exc:
        proof.fail(PROOF_PROBLEMS.get(exc.reason, "invalid-proof"), exc.message)
        return
    expired = expiry_failure(raw, now=now, skew=skew)
    if expired is not None:
        proof.fail("proof-expired", expired)
        return
    method = raw["verificationMethod"]
    try:
        resolved = resolver.resolve(method, relation=_PURPOSE)
    except KeyResolutionError as exc:
        proof.fail(*key_problem(exc, method))
        return
    try:
        verify_proof(
            credential,
            proof=raw,
            public_key=resolved.key,
            loader=loader,
            expected_purpose=_PURPOSE,
            canonical_document=canonical(previous),
        )
    except InvalidProof as exc:
        reason = f"the {proof.suite} signature does not match" if exc.reason == "signature" else exc.message
        proof.fail(PROOF_PROBLEMS.get(exc.reason, "invalid-proof"), reason)
        return
    except TooComplex as exc:
        proof.fail(*too_costly(exc))
        return
    except JsonLdFailure as exc:
        proof.fail("invalid-proof", f"the document could not be canonicalized ({exc})")
        return
    proof.key = resolved


class _Settle:
    """Verifies the proofs of a set in an order that spends least on a credential that fails (DI §4.5): the
    proofs naming no previous proof first (they share one canonical document), then each chained proof
    after the proofs it names (each chain link canonicalizes a document of its own). A chained proof is
    valid only when the proofs it names are (a cycle is not); once one proof has failed, a chained proof
    not yet verified is not verified any more: it fails with a proof it names that failed, or is left
    unchecked, as the credential fails whatever it holds."""

    def __init__(self, proofs: list[_Proof], verify_own: Callable[[_Proof], None]) -> None:
        self.proofs = proofs
        self.verify_own = verify_own
        self.by_id: dict[str, list[int]] = {}
        for p in proofs:
            pid = p.get("id")
            if isinstance(pid, str):
                self.by_id.setdefault(pid, []).append(p.index)
        self.done: dict[int, bool] = {}
        self.failed = False

    def _previous(self, p: _Proof) -> list[int]:
        """The indexes of the proofs ``p`` names (none when its previousProof is malformed: verifying it
        reports that)."""
        try:
            ids = previous_proof_ids(p.raw) if isinstance(p.raw, Mapping) else []
        except InvalidProof:
            return []
        return [i for pid in ids for i in self.by_id.get(pid, [])]

    def valid(self, p: _Proof, visiting: frozenset[int] = frozenset()) -> bool:
        if p.index in self.done:
            return self.done[p.index]
        visiting = visiting | {p.index}
        for i in self._previous(p):
            before = self.proofs[i - 1]
            if i in visiting or not self.valid(before, visiting):
                p.fail("previous-proof-invalid", f"the proof it builds on ({before.label}) is not valid")
                break
        else:
            self.verify_own(p)  # a malformed or dangling previousProof is reported here
        ok = self.done[p.index] = p.problem is None
        self.failed = self.failed or not ok
        return ok

    def run(self) -> None:
        chained = [p for p in self.proofs if isinstance(p.raw, Mapping) and "previousProof" in p.raw]
        for p in [p for p in self.proofs if p not in chained] + chained:
            if p in chained and self.failed and p.index not in self.done:
                broken = next(
                    (self.proofs[i - 1] for i in self._previous(p) if self.done.get(i) is False), None
                )
                if broken is None:
                    p.skipped = True
                    continue
                p.fail("previous-proof-invalid", f"the proof it builds on ({broken.label}) is not valid")
                self.done[p.index] = False
                continue
            self.valid(p)


def _sentence(fragment: str) -> str:
    return fragment[:1].upper() + fragment[1:] + "."


def _single(proof: _Proof, issuer: str | None) -> tuple[list[Check], ResolvedKey | None]:
    """A credential with one proof: the report it has always had."""
    if proof.problem is not None or proof.key is None:
        return [
            failed("proof", proof.problem or "invalid-proof", _sentence(proof.reason)),
            Check("issuer", "skipped", "No valid signature to attribute."),
        ], None
    passed = Check(
        "proof",
        "passed",
        f"The {proof.suite} signature is valid.",
        details={"verificationMethod": proof.get("verificationMethod")},
    )
    return [passed, issuer_check(proof.key, issuer)], proof.key


def _proof_set(proofs: list[_Proof], issuer: str | None) -> tuple[list[Check], ResolvedKey | None]:
    """A proof set: every proof must be valid, and one of them made by a key of the issuer."""
    details = {"proofs": [p.details() for p in proofs]}
    bad = [p for p in proofs if p.problem is not None]
    unchecked = [p for p in proofs if p.skipped]
    if bad or unchecked:
        reasons = "; ".join(f"{p.label}: {p.reason}" for p in bad)
        message = f"{len(bad)} of the {len(proofs)} proofs are not valid, and every proof must be: {reasons}."
        if unchecked:
            message += f" Not checked therefore: {', '.join(p.label for p in unchecked)}."
        return [
            failed("proof", (bad[0].problem if bad else None) or "invalid-proof", message, **details),
            Check("issuer", "skipped", "No valid signature to attribute: not every proof is valid."),
        ], None
    passed = Check(
        "proof",
        "passed",
        f"All {len(proofs)} signatures are valid: {', '.join(p.label for p in proofs)}.",
        details=details,
    )
    keys = [p.key for p in proofs if p.key is not None]
    own = next((p for p in proofs if p.key is not None and p.key.controller == issuer), None)
    if own is None or own.key is None:
        controllers = ", ".join(sorted({k.controller for k in keys}))
        return [
            passed,
            failed(
                "issuer",
                "issuer-mismatch",
                f"None of the {len(proofs)} signing keys belongs to the issuer {issuer} "
                f"(they belong to {controllers}).",
            ),
        ], None
    others = sorted({k.controller for k in keys if k.controller != issuer})
    also = f" The other proofs are by {', '.join(others)}." if others else ""
    return [
        passed,
        Check("issuer", "passed", f"The key of {own.label} belongs to the issuer {issuer}.{also}"),
    ], own.key


def check_data_integrity(
    credential: Mapping[str, Any],
    *,
    resolver: DidResolver,
    loader: DocumentLoader,
    expanded: list[Any] | None = None,
    fragments: Sequence[tuple[Any, Fragment]] = (),
    now: dt.datetime | None = None,
    skew: dt.timedelta = dt.timedelta(0),
) -> tuple[list[Check], ResolvedKey | None]:
    """The proof and issuer checks, and the issuer's key whose proof passed (None: not verified).
    ``expanded`` is the credential without its proof, expanded (from the contexts check): it is
    canonicalized once, for every proof of a proof set that names no previous proof, and only when a
    proof gets that far; ``fragments``, the memoized fragments its expansion found; ``now`` (and the
    clock ``skew`` allowed), when given, refuses a proof past its ``expires``."""
    items = proof_items(credential)
    if not items:
        return [
            failed("proof", "no-proof", "The credential is not signed (no proof)."),
            Check("issuer", "skipped", "No signing key to check."),
        ], None
    unsecured = canonical_unsecured(credential, loader=loader, expanded=expanded, fragments=fragments)
    chained: dict[tuple[str, ...], CanonicalDocument] = {}
    maps = [p for p in items if isinstance(p, Mapping)]

    def canonical(previous: Sequence[Mapping[str, Any]]) -> CanonicalDocument:
        if not previous:
            return unsecured
        key = tuple(str(p.get("id")) for p in previous)  # the same previous proofs: canonicalized once
        if key not in chained:
            chained[key] = canonical_unsecured(credential, loader=loader, previous=previous)
        return chained[key]

    proofs = [_Proof(i, raw) for i, raw in enumerate(items, start=1)]

    def verify_own(proof: _Proof) -> None:
        _verify_own(
            proof,
            credential=credential,
            all_proofs=maps,
            resolver=resolver,
            loader=loader,
            canonical=canonical,
            now=now,
            skew=skew,
        )

    _Settle(proofs, verify_own).run()
    issuer = issuer_id(credential)
    return _single(proofs[0], issuer) if len(proofs) == 1 else _proof_set(proofs, issuer)
