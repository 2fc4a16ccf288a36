"""Verify a verifiable presentation (VCDM 2.0 §4.13; VC Data Integrity §4.4 with the ``authentication``
purpose; VCALM "Verify Presentation") and report every check in plain words, as :mod:`verifier.pipeline` does
for a credential.

The presentation's own checks, in order: ``contexts`` (the first is a W3C VC context, every context is one we
hold, every term is defined: safe-mode expansion), ``type`` (``VerifiablePresentation`` among them), ``id`` (a
URL, when present), ``holder`` (a URL or an object with an ``id`` URL, when present), ``verifiableCredential``
(one or more objects: credentials, or ``EnvelopedVerifiableCredential`` objects whose ``id`` is a ``data:``
URL; never strings or numbers), ``proof`` (each Data Integrity proof verifies with a key the resolver finds
for ``authentication`` and is not past its ``expires``: ``proof-expired``; a presentation without a proof is
not signed: a warning), ``challenge`` and ``domain`` (each proof answers the ones the verifier asked for;
asked of an unsigned presentation, they fail), and ``holder-binding`` (the signing key belongs to the
``holder``).

Each embedded credential is verified by the ``verify_credential`` callable the caller passes in (the same
verifier as a credential sent alone); an item that is not a credential is reported with the problem type the
callable raises. Pure: the loader, the resolver, the callable and the time are parameters; no clock is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from proofs.jsonld import DocumentLoader, JsonLdFailure, expand_safe
from schemas.problems import problem_type
from verifier.checks.contexts import contexts_failure
from verifier.formats import envelope_problem
from verifier.keys import DidResolver
from verifier.limits import MAX_DEPTH, MAX_VALUES, chain_problem, shape, too_many_values
from verifier.presentation_proof import holder_id, is_url, proof_checks
from verifier.result import Check, UnreadableCredential, VerificationResult, failed

__all__ = [
    "MAX_CREDENTIALS",
    "NOT_CHECKED",
    "PRESENTATION_FACTOR",
    "CredentialOutcome",
    "PresentationResult",
    "UnverifiableCredential",
    "verify_presentation",
]

_VC_V2 = "https://www.w3.org/ns/credentials/v2"
_VC_V1 = "https://www.w3.org/2018/credentials/v1"
_ENVELOPED_VC = "EnvelopedVerifiableCredential"
_ENVELOPED_VP = "EnvelopedVerifiablePresentation"
MAX_CREDENTIALS = 64  # credentials in one presentation
# JSON values a whole presentation may hold, credentials included, as a multiple of the bound on one
# credential (``max_values``): two credentials at that bound, or about 13 Open Badges of ours.
PRESENTATION_FACTOR = 2
_HELD_DEPTH = 2  # a held credential's members sit this much deeper than the presentation's
# The problem type of a credential not verified because its presentation is refused whatever it holds.
NOT_CHECKED = "credential-not-checked"


class UnverifiableCredential(Exception):
    """Raised by a ``verify_credential`` callable for an item it cannot read as a credential at all
    (``type_name``: the problem type; the message says why)."""

    def __init__(self, message: str, *, type_name: str) -> None:
        super().__init__(message)
        self.type_name = type_name


@dataclass(slots=True)
class CredentialOutcome:
    """One item of ``verifiableCredential``: its verification, or why it could not be verified."""

    index: int  # 0-based, in the presentation's order
    item: Any
    result: VerificationResult | None = None
    refusal: Check | None = None  # set when the item is not a credential we can verify

    @property
    def verified(self) -> bool:
        return self.refusal is None and self.result is not None and self.result.verified

    @property
    def checks(self) -> list[Check]:
        if self.refusal is not None:
            return [self.refusal]
        return list(self.result.checks) if self.result is not None else []


@dataclass(slots=True)
class PresentationResult:
    """The presentation's own checks, each embedded credential's outcome, and what each proof gave."""

    checks: list[Check]
    credentials: list[CredentialOutcome] = field(default_factory=list)
    proofs: list[dict[str, Any]] = field(default_factory=list)  # per proof: verified, input, problem

    @property
    def presentation_verified(self) -> bool:
        return all(c.outcome != "failed" for c in self.checks)

    @property
    def verified(self) -> bool:
        return self.presentation_verified and all(c.verified for c in self.credentials)

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)


def _types(value: Any) -> list[str] | None:
    """A ``type`` value as a list of strings; None when it is neither a string nor a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(t, str) for t in value):
        return list(value)
    return None


