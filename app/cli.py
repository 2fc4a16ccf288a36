"""``shomei`` command line: serve, the bulk job worker, database migrations, tenants, tokens and keys; the
client commands of ``app.cli_client`` (issue, bulk, verify, revoke, jobs show) talk to a running server.

Domain errors, settings that do not allow a start (``SettingsError``: production refusals, a database that
is unreachable or not migrated) become one line ``error: <code>: <reason>`` on stderr and exit code 1 here,
at the edge, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.cli_client import commands as client_commands
from app.db import service_settings
from app.db.migrate import downgrade as db_downgrade
from app.db.migrate import unmigrated
from app.db.migrate import upgrade as db_upgrade
from app.db.session import make_engine, make_sessionmaker
from app.errors import ServiceError
from app.keys import service as keys
from app.keystore import LocalKeyCustody
from app.metrics.service import MULTIPROC_ENV
from app.settings import Settings, SettingsError
from app.tenants import service as tenants
from app.tokens import service as tokens
from proofs.keys import KeyAlgorithm
from schemas.api import AddressIn, TenantCreate, TokenCreate

app = typer.Typer(help="Shomei: issue and verify micro-credentials.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
tenant_app = typer.Typer(help="Issuer tenants.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
key_app = typer.Typer(help="Signing keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tenant_app, name="tenant")
app.add_typer(token_app, name="token")
app.add_typer(key_app, name="key")


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _refuse(exc: SettingsError) -> None:
    _fail(f"{exc.code}: {exc}")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fields = "; ".join(
            f"SHOMEI_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        _fail(f"invalid-settings: {fields}")
        raise


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _require_schema(engine: Engine) -> None:
    """Refuse (one line, exit 1) when the database cannot be reached or its schema is behind the code."""
    try:
        behind = unmigrated(engine)
    except OperationalError as exc:
        _refuse(SettingsError(_first_line(exc.orig or exc), code="database-unreachable"))
        return
    if behind is not None:
        _refuse(SettingsError(f"{behind}: run `shomei db upgrade`", code="database-not-migrated"))


@contextmanager
def _database(settings: Settings) -> Iterator[Engine]:
    """An engine on the settings' database, disposed at the end; an unreachable one is refused."""
    engine = make_engine(settings.database_url)
    try:
        yield engine
    except OperationalError as exc:
        _refuse(SettingsError(_first_line(exc.orig or exc), code="database-unreachable"))
    finally:
        engine.dispose()


@contextmanager
def _unit_of_work() -> Iterator[tuple[Settings, Session]]:
    settings = _settings()
    with _database(settings) as engine:
        _require_schema(engine)
        try:
            with make_sessionmaker(engine).begin() as session:
                yield _served_base_url(settings, session), session
        except ServiceError as exc:
            _fail(f"{exc.type_name}: {exc}")


def _custody(settings: Settings) -> LocalKeyCustody:
    try:
        return LocalKeyCustody(kek=settings.load_kek())
    except SettingsError as exc:
        _refuse(exc)
        raise


def _print(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(envvar="SHOMEI_HOST")] = None,
    port: Annotated[int | None, typer.Option(envvar="SHOMEI_PORT")] = None,
    workers: Annotated[int, typer.Option(envvar="SHOMEI_WORKERS")] = 1,
) -> None:
    """Run the HTTP service."""
    import uvicorn

    settings = _settings()
    refusals = settings.production_refusals()
    for refusal in refusals:
        typer.echo(f"error: {refusal.code}: {refusal}", err=True)
    if refusals:
        raise typer.Exit(1)
    try:
        settings.load_kek()
    except SettingsError as exc:
        _refuse(exc)
    if not settings.migrate_on_start:
        with _database(settings) as engine:
            _require_schema(engine)
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        # Each worker counts in its own process: /metrics adds up their files (prometheus-client's
        # multi-process mode). A fresh directory per start, so no old counts are added in.
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="shomei-metrics-")
    uvicorn.run(
        "app.main:asgi",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
    )


@app.command()
def worker(
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="stop once no job has a row left to issue")
    ] = False,
    threads: Annotated[int, typer.Option(min=1, max=64, envvar="SHOMEI_JOBS_WORKER_THREADS")] = 2,
) -> None:
    """Run a bulk issuance job worker (any number, beside the API, on the same PostgreSQL database)."""
    import signal
    import threading

    from app.db.session import make_sessionmaker as sessions
    from app.jobs.worker import run_threads
    from app.logs import configure_logging
    from app.main import create_app
    from app.state import app_state

    settings = _settings()
    try:
        state = app_state(create_app(settings))
    except SettingsError as exc:
        _refuse(exc)
        return
    configure_logging(settings.log_level, json_logs=settings.log_json)
    with _database(settings) as engine:
        _require_schema(engine)
        state.open_database(engine, sessions(engine))
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        workers = run_threads(state, stop, threads=threads, exit_when_idle=exit_when_idle)
        issued, failed = sum(w.issued for w in workers), sum(w.failed for w in workers)
        typer.echo(json.dumps({"worker": workers[0].name, "issued": issued, "failed": failed}))


