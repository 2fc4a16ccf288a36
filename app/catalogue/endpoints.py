"""The public catalogue: `GET /catalogue` (every issuer that publishes courses; search, filters,
pages), `GET /issuers/{slug}/catalogue` (one issuer's courses) and its CSV export, as HTML for people or
JSON for machines (``Accept``); and a pathway's page, where a learner sees their progress
(`GET`/`POST /pathways/{id}`)."""

from __future__ import annotations

import json
import math
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.catalogue import service as catalogue
from app.deps import ClockDep, SessionDep, SettingsDep, StateDep
from app.errors import BadRequest
from app.pathways import service as pathways
from app.tenants.service import get_by_slug, tenant_profile
from app.web.render import page_language, render_page, wants_html
from schemas.pathways import CredentialsIn

__all__ = ["router"]

router = APIRouter(tags=["catalogue"], include_in_schema=False)

_Text = Annotated[str, Query(max_length=200)]


def _credits(raw: str, name: str) -> float | None:
    """A credit bound from the query: empty (a form's blank field) is no bound."""
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise BadRequest(f"{name} must be a number of credits, 0 or more", type_name="invalid-query")
    return value


@router.get("/catalogue")
def all_catalogue(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
    q: _Text = "",
    field: _Text = "",
    level: _Text = "",
    language: _Text = "",
    provider: _Text = "",
    programme: _Text = "",
    credits_min: Annotated[str, Query(max_length=20, description="a number; empty: any")] = "",
    credits_max: Annotated[str, Query(max_length=20, description="a number; empty: any")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Every published course of the deployment, searched and filtered, one page at a time."""
    filters = catalogue.Filters(
        q=q.strip(),
        field_of_study=field.strip(),
        level=level.strip(),
        language=language.strip(),
        provider=provider.strip(),
        programme=programme.strip(),
        credits_min=_credits(credits_min, "credits_min"),
        credits_max=_credits(credits_max, "credits_max"),
    )
    items = catalogue.entries(session, settings, None)
    found = catalogue.search(items, filters, page=page, per_page=per_page)
    if wants_html(accept):
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        providers = sorted({(e.issuer_slug, e.row["provider"]) for e in items}, key=lambda p: p[1])
        return render_page(
            "catalogue.html",
            lang=page_language(request),
            keep_query=request.url.query,
            found=found,
            filters=filters,
            query=query,
            providers=providers,
            languages=sorted({e.row["language"] for e in items if e.row["language"]}),
        )
    return JSONResponse(
        {
            "total": found.total,
            "page": found.page,
            "per_page": found.per_page,
            "pages": found.pages,
            "entries": [e.as_json() for e in found.entries],
        }
    )


@router.get("/issuers/{slug}/catalogue")
def issuer_catalogue(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """One issuer's published courses: HTML, or JSON with each entry an OB 3.0 Achievement."""
    tenant = get_by_slug(session, slug)
    items = catalogue.entries(session, settings, tenant)
    profile = tenant_profile(settings, tenant)
    if wants_html(accept):
        owned = [(p, pathways.pathway_url(settings, p)) for p in pathways.list_pathways(session, tenant)]
        return render_page(
            "issuer_catalogue.html",
            lang=page_language(request),
            issuer=profile,
            slug=slug,
            entries=items,
            pathways=owned,
        )
    return JSONResponse({"issuer": profile, "entries": [e.as_json() for e in items]})


@router.get("/issuers/{slug}/catalogue.csv")
def issuer_catalogue_csv(slug: str, session: SessionDep, settings: SettingsDep) -> Response:
    tenant = get_by_slug(session, slug)
    text = catalogue.as_csv(catalogue.entries(session, settings, tenant))
    headers = {"Content-Disposition": f'attachment; filename="catalogue-{slug}.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/pathways/{pathway_id}")
def pathway_page(
    pathway_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """A pathway for people: what it requires, and a form to see one's progress."""
    row, tenant = pathways.get_public(session, pathway_id)
    out = pathways.pathway_out(settings, row, tenant)
    return render_page("pathway.html", lang=page_language(request), pathway=out)


def _form_credentials(text: str) -> list[Any]:
    """What a learner pasted: one JSON credential, a JSON list of them, a presentation, or VC-JWTs (one
    per line)."""
    text = text.strip()
    if not text:
        return []
    if text[:1] in "[{":
        value = json.loads(text)
        return value if isinstance(value, list) else [value]
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/pathways/{pathway_id}")
async def pathway_progress(
    pathway_id: uuid.UUID, request: Request, session: SessionDep, state: StateDep, clock: ClockDep
) -> HTMLResponse:
    """The learner's progress, from the same input as `POST /v1/pathways/{id}/evaluate`."""
    lang = page_language(request)
    async with request.form(max_files=0, max_fields=5) as form:
        pasted = str(form.get("credentials") or "")
        urls = [u.strip() for u in str(form.get("urls") or "").splitlines() if u.strip()]

    def work() -> HTMLResponse:
        row, tenant = pathways.get_public(session, pathway_id)
        out = pathways.pathway_out(state.settings, row, tenant)
        try:
            items = _form_credentials(pasted)
            vp = [i for i in items if isinstance(i, dict) and "VerifiablePresentation" in str(i.get("type"))]
            body = CredentialsIn(
                credentials=[i for i in items if not any(i is p for p in vp)],
                urls=urls,
                presentation=vp[0] if vp else None,
            )
        except (ValueError, ValidationError):
            return render_page("pathway.html", 400, lang=lang, pathway=out, error="input")
        progress, _ = pathways.evaluate(state, session, row, body, now=clock.now())
        return render_page("pathway.html", lang=lang, pathway=out, progress=progress.as_json())

    return await run_in_threadpool(work)
