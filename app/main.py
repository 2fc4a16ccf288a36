"""Application factory and lifespan. Nothing is created at import time."""

from __future__ import annotations

import gc
import hashlib
import hmac
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from app.achievements import endpoints as achievements
from app.apidocs import endpoints as apidocs
from app.audit import endpoints as audit
from app.catalogue import endpoints as catalogue
from app.clock import Clock, SystemClock
from app.credentials import endpoints as credentials
from app.db import service_settings
from app.db.migrate import unmigrated, upgrade
from app.db.session import make_engine, make_sessionmaker
from app.errors import (
    BadRequest,
    MalformedJson,
    NotFound,
    SafeJSONResponse,
    ServiceError,
    ValidationFailed,
    problem_type,
)
from app.health import endpoints as health
from app.http_client import GuardedClient
from app.jobs import endpoints as jobs
from app.jobs.worker import InProcessWorker, start_in_process
from app.keys import endpoints as keys
from app.keys.x5c import CertificateAuthority
from app.keystore import LocalKeyCustody
from app.logs import configure_logging
from app.metrics import endpoints as metrics
from app.metrics.middleware import MetricsMiddleware
from app.middleware import RequestContextMiddleware
from app.oid4vci import endpoints as oid4vci
from app.oid4vp import endpoints as oid4vp
from app.openapi import install_openapi
from app.pathways import endpoints as pathways
from app.presentations import endpoints as presentations
from app.ratelimit.middleware import RateLimitMiddleware
from app.settings import Settings, SettingsError
from app.state import AppState, app_state
from app.status import endpoints as status
from app.tenants import endpoints as tenants
from app.tokens import endpoints as tokens
from app.tokens.auth import ensure_bootstrap_admin
from app.trust import endpoints as trust
from app.vcapi import endpoints as vcapi
from app.verification import endpoints as verification
from app.verification.cache import TtlCache
from app.vocab import endpoints as vocab
from app.web import endpoints as web
from app.web.render import browser_not_found
from app.webhooks import endpoints as webhooks
from app.webhooks.dispatcher import Dispatcher
from issuer.achievement import AchievementError
from issuer.sd_jwt_vc import ProjectionError
from media.errors import MediaError
from proofs.jsonld import bundled_loader
from proofs.x509 import split_pem_chain
from verifier import UnreadableCredential, VerifiedStatusLists

__all__ = ["asgi", "create_app", "tune_gc"]

log = logging.getLogger("shomei")
PROBLEM_JSON = "application/problem+json"
# Each domain's endpoints, in the order their routes are matched.
DOMAINS = (
    tenants,
    tokens,
    keys,
    audit,
    health,
    vocab,
    achievements,
    credentials,
    status,
    vcapi,
    presentations,
    verification,
    web,
    oid4vci,
    webhooks,
    jobs,
    oid4vp,
    apidocs,
    metrics,
    trust,
    pathways,
    catalogue,
)