@db_app.command("upgrade")
def db_upgrade_cmd(revision: str = "head") -> None:
    """Apply migrations (default: to head)."""
    with _database(_settings()) as engine:
        db_upgrade(engine, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade_cmd(revision: str) -> None:
    """Revert migrations to a revision ('base' removes everything)."""
    with _database(_settings()) as engine:
        db_downgrade(engine, revision)
    typer.echo(f"database at {revision}")


@tenant_app.command("create")
def tenant_create(
    slug: str,
    name: Annotated[str, typer.Option()],
    url: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2")],
    did_method: Annotated[str, typer.Option()] = "web",
) -> None:
    """Create an issuer tenant."""
    try:
        body = TenantCreate(
            slug=slug,
            name=name,
            url=url,
            email=email,
            address=AddressIn(addressCountryCode=country),
            did_method=did_method,
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    with _unit_of_work() as (settings, session):
        tenant = tenants.create(session, body, actor=None)
        _print(tenants.tenant_out(settings, tenant).model_dump(mode="json"))
        _base_url_note(settings)


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants."""
    with _unit_of_work() as (settings, session):
        _print([tenants.tenant_out(settings, t).model_dump(mode="json") for t in tenants.list_all(session)])
        _base_url_note(settings)


def _served_base_url(settings: Settings, session: Session) -> Settings:
    """The settings with the public base URL the server last started with (recorded in the database),
    unless this shell names one (SHOMEI_PUBLIC_BASE_URL): did:web DIDs are minted from it, not stored."""
    if "SHOMEI_PUBLIC_BASE_URL" in os.environ:
        return settings
    served = service_settings.read(session, service_settings.PUBLIC_BASE_URL)
    if served is None or served == settings.public_base_url:
        return settings
    return settings.model_copy(update={"public_base_url": served})


def _base_url_note(settings: Settings) -> None:
    """did:web DIDs are minted from the public base URL, not stored: say which one (on stderr)."""
    typer.echo(
        f"note: did:web DIDs derive from the public base URL {settings.public_base_url} "
        "(SHOMEI_PUBLIC_BASE_URL from the environment, else the one the server last started with, else "
        "./.env; unset: http://SHOMEI_HOST:SHOMEI_PORT)",
        err=True,
    )


@token_app.command("create")
def token_create(
    slug: str,
    scope: Annotated[list[str], typer.Option("--scope")],
    expires_at: Annotated[
        str | None, typer.Option("--expires-at", help="ISO 8601 with a time zone, e.g. 2027-01-31T00:00:00Z")
    ] = None,
) -> None:
    """Create an API token for a tenant (printed once)."""
    try:
        body = TokenCreate(
            scopes=scope, expires_at=dt.datetime.fromisoformat(expires_at) if expires_at else None
        )
    except ValueError as exc:
        _fail(str(exc))
        return
    with _unit_of_work() as (_, session):
        tenant = tenants.get_by_slug(session, slug)
        _print(tokens.create(session, tenant, body, actor=None).model_dump(mode="json"))


@key_app.command("create")
def key_create(slug: str, key_type: Annotated[str, typer.Option("--type")] = "Ed25519") -> None:
    """Generate a signing key."""
    with _unit_of_work() as (settings, session):
        tenant = tenants.get_by_slug(session, slug)
        row = keys.create(session, tenant, KeyAlgorithm(key_type), custody=_custody(settings), actor=None)
        _print(keys.key_out(settings, tenant, row).model_dump(mode="json"))


@key_app.command("rotate")
def key_rotate(slug: str, key_type: Annotated[str, typer.Option("--type")] = "Ed25519") -> None:
    """Rotate the active key of a type."""
    with _unit_of_work() as (settings, session):
        tenant = tenants.get_by_slug(session, slug)
        row = keys.rotate(session, tenant, KeyAlgorithm(key_type), custody=_custody(settings), actor=None)
        _print(keys.key_out(settings, tenant, row).model_dump(mode="json"))


@key_app.command("list")
def key_list(slug: str) -> None:
    """List a tenant's keys."""
    with _unit_of_work() as (settings, session):
        tenant = tenants.get_by_slug(session, slug)
        _print(
            [
                keys.key_out(settings, tenant, k).model_dump(mode="json")
                for k in keys.list_keys(session, tenant)
            ]
        )


# The client commands for pipelines (issue, bulk, verify, revoke, jobs show): HTTP to a running server.
client_commands.register(app)


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(f"error: {exc.code}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
