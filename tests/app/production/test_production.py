"""``SHOMEI_ENVIRONMENT=production`` refuses to start on unsafe settings, and every start (app or CLI) refuses a
database whose schema is behind the code, each with a ``SettingsError`` code (a one-line ``error: <code>:``
on the CLI, exit code 1, no traceback) — the database cases on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from app.db.migrate import upgrade
from app.db.session import make_engine
from app.main import create_app
from app.settings import Settings, SettingsError
from tests.cli_runner import run_cli
from tests.conftest import TEST_KEK
from tests.databases import fresh_database

STRONG_TOKEN = "shm_" + "p" * 40
GOOD: dict[str, Any] = {
    "environment": "production",
    "public_base_url": "https://badges.example.edu",
    "admin_token": STRONG_TOKEN,
    "kek": TEST_KEK,
    "http_allow_private": False,
}


def _production(**changes: Any) -> Settings:
    return Settings(**{**GOOD, "database_url": "sqlite:///unused.db", **changes})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database with no schema."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


def _migrate(url: str, revision: str = "head") -> None:
    engine = make_engine(url)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()


def _start(app: FastAPI) -> None:
    """Run the app's start-up and shut-down (its lifespan), as a server would."""

    async def run() -> None:
        async with app.router.lifespan_context(app):
            pass

    anyio.run(run)


# --- settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"public_base_url": "http://127.0.0.1:8000"}, "insecure-base-url"),  # the default
        ({"public_base_url": "http://badges.example.edu"}, "insecure-base-url"),
        ({"public_base_url": "https://localhost:8443"}, "local-base-url"),
        ({"public_base_url": "https://127.0.0.1"}, "local-base-url"),
        ({"public_base_url": "https://[::1]:8443"}, "local-base-url"),
        ({"public_base_url": "https://0.0.0.0"}, "local-base-url"),
        ({"http_allow_private": True}, "private-addresses-allowed"),
        ({"admin_token": "shm_" + "w" * 27}, "weak-admin-token"),  # 31 characters
    ],
)
def test_production_refuses_each_unsafe_setting(changes: dict[str, Any], code: str) -> None:
    settings = _production(**changes)
    assert [r.code for r in settings.production_refusals()] == [code]
    with pytest.raises(SettingsError) as refused:
        create_app(settings)
    assert refused.value.code == code
    assert "\n" not in str(refused.value)


def test_the_default_base_url_is_refused_in_production() -> None:
    values = {k: v for k, v in GOOD.items() if k != "public_base_url"}
    settings = Settings(**values, database_url="sqlite:///unused.db")
    assert [r.code for r in settings.production_refusals()] == ["insecure-base-url"]


def test_every_refusal_is_reported() -> None:
    settings = _production(
        public_base_url="http://badges.example.edu", http_allow_private=True, admin_token="short-token"
    )
    assert [r.code for r in settings.production_refusals()] == [
        "insecure-base-url",
        "private-addresses-allowed",
        "weak-admin-token",
    ]


def test_safe_production_settings_and_other_environments_are_not_refused() -> None:
    assert _production().production_refusals() == []
    assert _production(admin_token=None).production_refusals() == []
    assert _production(admin_token="x" * 32).production_refusals() == []
    for environment in ("development", "test"):
        unsafe = _production(
            environment=environment, public_base_url="http://127.0.0.1:8000", http_allow_private=True
        )
        assert unsafe.production_refusals() == []
        unsafe.check_production()


# --- the database's schema at start-up ----------------------------------------------------------------------


def test_production_refuses_to_start_on_a_database_without_schema(empty_database: str) -> None:
    app = create_app(_production(database_url=empty_database))
    with pytest.raises(SettingsError) as refused:
        _start(app)
    assert refused.value.code == "database-not-migrated"
    assert "shomei db upgrade" in str(refused.value)


def test_a_start_without_migrations_refuses_a_database_behind_the_code(empty_database: str) -> None:
    _migrate(empty_database, "0005")
    app = create_app(_production(database_url=empty_database, auto_migrate=False))
    with pytest.raises(SettingsError) as refused:
        _start(app)
    assert refused.value.code == "database-not-migrated"


def test_a_migrated_database_starts_and_an_auto_migrating_start_migrates(empty_database: str) -> None:
    _start(create_app(_production(database_url=empty_database, auto_migrate=True)))
    _start(create_app(_production(database_url=empty_database)))


# --- the CLI ---------------------------------------------------------------------------------------------


def _refused(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The codes of the one-line refusals (``error: <code>: …``) of a run that exited 1 without a traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    return [line.split(": ", 2)[1] for line in lines]


PRODUCTION_ENV = {
    "SHOMEI_ENVIRONMENT": "production",
    "SHOMEI_PUBLIC_BASE_URL": "https://badges.example.edu",
    "SHOMEI_ADMIN_TOKEN": STRONG_TOKEN,
}


def test_serve_refuses_unsafe_production_settings_with_one_line_each(tmp_path: Path) -> None:
    env = {
        **PRODUCTION_ENV,
        "SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "SHOMEI_PUBLIC_BASE_URL": "http://127.0.0.1:8000",
        "SHOMEI_HTTP_ALLOW_PRIVATE": "true",
        "SHOMEI_ADMIN_TOKEN": "shm_short",
    }
    codes = _refused(run_cli(env, "serve"))
    assert codes == ["insecure-base-url", "private-addresses-allowed", "weak-admin-token"]


def test_serve_and_commands_refuse_an_unmigrated_database(empty_database: str) -> None:
    env = {**PRODUCTION_ENV, "SHOMEI_DATABASE_URL": empty_database}
    assert _refused(run_cli(env, "serve")) == ["database-not-migrated"]
    assert "shomei db upgrade" in run_cli(env, "serve").stderr
    for command in (
        ("tenant", "list"),
        ("key", "list", "uni-x"),
        ("token", "create", "uni-x", "--scope", "read"),
    ):
        assert _refused(run_cli(env, *command)) == ["database-not-migrated"]
    _migrate(empty_database, "0005")
    assert _refused(run_cli(env, "tenant", "list")) == ["database-not-migrated"]
    upgraded = run_cli(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    listed = run_cli(env, "tenant", "list")
    assert listed.returncode == 0 and listed.stdout.strip() == "[]", listed.stderr


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_commands_refuse_an_unreachable_database(tmp_path: Path, kind: str) -> None:
    url = {
        "sqlite": f"sqlite:///{tmp_path}",  # a directory, not a database file
        "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/none",  # nothing listens on port 1
    }[kind]
    env = {**PRODUCTION_ENV, "SHOMEI_DATABASE_URL": url}
    for command in (("tenant", "list"), ("db", "upgrade"), ("serve",)):
        assert _refused(run_cli(env, *command)) == ["database-unreachable"]


def test_invalid_settings_are_one_line(tmp_path: Path) -> None:
    env = {"SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "SHOMEI_PUBLIC_BASE_URL": "ftp://x"}
    assert _refused(run_cli(env, "tenant", "list")) == ["invalid-settings"]
