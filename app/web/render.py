"""Server-rendered pages: the template environment and the words people read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from verifier import VerificationResult

__all__ = ["descriptor_rows", "render_page", "wants_html"]

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


_OUTCOME_WORDS = {
    "passed": "✓ Passed",
    "failed": "✗ Failed",
    "warning": "! Warning",
    "skipped": "– Not checked",
}


_CHECK_NAMES = {
    "format": "Format",
    "contexts": "Vocabulary",
    "data-model": "Data model",
    "schema": "Structure",
    "proof": "Signature",
    "issuer": "Issuer",
    "validity": "Dates",
    "status": "Revocation",
    "recipient": "Learner",
}


_PROFILE_NAMES = {
    "ob3-minimal": "Open Badges 3.0 minimum",
    "eu-microcredential": "EU micro-credential (Council Recommendation 2022, Annex I)",
    "jp-mc-framework": "Japanese micro-credential framework",
}


# Why a credential does not count toward a pathway (verifier.pathways.REASONS), for people.
_REASON_WORDS = {
    "unreadable": "Not a credential",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "expired": "Expired",
    "unverified": "Does not verify",
    "different-learner": "Issued to someone else",
    "unrecognised-issuer": "Issuer not recognised",
    "not-in-pathway": "Not part of this programme",
    "too-old": "Too old",
    "result-missing": "No result",
    "result-below-minimum": "Result below the minimum",
    "duplicate-achievement": "Already counted",
}


_DESCRIPTOR_FIELDS = (
    ("notionalWorkloadHours", "Workload (hours)"),
    ("participationForm", "Form of participation"),
    ("assessmentMethod", "Assessment"),
    ("entryRequirement", "Entry requirements"),
    ("qaClass", "Quality assurance class"),
)


def wants_html(accept: str | None) -> bool:
    """True when the client prefers HTML to JSON-LD or a JWT (a browser)."""
    if not accept:
        return False
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            return True
        if media.startswith(("application/", "text/plain")) or media == "*/*":
            return False
    return False


def _summary(result: VerificationResult) -> tuple[str, str | None]:
    if result.verified:
        return (
            "The signature is valid, it was signed by the issuer it names, it is within its dates and the "
            "issuer has not revoked it.",
            None,
        )
    failed = next(c for c in result.checks if c.outcome == "failed")
    status = None
    if failed.type and failed.type.endswith("credential-revoked"):
        status = "Revoked"
    elif failed.type and failed.type.endswith("credential-suspended"):
        status = "Suspended"
    elif failed.type and failed.type.endswith("expired"):
        status = "Expired"
    return failed.message, status


def render_page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The page ``name`` (a template), with the words for a verification ``result`` when there is one."""
    result: VerificationResult | None = context.get("result")
    if result is not None:
        context["summary"], context["status_failure"] = _summary(result)
        context.setdefault("profiles", result.profiles)
    context.update(
        outcome_words=_OUTCOME_WORDS,
        check_names=_CHECK_NAMES,
        profile_names=_PROFILE_NAMES,
        reason_words=_REASON_WORDS,
    )
    return HTMLResponse(_ENV.get_template(name).render(**context), status_code=status_code)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name") or value.get("description") or value.get("id") or "")
    return str(value)


def descriptor_rows(achievement: dict[str, Any]) -> list[tuple[str, str]]:
    """The achievement's micro-credential descriptor as (label, text) rows for people to read."""
    rows: list[tuple[str, str]] = []
    mc = achievement.get("mcDescriptor") or {}
    outcomes = [o.get("description") for o in mc.get("learningOutcome", []) if isinstance(o, dict)]
    if outcomes:
        rows.append(("Learning outcomes", "; ".join(str(o) for o in outcomes if o)))
    for key, label in _DESCRIPTOR_FIELDS:
        if mc.get(key) not in (None, "", []):
            rows.append((label, _text(mc[key])))
    credits = [
        f"{c.get('creditValue')} {c.get('creditSystem')}" for c in mc.get("credit", []) if isinstance(c, dict)
    ]
    if credits:
        rows.append(("Credits", ", ".join(credits)))
    levels = [
        a.get("targetName")
        for a in achievement.get("alignment", []) or []
        if isinstance(a, dict) and a.get("targetType") == "ext:QualificationsFrameworkLevel"
    ]
    if levels:
        rows.append(("Level", ", ".join(str(level) for level in levels)))
    qa = [
        _text(q.get("qaBody") or q.get("description") or q.get("qaType"))
        for q in mc.get("qualityAssurance", [])
        if isinstance(q, dict)
    ]
    if qa:
        rows.append(("Quality assurance", "; ".join(qa)))
    stack = mc.get("stackability") or {}
    towards = [_text(t) for t in stack.get("stackableTowards", []) if isinstance(t, dict)]
    if stack:
        rows.append(
            (
                "Stackability",
                f"{stack.get('integration', '')}" + (f": towards {', '.join(towards)}" if towards else ""),
            )
        )
    return rows
