"""Prometheus metrics (prometheus-client): requests and latencies by route template, credentials issued by
format, verifications by outcome, status list publications, and the depth of the job queue and the webhook
outbox (read from the database at each scrape).

The metrics live in this module's own registry (not the library's global one). One process: ``/metrics``
renders it. Several uvicorn workers (``shomei serve --workers N``): each worker is its own process with its
own counters, so the service runs prometheus-client's multi-process mode: with ``PROMETHEUS_MULTIPROC_DIR``
set (``shomei serve`` sets it to a fresh directory when N > 1 and it is unset), every worker writes its
values to files there and ``/metrics``, whichever worker answers, adds up the files of all of them.

Labels never hold a raw path, a learner's identifier or input text: the route is the template
(``/credentials/{credential_id}``), ``unmatched`` when no route matched."""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = [
    "CONTENT_TYPE_LATEST",
    "MULTIPROC_ENV",
    "credential_issued",
    "exposition",
    "queue_exposition",
    "request_observed",
    "status_list_published",
    "verification_done",
]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_REGISTRY = CollectorRegistry(auto_describe=True)

_REQUESTS = Counter(
    "shomei_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=_REGISTRY,
)
_LATENCY = Histogram(
    "shomei_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_REGISTRY,
)
_ISSUED = Counter(
    "shomei_credentials_issued",
    "Credentials signed, by format (ldp_vc, jwt_vc_json, dc+sd-jwt, ...).",
    ["format"],
    registry=_REGISTRY,
)
_VERIFIED = Counter(
    "shomei_verifications",
    "Credentials verified, by outcome (verified, not-verified, unreadable).",
    ["outcome"],
    registry=_REGISTRY,
)
_PUBLISHED = Counter(
    "shomei_status_list_publications",
    "Status lists signed and published (a new version), by format (ld, jwt).",
    ["format"],
    registry=_REGISTRY,
)


def request_observed(method: str, route: str, status: int, seconds: float) -> None:
    _REQUESTS.labels(method, route, str(status)).inc()
    _LATENCY.labels(method, route).observe(seconds)


def credential_issued(fmt: str) -> None:
    _ISSUED.labels(fmt).inc()


def verification_done(outcome: str) -> None:
    _VERIFIED.labels(outcome).inc()


def status_list_published(fmt: str) -> None:
    _PUBLISHED.labels(fmt).inc()


def exposition() -> bytes:
    """The Prometheus text format: of this process, or of every worker in multi-process mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(_REGISTRY)


def queue_exposition(*, job_rows_pending: int, webhook_deliveries_pending: int) -> bytes:
    """The queues' depth, read from the database at each scrape (the same whichever worker answers)."""
    registry = CollectorRegistry()
    Gauge(
        "shomei_job_rows_pending", "Rows of bulk issuance jobs waiting to be issued.", registry=registry
    ).set(job_rows_pending)
    Gauge(
        "shomei_webhook_deliveries_pending", "Webhook deliveries waiting to be delivered.", registry=registry
    ).set(webhook_deliveries_pending)
    return generate_latest(registry)
