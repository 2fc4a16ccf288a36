"""The credential card (issue 18): what an employer reads first, before the checks: the badge image, the
achievement, the issuer and who it provably is, the recipient, the dates and the status in words.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.web.i18n import Words
from media.badge_image import default_badge_svg
from verifier import VerificationResult
from verifier.trust import IssuerTrust

__all__ = ["Card", "ProfileRow", "build_card", "profile_rows", "status_key"]


@dataclass(frozen=True, slots=True)
class Card:
    name: str
    image_url: str
    image_alt: str
    issuer_name: str
    issuer_id: str
    recipient: str | None
    issued: str
    valid_until: str
    status: str  # valid, revoked, suspended, expired, invalid
    trust_known: bool | None  # None: the issuer is not proven
    trust_lines: list[str] = field(default_factory=list)
    lookalike: str | None = None


@dataclass(frozen=True, slots=True)
class ProfileRow:
    name: str
    css: str  # passed, warning, neutral
    label: str
    detail: str
    missing: str = ""  # the rules' own messages (English), with the paths they name


def status_key(result: VerificationResult) -> str:
    """valid, revoked, suspended, expired or invalid: the status in one word."""
    if result.verified:
        return "valid"
    failed = next(c for c in result.checks if c.outcome == "failed")
    for suffix in ("revoked", "suspended", "expired"):
        if failed.type and failed.type.endswith(suffix):
            return suffix
    return "invalid"


def _image_url(
    achievement: Mapping[str, Any], fallback: str | None, title: str, issuer: str, lang: str
) -> str:
    image = achievement.get("image")
    image_id = image.get("id") if isinstance(image, Mapping) else image
    if isinstance(image_id, str) and image_id.startswith(("https://", "data:image/")):
        return image_id
    if fallback:
        return fallback
    svg = default_badge_svg(title, issuer, lang=lang)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _trust_lines(trust: IssuerTrust | None, words: Words) -> tuple[bool | None, list[str], str | None]:
    if trust is None:
        return None, [words("trust.unproven")], None
    lines = [words("trust.known") if trust.known else words("trust.unknown")]
    cautions = []
    if trust.listed_as is not None and not trust.listed_name_differs:
        lines.append(words("trust.listed", list=trust.listed_as.source, name=trust.listed_as.name))
    elif trust.listed_as is not None:
        # Listed under another name (a vouched tenant that renamed itself): not known under this one.
        cautions.append(words("trust.renamed", list=trust.listed_as.source, name=trust.listed_as.name))
    if trust.domains:
        hosts = ", ".join(d.removeprefix("https://") for d in trust.domains)
        lines.append(words("trust.domain", domains=hosts))
    else:
        lines.append(words("trust.no_domain"))
    if trust.bidi_controls:
        cautions.append(words("trust.bidi"))
    if trust.lookalike_of:
        names = ", ".join(f"“{e.name}”" for e in trust.lookalike_of)
        cautions.append(words("trust.lookalike", names=names))
    return trust.known, lines, " ".join(cautions) or None


def build_card(result: VerificationResult, words: Words, *, image_fallback: str | None = None) -> Card:
    """The card of a verified (or not) credential, in ``words``' language."""
    vc = result.credential or {}
    subject = vc.get("credentialSubject") or {}
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement") or {}
    achievement = achievement if isinstance(achievement, Mapping) else {}
    issuer = result.issuer()  # the issuer the checks judged (an SD-JWT VC's iss, never a claim)
    issuer_id = issuer.id if issuer is not None else ""
    issuer_name = (issuer.name or issuer.id) if issuer is not None else ""
    name = str(achievement.get("name") or vc.get("name") or words("card.untitled"))
    known, lines, lookalike = _trust_lines(result.issuer_trust, words)
    # The dates the validity check judged (a credential may carry both names of a date); else as written.
    start, end = result.validity or (
        vc.get("validFrom") or vc.get("issuanceDate"),
        vc.get("validUntil") or vc.get("expirationDate"),
    )
    return Card(
        name=name,
        image_url=_image_url(achievement, image_fallback, name, issuer_name, words.lang),
        image_alt=words("card.image", name=name),
        issuer_name=issuer_name,
        issuer_id=issuer_id,
        recipient=words.name(subject),
        issued=words.date(start or vc.get("awardedDate")),
        valid_until=words.date(end),
        status=status_key(result),
        trust_known=known,
        trust_lines=lines,
        lookalike=lookalike,
    )


def profile_rows(result: VerificationResult, words: Words) -> list[ProfileRow]:
    """Each descriptor profile: a claimed one complete (passed) or a warning naming what is missing;
    one the credential does not claim, neutrally, for information."""
    rows = []
    for name, profile in result.profiles.items():
        missing = "; ".join(
            f"{r.message} ({r.path or r.id})"
            for r in profile.rules
            if r.status == "fail" and r.severity == "error"
        )
        title = words(f"profile.{name}") if words.has(f"profile.{name}") else name
        if name not in result.claimed_profiles:
            detail = words("profiles.unclaimed_hint")
            rows.append(ProfileRow(title, "neutral", words("profiles.unclaimed"), detail))
        elif profile.passed:
            rows.append(ProfileRow(title, "passed", words("profiles.claimed_ok"), ""))
        else:
            rows.append(
                ProfileRow(
                    title,
                    "warning",
                    words("profiles.claimed_missing"),
                    words("profiles.missing", rules=missing),
                )
            )
    return rows
