"""``shomei`` command line: serve, database migrations, tenants, tokens and keys.

Domain errors become a message on stderr and exit code 1 here, at the edge.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from app.db.migrate import downgrade as db_downgrade
from app.db.migrate import upgrade as db_upgrade
from app.db.session import make_engine, make_sessionmaker
from app.errors import ServiceError
from app.keys import service as keys
from app.keystore import LocalKeyCustody
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


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        _fail(f"invalid settings: {exc}")
        raise


@contextmanager
def _unit_of_work() -> Iterator[tuple[Settings, Session]]:
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield settings, session
    except ServiceError as exc:
        _fail(f"{exc.type_name}: {exc}")
    finally:
        engine.dispose()


def _custody(settings: Settings) -> LocalKeyCustody:
    try:
        return LocalKeyCustody(kek=settings.load_kek())
    except SettingsError as exc:
        _fail(str(exc))
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
    try:
        settings.load_kek()
    except SettingsError as exc:
        _fail(str(exc))
    uvicorn.run(
        "app.main:asgi",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
    )


@db_app.command("upgrade")
def db_upgrade_cmd(revision: str = "head") -> None:
    """Apply migrations (default: to head)."""
    engine = make_engine(_settings().database_url)
    db_upgrade(engine, revision)
    engine.dispose()
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade_cmd(revision: str) -> None:
    """Revert migrations to a revision ('base' removes everything)."""
    engine = make_engine(_settings().database_url)
    db_downgrade(engine, revision)
    engine.dispose()
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


@tenant_app.command("list")
def tenant_list() -> None:
    """List tenants."""
    with _unit_of_work() as (settings, session):
        _print([tenants.tenant_out(settings, t).model_dump(mode="json") for t in tenants.list_all(session)])


@token_app.command("create")
def token_create(slug: str, scope: Annotated[list[str], typer.Option("--scope")]) -> None:
    """Create an API token for a tenant (printed once)."""
    try:
        body = TokenCreate(scopes=scope)
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


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