def _first_context(document: Mapping[str, Any]) -> Any:
    contexts = document.get("@context")
    return contexts[0] if isinstance(contexts, list) and contexts else contexts


def _check_contexts(vp: Mapping[str, Any], loader: DocumentLoader) -> tuple[Check, list[Any] | None]:
    """The contexts check, and the presentation without its proof expanded (what its proof signs)."""
    if _first_context(vp) not in (_VC_V2, _VC_V1):
        message = f"The presentation's first @context is not the W3C VC context {_VC_V2}."
        return failed("contexts", "invalid-context", message), None
    try:
        expanded = expand_safe({k: v for k, v in vp.items() if k != "proof"}, loader=loader)
        if "proof" in vp:
            part = {k: vp[k] for k in ("@context", "type") if k in vp}
            expand_safe({**part, "proof": vp["proof"]}, loader=loader)
    except JsonLdFailure as exc:
        return contexts_failure(exc, "presentation"), None
    return Check("contexts", "passed", "Every property is defined by a known context."), expanded


def _check_type(vp: Mapping[str, Any]) -> Check:
    types = _types(vp.get("type"))
    if types is None or "VerifiablePresentation" not in types:
        return failed(
            "type",
            "invalid-presentation-type",
            "The presentation's type must include VerifiablePresentation (VCDM 2.0 §4.13).",
        )
    return Check("type", "passed", f"The presentation is a {', '.join(types)}.")


def _check_id(vp: Mapping[str, Any]) -> list[Check]:
    if "id" not in vp:
        return []
    if not is_url(vp["id"]):
        return [
            failed("id", "invalid-presentation-id", "The presentation's id is not a URL (VCDM 2.0 §4.4).")
        ]
    return [Check("id", "passed", "The presentation's id is a URL.")]


def _check_holder(vp: Mapping[str, Any]) -> list[Check]:
    if "holder" not in vp:
        return []
    if holder_id(vp) is None:
        return [
            failed(
                "holder",
                "invalid-holder",
                "The holder must be a URL or an object whose id is a URL (VCDM 2.0 §4.13).",
            )
        ]
    return [Check("holder", "passed", f"The holder is {holder_id(vp)}.")]


def _credential_items(vp: Mapping[str, Any]) -> tuple[list[Check], list[Any]]:
    """The ``verifiableCredential`` check, and the items to verify (none when the check failed)."""
    if "verifiableCredential" not in vp:
        return [], []
    value = vp["verifiableCredential"]
    items = value if isinstance(value, list) else [value]
    if not items:
        return [failed("verifiableCredential", "invalid-verifiable-credential", "It is an empty list.")], []
    if len(items) > MAX_CREDENTIALS:
        message = (
            f"It holds {len(items)} credentials; at most {MAX_CREDENTIALS} are verified in one presentation."
        )
        return [failed("verifiableCredential", "too-many-credentials", message)], []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            message = (
                f"Item {i} is a {type(item).__name__}, not an object: a presentation holds verifiable "
                "credentials and enveloped verifiable credentials, never strings, numbers or URLs "
                "(VCDM 2.0 §4.13)."
            )
            return [failed("verifiableCredential", "invalid-verifiable-credential", message, index=i)], []
        if item.get("type") == _ENVELOPED_VC or _ENVELOPED_VC in (_types(item.get("type")) or []):
            problem = (
                envelope_problem(item)
                if item.get("type") == _ENVELOPED_VC
                else "its type must be exactly EnvelopedVerifiableCredential"
            )
            if problem is not None:
                message = f"Item {i} is not a valid EnvelopedVerifiableCredential: {problem}."
                return [failed("verifiableCredential", "invalid-enveloped-credential", message, index=i)], []
    noun = "credential" if len(items) == 1 else "credentials"
    return [Check("verifiableCredential", "passed", f"The presentation holds {len(items)} {noun}.")], items


