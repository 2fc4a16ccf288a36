"""A verifiable presentation's own proof (VC Data Integrity §4.4 with the ``authentication`` purpose; VCALM
"Verify Presentation"): the ``proof``, ``challenge``, ``domain`` and ``holder-binding`` checks of
:func:`verifier.presentation.verify_presentation`. Each Data Integrity proof verifies with a key the resolver
finds for ``authentication`` and is not past its ``expires`` (``proof-expired``); a presentation without a
proof is not signed (a warning); each proof answers the challenge and domain the verifier asked for; the
signing key belongs to the ``holder``. Pure: the loader, the resolver and the time are parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from proofs.data_integrity import (
    CanonicalDocument,
    InvalidProof,
    canonical_unsecured,
    inspect_proof,
    proof_items,
    verify_proof,
)
from proofs.jsonld import DocumentLoader, JsonLdFailure
from proofs.rdfc import TooComplex
from verifier.checks.data_integrity import PROOF_PROBLEMS, expiry_failure, too_costly
from verifier.keys import DidResolver, KeyResolutionError, ResolvedKey, key_problem
from verifier.result import Check, failed

__all__ = ["MAX_PROOFS", "ProofOutcome", "holder_id", "is_url", "proof_checks"]

_PURPOSE = "authentication"  # what a presentation's proof is made for (DI §2.2; VCALM)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")  # a scheme, then something (RFC 3986 §3.1)
MAX_PROOFS = 16


def is_url(value: Any) -> bool:
    """Whether ``value`` is a string with a scheme and something after it (RFC 3986 §3.1)."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def holder_id(vp: Mapping[str, Any]) -> str | None:
    """The holder's URL (``holder`` is one, or an object with an ``id``), None when absent or malformed."""
    holder = vp.get("holder")
    value = holder.get("id") if isinstance(holder, Mapping) else holder
    return value if is_url(value) else None


@dataclass(slots=True)
class ProofOutcome:
    raw: Any
    key: ResolvedKey | None = None
    problem: str | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verified": self.problem is None and self.key is not None, "input": self.raw}
        if self.problem is not None:
            out["problem"] = self.problem
            out["message"] = self.reason
        elif self.key is not None:
            out["controller"] = self.key.controller
        return out


def _verify_one(
    vp: Mapping[str, Any],
    outcome: ProofOutcome,
    *,
    loader: DocumentLoader,
    resolver: DidResolver,
    canonical: CanonicalDocument,
    now: dt.datetime | None,
    skew: dt.timedelta,
) -> None:
    try:
        raw = inspect_proof(outcome.raw, expected_purpose=_PURPOSE)
    except InvalidProof as exc:
        outcome.problem, outcome.reason = PROOF_PROBLEMS.get(exc.reason, "invalid-proof"), exc.message
        return
    expired = expiry_failure(raw, now=now, skew=skew)
    if expired is not None:  # before its key is looked up, as a credential's proof
        outcome.problem, outcome.reason = "proof-expired", expired
        return
    method = raw["verificationMethod"]
    try:
        resolved = resolver.resolve(method, relation=_PURPOSE)
    except KeyResolutionError as exc:
        outcome.problem, outcome.reason = key_problem(exc, method, " for authentication")
        return
    try:
        verify_proof(
            vp,
            proof=raw,
            public_key=resolved.key,
            loader=loader,
            expected_purpose=_PURPOSE,
            canonical_document=None if "previousProof" in raw else canonical,
        )
    except InvalidProof as exc:
        suite = raw.get("cryptosuite") or raw.get("type")
        reason = f"the {suite} signature does not match" if exc.reason == "signature" else exc.message
        outcome.problem, outcome.reason = PROOF_PROBLEMS.get(exc.reason, "invalid-proof"), reason
        return
    except TooComplex as exc:
        outcome.problem, outcome.reason = too_costly(exc)
        return
    except JsonLdFailure as exc:
        outcome.problem, outcome.reason = (
            "invalid-proof",
            f"the presentation could not be canonicalized ({exc})",
        )
        return
    outcome.key = resolved


