"""Server-rendered pages: the template environment, the page's language, and the words people read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request

from app.web.card import build_card, profile_rows, status_key
from app.web.i18n import Words, pick_language
from verifier import VerificationResult

__all__ = ["CheckRow", "browser_not_found", "descriptor_rows", "page_language", "render_page", "wants_html"]

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


@dataclass(frozen=True, slots=True)
class CheckRow:
    outcome: str
    outcome_words: str
    name: str
    message: str
    original: str | None  # the verifier's English message, shown beside a translated one


# English words of the pages not yet translated (pathway progress, OpenID4VP requests).
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


def page_language(request: Request) -> str:
    """``?lang=`` (en, ja), else the request's ``Accept-Language``, else English."""
    return pick_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def _check_rows(result: VerificationResult, words: Words) -> list[CheckRow]:
    rows = []
    for check in result.checks:
        name = words(f"check.{check.id}") if words.has(f"check.{check.id}") else check.id
        if words.lang == "ja":
            specific = f"check_ja.{check.id}.{check.outcome}"
            key = specific if words.has(specific) else f"check_ja.{check.outcome}"
            message, original = words(key), check.message
        else:
            message, original = check.message, None
        rows.append(CheckRow(check.outcome, words(f"outcome.{check.outcome}"), name, message, original))
    return rows


def _summary_key(result: VerificationResult) -> str:
    """Which verdict sentence the page shows (``summary.<key>``). A verified credential whose status was
    not checked (it names no status list: VC Data Model 2.0 §4.10 makes ``credentialStatus`` optional, and
    the ``status`` check is then skipped) gets its own: "the issuer has not revoked it" would claim a check
    that was not made."""
    if not result.verified:
        return status_key(result)
    if any(c.id == "status" and c.outcome == "passed" for c in result.checks):
        return "valid"
    return "valid_no_status"


def _summary(result: VerificationResult, words: Words) -> tuple[str, str | None]:
    """The verdict's sentence, and the verifier's own (English) words beside a translated one."""
    if result.verified:
        return words(f"summary.{_summary_key(result)}"), None
    failed = next(c for c in result.checks if c.outcome == "failed")
    if words.lang == "en":
        return failed.message, None
    return words(f"summary.{status_key(result)}"), failed.message


def render_page(
    name: str,
    status_code: int = 200,
    *,
    lang: str = "en",
    image_fallback: str | None = None,
    keep_query: str = "",
    **context: Any,
) -> HTMLResponse:
    """The page ``name`` (a template) in ``lang``; with a verification ``result``, its card, summary,
    checks and descriptor profiles (``image_fallback``: the badge image when the credential names none).
    ``keep_query``: the page's own query, kept by the link to the other language (a consent page's)."""
    words = Words(lang)
    kept = [(k, v) for k, v in parse_qsl(keep_query, keep_blank_values=True) if k != "lang"]
    context["switch_query"] = urlencode([*kept, ("lang", words.other)])
    result: VerificationResult | None = context.get("result")
    if result is not None:
        context.update(
            card=build_card(result, words, image_fallback=image_fallback),
            status=status_key(result),
            summary=_summary(result, words)[0],
            summary_original=_summary(result, words)[1],
            summary_key=_summary_key(result),
            check_rows=_check_rows(result, words),
            profile_rows=profile_rows(result, words),
        )
    context.update(t=words, lang=lang)
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


_DESCRIPTOR_FIELDS = (
    "notionalWorkloadHours",
    "participationForm",
    "assessmentMethod",
    "entryRequirement",
    "qaClass",
)


def descriptor_rows(achievement: Mapping[str, Any], words: Words) -> list[tuple[str, str]]:
    """The achievement's micro-credential descriptor as (label, text) rows for people to read."""
    rows: list[tuple[str, str]] = []
    mc = achievement.get("mcDescriptor") or {}
    outcomes = [o.get("description") for o in mc.get("learningOutcome", []) if isinstance(o, dict)]
    if outcomes:
        rows.append((words("descriptor.outcomes"), "; ".join(str(o) for o in outcomes if o)))
    for key in _DESCRIPTOR_FIELDS:
        if mc.get(key) not in (None, "", []):
            rows.append((words(f"descriptor.{key}"), _text(mc[key])))
    credits = [
        f"{c.get('creditValue')} {c.get('creditSystem')}" for c in mc.get("credit", []) if isinstance(c, dict)
    ]
    if credits:
        rows.append((words("descriptor.credits"), ", ".join(credits)))
    levels = [
        a.get("targetName")
        for a in achievement.get("alignment", []) or []
        if isinstance(a, dict) and a.get("targetType") == "ext:QualificationsFrameworkLevel"
    ]
    if levels:
        rows.append((words("descriptor.level"), ", ".join(str(level) for level in levels)))
    qa = [
        _text(q.get("qaBody") or q.get("description") or q.get("qaType"))
        for q in mc.get("qualityAssurance", [])
        if isinstance(q, dict)
    ]
    if qa:
        rows.append((words("descriptor.qa"), "; ".join(qa)))
    stack = mc.get("stackability") or {}
    towards = [_text(t) for t in stack.get("stackableTowards", []) if isinstance(t, dict)]
    if stack:
        text = f"{stack.get('integration', '')}"
        if towards:
            text += ": " + words("descriptor.towards", targets=", ".join(towards))
        rows.append((words("descriptor.stackability"), text))
    return rows


def browser_not_found(request: Request) -> HTMLResponse | None:
    """The not-found page for a browser (``Accept: text/html``) that asked for a credential URL naming
    no credential (mistyped or unknown); None for any other request (it gets problem+json)."""
    if request.method not in ("GET", "HEAD") or not request.url.path.startswith("/credentials/"):
        return None
    if not wants_html(request.headers.get("accept")):
        return None
    return render_page("not_found.html", 404, lang=page_language(request))