def verify_presentation(
    presentation: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    resolver: DidResolver,
    verify_credential: Callable[[Any], VerificationResult],
    challenge: str | None = None,
    domain: str | None = None,
    max_values: int = MAX_VALUES,
    now: dt.datetime | None = None,
    skew: dt.timedelta = dt.timedelta(minutes=5),
) -> PresentationResult:
    """Verify ``presentation`` (a JSON object) and each credential it holds; ``challenge`` and ``domain``
    are the ones the verifier asked for; ``now``: the time a proof's ``expires`` is compared with, give or
    take ``skew`` (None: not compared); ``max_values``: the most JSON values the presentation may hold
    apart from its credentials (each is bounded when it is read: :mod:`verifier.limits`), and half of
    what it may hold in all (:data:`PRESENTATION_FACTOR`).
    ``verify_credential`` verifies one item of
    ``verifiableCredential`` (raising :class:`UnverifiableCredential` for one it cannot read)."""
    if presentation.get("type") == _ENVELOPED_VP:
        message = (
            "Enveloped presentations (VC-JOSE-COSE) are not verified here; send the presentation itself."
        )
        return PresentationResult([failed("format", "unsupported-presentation-format", message)])
    own = {k: v for k, v in presentation.items() if k != "verifiableCredential"}
    # Its proof signs all of it, credentials included: refusing a forged one costs expanding and
    # canonicalizing the whole presentation, about 11 microseconds of CPU a value (bench/refusal_cost.py).
    total = max_values * PRESENTATION_FACTOR
    try:
        if shape(own, max_values=max_values)[1] > max_values:  # each credential is bounded when it is read
            message = too_many_values("The presentation", max_values) + " (its credentials apart)."
            return PresentationResult([failed("format", "too-many-values", message)])
        depth, values = shape(presentation, max_values=total, max_depth=MAX_DEPTH + _HELD_DEPTH)
    except UnreadableCredential as exc:  # a lone surrogate or a number no double holds, anywhere in it
        message = f"The presentation cannot be read: {exc}."
        return PresentationResult([failed("format", exc.type_name, message)])
    if depth > MAX_DEPTH + _HELD_DEPTH:
        message = f"A credential of the presentation nests objects and arrays more than {MAX_DEPTH} deep."
        return PresentationResult([failed("format", "nesting-too-deep", message)])
    if values > total:
        message = too_many_values("The presentation", total) + " in all, its credentials included."
        message += " Verify its credentials one by one, or a CLR on its own."
        return PresentationResult([failed("format", "too-many-values", message)])
    chain = chain_problem(presentation, values, total)
    if chain is not None:
        return PresentationResult(
            [failed("format", "too-many-proofs", f"The presentation is refused: {chain}.")]
        )
    checks = [Check("format", "passed", "Read a JSON-LD presentation.")]
    # The contexts check reads the presentation's own part: each credential's terms are checked when it is
    # verified on its own. The whole presentation is expanded only for its proof (what the proof signs).
    contexts, expanded = _check_contexts(own, loader)
    if "verifiableCredential" in presentation:
        expanded = None  # the own part's: the proof expands the whole presentation
    checks.append(contexts)
    checks.append(_check_type(presentation))
    checks.extend(_check_id(presentation))
    checks.extend(_check_holder(presentation))
    item_checks, items = _credential_items(presentation)
    checks.extend(item_checks)
    found, outcomes = proof_checks(
        presentation,
        expanded,
        contexts_ok=contexts.outcome == "passed",
        loader=loader,
        resolver=resolver,
        challenge=challenge,
        domain=domain,
        now=now,
        skew=skew,
    )
    checks.extend(found)
    result = PresentationResult(checks, proofs=[o.as_json() for o in outcomes])
    unopened = _why_unopened(result)
    for index, item in enumerate(items):
        outcome = CredentialOutcome(index, item)
        if unopened is not None:
            outcome.refusal = Check("credential", "skipped", unopened, problem_type(NOT_CHECKED))
        else:
            try:
                outcome.result = verify_credential(item)
            except UnverifiableCredential as exc:
                outcome.refusal = failed("format", exc.type_name, f"Item {index} cannot be verified: {exc}.")
            else:
                unopened = _forged(outcome.result, index)
        result.credentials.append(outcome)
    return result


def _why_unopened(result: PresentationResult) -> str | None:
    """Why the presentation's credentials are not verified (None: they are). A presentation that fails
    a check of its own vouches for none of them; verifying them would cost as much as for a genuine one
    (issue 13: refusing forged input must stay cheap), and none of them would count."""
    own = [c.id for c in result.checks if c.outcome == "failed"]
    if not own:
        return None
    return f"Not verified: the presentation itself does not verify (its {', '.join(own)} check failed)."


def _forged(credential: VerificationResult, index: int) -> str | None:
    """Why the credentials after ``credential`` (item ``index``) are not verified: its proof failed, so
    the presentation holds a forged or altered credential and is refused whatever the others hold (each
    one after it would cost a full verification to refuse). None when its proof did not fail."""
    proof = next((c for c in credential.checks if c.id == "proof"), None)
    if proof is None or proof.outcome != "failed":
        return None
    return (
        f"Not verified: item {index} of the presentation is forged or was altered (its proof failed), "
        "so the presentation is refused whatever the other credentials hold."
    )
