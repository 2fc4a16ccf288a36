"""The public catalogue (the register): the courses each issuer chooses to publish, as OB 3.0
Achievements with their descriptors, the fields a register shows (provider, programme, accreditation
reference and body, level, credits, workload, language, participation, assessment) and the pathways
each counts toward; searched and filtered, paginated, and exported as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.achievements import service as achievements
from app.db.models import Tenant
from app.pathways import service as pathways
from app.settings import Settings
from app.tenants.service import tenant_profile

__all__ = ["CSV_COLUMNS", "Entry", "Filters", "Page", "as_csv", "entries", "search"]

CSV_COLUMNS = (
    "id",
    "title",
    "provider",
    "programme",
    "accreditation_reference",
    "qa_body",
    "level",
    "credits",
    "workload_hours",
    "language",
    "field_of_study",
    "participation",
    "assessment",
    "pathways",
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalogue entry: the achievement as published, its issuer and what a register shows."""

    achievement: dict[str, Any]
    issuer_slug: str
    issuer: dict[str, Any]
    pathways: list[dict[str, str]]
    row: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "achievement": self.achievement,
            "issuer": {
                "slug": self.issuer_slug,
                "id": self.issuer.get("id"),
                "name": self.issuer.get("name"),
            },
            "issuer_page": f"/issuers/{self.issuer_slug}/catalogue",
            "pathways": self.pathways,
        }


@dataclass(frozen=True, slots=True)
class Filters:
    q: str = ""
    field_of_study: str = ""
    level: str = ""
    language: str = ""
    provider: str = ""
    programme: str = ""
    credits_min: float | None = None
    credits_max: float | None = None


@dataclass(frozen=True, slots=True)
class Page:
    entries: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("id") or "")
    return "" if value is None else str(value)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return ""


def _row(achievement: Mapping[str, Any], provider: str, pathway_names: Sequence[str]) -> dict[str, str]:
    """What a register shows of a course, as text."""
    mc = _mapping(achievement.get("mcDescriptor"))
    programme = _mapping(mc.get("programme"))
    towards = _mapping(mc.get("stackability")).get("stackableTowards") or []
    external = [q for q in mc.get("qualityAssurance") or [] if isinstance(q, Mapping) and q.get("reference")]
    levels = [
        a
        for a in achievement.get("alignment") or []
        if isinstance(a, Mapping) and a.get("targetType") == "ext:QualificationsFrameworkLevel"
    ]
    credit = next((c for c in mc.get("credit") or [] if isinstance(c, Mapping)), {})
    credits = _number(achievement.get("creditsAvailable")) or _number(credit.get("creditValue"))
    return {
        "id": str(achievement.get("id", "")),
        "title": _text(achievement.get("name")),
        "provider": provider,
        "programme": _text(programme.get("name")) or _text(towards[0] if towards else None),
        "accreditation_reference": _text(programme.get("reference"))
        or (_text(external[0].get("reference")) if external else ""),
        "qa_body": _text(programme.get("qaBody")) or (_text(external[0].get("qaBody")) if external else ""),
        "level": ", ".join(_text(a.get("targetName") or a.get("targetCode")) for a in levels),
        "level_code": ", ".join(_text(a.get("targetCode")) for a in levels),
        "credits": credits,
        "workload_hours": _number(mc.get("notionalWorkloadHours")),
        "language": _text(achievement.get("inLanguage")),
        "field_of_study": _text(achievement.get("fieldOfStudy")),
        "participation": _text(mc.get("participationForm")),
        "assessment": _text(mc.get("assessmentMethod")),
        "pathways": "; ".join(pathway_names),
    }


def entries(session: Session, settings: Settings, tenant: Tenant | None) -> list[Entry]:
    """The published courses of ``tenant`` (or of every issuer), with the pathways each counts toward."""
    toward: dict[str, list[dict[str, str]]] = {}
    for pathway, _owner in pathways.all_pathways(session):
        link = {"id": str(pathway.id), "name": pathway.name, "url": pathways.pathway_url(settings, pathway)}
        for group in pathway.definition.get("groups", []):
            for item in group.get("achievements", []):
                listed = toward.setdefault(item["achievement"], [])
                if link not in listed:
                    listed.append(link)
    out = []
    for achievement, owner in achievements.catalogue(session, tenant):
        links = toward.get(str(achievement.get("id")), [])
        out.append(
            Entry(
                achievement=achievement,
                issuer_slug=owner.slug,
                issuer=tenant_profile(settings, owner),
                pathways=links,
                row=_row(achievement, owner.name, [p["name"] for p in links]),
            )
        )
    return out


def _matches(entry: Entry, f: Filters) -> bool:
    row = entry.row

    def has(text: str, *fields: str) -> bool:
        return not text or any(text.casefold() in row[k].casefold() for k in fields)

    try:
        credits = float(row["credits"]) if row["credits"] else None
    except ValueError:
        credits = None
    if f.credits_min is not None and (credits is None or credits < f.credits_min):
        return False
    if f.credits_max is not None and (credits is None or credits > f.credits_max):
        return False
    searchable = " ".join(
        [*row.values(), _text(entry.achievement.get("description")), _text(entry.achievement.get("tag"))]
    )
    return (
        (not f.q or all(word in searchable.casefold() for word in f.q.casefold().split()))
        and has(f.field_of_study, "field_of_study")
        and has(f.level, "level", "level_code")
        and (not f.language or row["language"].casefold().startswith(f.language.casefold()))
        and (has(f.provider, "provider") or f.provider.casefold() == entry.issuer_slug.casefold())
        and has(f.programme, "programme", "accreditation_reference")
    )


def search(items: Sequence[Entry], filters: Filters, *, page: int, per_page: int) -> Page:
    """The entries that match every filter, one page of them (``page`` from 1)."""
    found = [e for e in items if _matches(e, filters)]
    start = (page - 1) * per_page
    return Page(found[start : start + per_page], len(found), page, per_page)


def as_csv(items: Sequence[Entry]) -> str:
    """The entries as CSV (RFC 4180, a header row): one row per course."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for entry in items:
        writer.writerow({k: _csv_safe(v) for k, v in entry.row.items()})
    return buffer.getvalue()


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
