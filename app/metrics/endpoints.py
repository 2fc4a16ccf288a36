"""``GET /metrics``: the Prometheus text format. Public unless ``SHOMEI_METRICS_TOKEN`` is set (then a
``Authorization: Bearer <that token>`` is required); ``SHOMEI_METRICS_ENABLED=false`` turns it off (404)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import Response

from app.deps import SessionDep, SettingsDep
from app.errors import NotFound, Unauthorized
from app.jobs import service as jobs
from app.metrics.service import CONTENT_TYPE_LATEST, exposition, queue_exposition
from app.webhooks import service as webhooks

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
def metrics(
    settings: SettingsDep, session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    if not settings.metrics_enabled:
        raise NotFound("no such resource")
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        if authorization is None or not hmac.compare_digest(authorization.encode(), expected.encode()):
            raise Unauthorized("a bearer token is required for /metrics")
    queues = queue_exposition(
        job_rows_pending=jobs.queue_depth(session), webhook_deliveries_pending=webhooks.outbox_depth(session)
    )
    return Response(exposition() + queues, media_type=CONTENT_TYPE_LATEST)