def proof_checks(
    vp: Mapping[str, Any],
    expanded: list[Any] | None,
    *,
    contexts_ok: bool,
    loader: DocumentLoader,
    resolver: DidResolver,
    challenge: str | None,
    domain: str | None,
    now: dt.datetime | None,
    skew: dt.timedelta,
) -> tuple[list[Check], list[ProofOutcome]]:
    """The ``proof``, ``challenge``, ``domain`` and ``holder-binding`` checks; ``expanded``: the presentation
    without its proof, expanded (None: the proof expands it)."""
    items = proof_items(vp)
    holder = holder_id(vp)
    if not items:
        checks = [
            Check(
                "proof",
                "warning",
                "The presentation is not signed (no proof): it proves nothing about who presents it.",
            )
        ]
        for name, asked in (("challenge", challenge), ("domain", domain)):
            if asked is not None:
                message = f"A {name} was asked for, and an unsigned presentation cannot answer it."
                checks.append(failed(name, f"{name}-mismatch", message))
        if holder is not None:
            checks.append(
                Check("holder-binding", "skipped", "No proof binds the holder to the presentation.")
            )
        return checks, []
    if len(items) > MAX_PROOFS:
        message = f"The presentation has {len(items)} proofs; at most {MAX_PROOFS} are verified."
        return [failed("proof", "value-too-large", message)], []
    if not contexts_ok:
        return [
            Check("proof", "skipped", "The signature was not checked because the contexts are not usable.")
        ], []
    canonical = canonical_unsecured(vp, loader=loader, expanded=expanded)
    outcomes = [ProofOutcome(raw) for raw in items]
    for outcome in outcomes:
        _verify_one(vp, outcome, loader=loader, resolver=resolver, canonical=canonical, now=now, skew=skew)
    bad = [(i, o) for i, o in enumerate(outcomes, start=1) if o.problem is not None or o.key is None]
    if bad:
        reasons = "; ".join(f"proof {i}: {o.reason}" for i, o in bad)
        checks = [
            failed(
                "proof",
                bad[0][1].problem or "invalid-proof",
                f"The presentation's proof is not valid: {reasons}.",
            )
        ]
        return checks, outcomes
    noun = "signature is" if len(outcomes) == 1 else f"{len(outcomes)} signatures are"
    checks = [Check("proof", "passed", f"The presentation's {noun} valid (authentication).")]
    maps = [o.raw for o in outcomes]
    checks.append(_answer(maps, "challenge", challenge))
    checks.append(_answer(maps, "domain", domain))
    if holder is not None:
        controllers = sorted({o.key.controller for o in outcomes if o.key is not None})
        if holder not in controllers:
            signers = ", ".join(controllers)
            message = f"The presentation is signed by a key of {signers}, not of its holder {holder}."
            checks.append(failed("holder-binding", "holder-mismatch", message))
        else:
            checks.append(
                Check("holder-binding", "passed", f"The presentation is signed by its holder {holder}.")
            )
    return checks, outcomes


def _answer(proofs: Sequence[Mapping[str, Any]], name: str, asked: str | None) -> Check:
    """Every proof carries the challenge (or domain) the verifier asked for (DI §4.4 step 7/8: a proof's
    ``domain`` may be one string or a set of them)."""
    if asked is None:
        return Check(name, "skipped", f"No {name} was asked for.")
    for proof in proofs:
        value = proof.get(name)
        carried = (
            [value]
            if isinstance(value, str)
            else value
            if isinstance(value, list) and name == "domain"
            else []
        )
        if asked not in carried:
            message = (
                f"The proof answers another {name}." if value is not None else f"The proof carries no {name}."
            )
            return failed(name, f"{name}-mismatch", message)
    return Check(name, "passed", f"The proof answers the {name} asked for.")