def _problem_response(error: ServiceError, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
    return SafeJSONResponse(
        error.to_problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _error_list(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Each validation error's place, message and type; never the input value."""
    return [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


# Errors of our own validators that mean "this input is not acceptable", wherever they are raised.
_INPUT_ERRORS = (AchievementError, ProjectionError, MediaError, UnreadableCredential)
_HTTP_PROBLEMS = {
    400: "malformed-request",
    405: "method-not-allowed",
    413: "payload-too-large",
    415: "unsupported-media-type",
}


def _install_error_handlers(app: FastAPI) -> None:
    """Every error becomes a problem: ours as they say, validation at the boundary or below it as 422,
    HTTP errors with their status. An unexpected exception is the middleware's (a logged 500 problem)."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        if exc.status == 404 and (page := browser_not_found(request)) is not None:
            return page  # a mistyped or unknown credential URL in a browser
        return _problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        if (page := browser_not_found(request)) is not None:
            return page  # /credentials/<not a UUID> in a browser
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return _problem_response(MalformedJson("the body could not be parsed as JSON"), request)
        return _problem_response(
            ValidationFailed("the request did not pass validation", errors=_error_list(errors)), request
        )

    @app.exception_handler(ValidationError)
    async def _model_error(request: Request, exc: ValidationError) -> JSONResponse:
        """A pydantic model built below the route from the request's values (a recipient in a query)."""
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        return _problem_response(
            ValidationFailed("the request did not pass validation", errors=_error_list(errors)), request
        )

    async def _input_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, AchievementError):  # as the achievements service reports it
            error = ValidationFailed(str(exc), type_name="invalid-achievement", errors=exc.errors)
            return _problem_response(error, request)
        return _problem_response(ValidationFailed(str(exc) or "the request is not valid"), request)

    for error_class in _INPUT_ERRORS:
        app.add_exception_handler(error_class, _input_error)

    @app.exception_handler(ClientDisconnect)
    async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
        """The client left before its body ended: its request, not ours (no unhandled error, never a 500);
        nobody reads the answer."""
        error = BadRequest("the request ended before its body did", type_name="incomplete-body")
        return _problem_response(error, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _problem_response(NotFound("no such resource"), request)
        name = _HTTP_PROBLEMS.get(exc.status_code, "http-error")
        body = {"type": problem_type(name), "title": str(exc.detail), "status": exc.status_code}
        return SafeJSONResponse(
            body, status_code=exc.status_code, media_type=PROBLEM_JSON, headers=exc.headers
        )


def _read_anchors(path: Path | None) -> list[bytes]:
    return split_pem_chain(path.read_text()) if path else []


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the ASGI app. Settings default to the environment (``SHOMEI_*``)."""
    settings = settings or Settings()
    settings.check_production()  # an http or local base URL, private fetches or a weak admin token
    kek = settings.load_kek()  # refuses to start without one outside development

    ca = CertificateAuthority.from_kek(kek)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = app_state(app)
        configure_logging(settings.log_level, json_logs=settings.log_json)
        engine = make_engine(settings.database_url)
        dispatcher: Dispatcher | None = None
        job_worker: InProcessWorker | None = None
        try:
            if settings.migrate_on_start:
                upgrade(engine)
            elif (behind := unmigrated(engine)) is not None:
                raise SettingsError(f"{behind}: run `shomei db upgrade`", code="database-not-migrated")
            factory = make_sessionmaker(engine)
            with factory.begin() as session:
                generated = ensure_bootstrap_admin(
                    session, settings.admin_token.get_secret_value() if settings.admin_token else None
                )
                # What the CLI mints did:web DIDs from when run without this server's environment.
                service_settings.record(
                    session, service_settings.PUBLIC_BASE_URL, settings.public_base_url, now=state.clock.now()
                )
            if generated:
                # Printed once, to the operator's terminal; only the hash is stored.
                print(f"\n  Shomei admin token (shown once, store it now): {generated}\n", flush=True)  # noqa: T201
            state.open_database(engine, factory)
            if settings.webhook_dispatcher:
                dispatcher = Dispatcher(state)
                dispatcher.start()
            # Which database, never its credentials: the password, and the query, where libpq takes one
            # too (``?password=``, ``?sslpassword=``).
            where = engine.url.set(query={}).render_as_string(hide_password=True)
            log.info("started", extra={"database": where})
            if settings.runs_in_process_worker:  # bulk jobs on SQLite: `make run` does everything
                job_worker = start_in_process(state)
            if settings.http_issuer_allowed:
                log.warning(
                    "SD-JWT VCs carry the http issuer identifier of this loopback development service "
                    "(wallets expect https; production refuses an http base URL)",
                    extra={"public_base_url": settings.public_base_url},
                )
            yield
        finally:
            if dispatcher is not None:
                dispatcher.stop()
            if job_worker is not None:
                job_worker.stop()
            engine.dispose()
            state.http.close()

    app = FastAPI(
        title="Shomei",
        summary="Issue and verify micro-credentials as Open Badges 3.0 / W3C Verifiable Credentials",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # app/apidocs serves /docs and /redoc from packaged assets
        redoc_url=None,
    )
    app.state.shomei = AppState(
        settings=settings,
        clock=clock or SystemClock(),
        custody=LocalKeyCustody(kek=kek),
        loader=bundled_loader(),
        lookup_key=hmac.new(kek, b"shomei/recipient-lookup/v1", hashlib.sha256).digest(),
        http=GuardedClient(
            timeout=settings.http_timeout_seconds,
            max_bytes=settings.http_max_response_bytes,
            allow_private=settings.http_allow_private,
        ),
        status_cache=TtlCache[str](ttl=settings.status_list_max_age_seconds),
        did_cache=TtlCache[str](ttl=300),
        image_cache=TtlCache[bytes](ttl=3600, max_entries=64),
        verified_lists=VerifiedStatusLists(),
        ca=ca,
        trust_anchors=[ca.der, *_read_anchors(settings.trust_anchors_file)],
        wallet_trust_anchors=_read_anchors(settings.wallet_trust_anchors_file),
        webhook_key=hmac.new(kek, b"shomei/webhook-secrets/v1", hashlib.sha256).digest(),
    )
    app.add_middleware(
        RateLimitMiddleware,
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        limit_loopback=settings.rate_limits_loopback,
    )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    _install_error_handlers(app)
    for domain in DOMAINS:
        app.include_router(domain.router)
    install_openapi(app)  # security and the problem responses each operation answers
    return app


def asgi() -> Any:
    """Factory for ``uvicorn --factory app.main:asgi``."""
    app = create_app()
    tune_gc()
    return app


def tune_gc() -> None:
    """For a server process: what exists after start-up (modules, the app, the pinned contexts) lives as
    long as the process, so it leaves the cyclic garbage collector's view (``gc.freeze``), and the
    youngest generation is collected every 20,000 allocations instead of 700. A request allocates tens of
    thousands of short-lived objects (JSON-LD expansion, quads), freed by reference counting; with the
    default thresholds the collector ran several times per request over the whole heap's older objects."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
