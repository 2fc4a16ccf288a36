"""``shomei tenant list`` shows the DID the server serves without the server's environment: the settings
come from ``.env`` in the working directory too, and an unset public base URL follows the port."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.main import create_app
from app.testing import SyncClient
from tests.cli_runner import run_cli
from tests.conftest import TEST_KEK, make_settings


def _cli(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = run_cli(env, *args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _json(cwd: Path, env: dict[str, str], *args: str) -> Any:
    return json.loads(_cli(cwd, env, *args))


def _create(cwd: Path, env: dict[str, str], slug: str) -> Any:
    args = ("--name", "U", "--url", "https://u.example", "--email", "a@u.example", "--country", "NL")
    return _json(cwd, env, "tenant", "create", slug, *args)


def test_the_settings_file_gives_the_cli_the_servers_base_url(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'var' / 'shomei.db'}"
    (tmp_path / ".env").write_text(
        "# what the server runs with\n"
        f"SHOMEI_DATABASE_URL={database}\n"
        "SHOMEI_PUBLIC_BASE_URL=https://badges.example.org/shomei\n"
        f"SHOMEI_KEK={TEST_KEK}\n",
        encoding="utf-8",
    )
    (tmp_path / "var").mkdir()
    _cli(tmp_path, {}, "db", "upgrade")
    created = _create(tmp_path, {}, "uu")
    assert created["did"] == "did:web:badges.example.org:shomei:issuers:uu"
    (listed,) = _json(tmp_path, {}, "tenant", "list")
    assert listed["did"] == created["did"]
    # The CLI says which base URL its DIDs come from.
    assert "https://badges.example.org/shomei" in run_cli({}, "tenant", "list", cwd=tmp_path).stderr
    # The environment still wins over the file.
    (other,) = _json(tmp_path, {"SHOMEI_PUBLIC_BASE_URL": "https://other.example"}, "tenant", "list")
    assert other["did"] == "did:web:other.example:issuers:uu"


def test_an_unset_base_url_follows_the_port(tmp_path: Path) -> None:
    env = {"SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path / 'shomei.db'}", "SHOMEI_KEK": TEST_KEK}
    _cli(tmp_path, env, "db", "upgrade")
    created = _create(tmp_path, {**env, "SHOMEI_PORT": "8123"}, "uu")
    assert created["did"] == "did:web:127.0.0.1%3A8123:issuers:uu"
    (listed,) = _json(tmp_path, env, "tenant", "list")  # no port: the default one
    assert listed["did"] == "did:web:127.0.0.1%3A8000:issuers:uu"


def test_the_cli_uses_the_base_url_the_server_last_started_with(tmp_path: Path) -> None:
    """A shell with nothing of the server's settings but the database: the DIDs are the ones it serves."""
    database = f"sqlite:///{tmp_path / 'shomei.db'}"
    settings = make_settings(database, public_base_url="https://badges.example.org/uni")
    server = SyncClient(create_app(settings))  # its start records the base URL it serves
    assert server.get("/healthz").status_code == 200
    server.close()
    env = {"SHOMEI_DATABASE_URL": database}
    created = _create(tmp_path, env, "uu")
    assert created["did"] == "did:web:badges.example.org:uni:issuers:uu"
    (listed,) = _json(tmp_path, env, "tenant", "list")
    assert listed["did"] == created["did"]
    assert "https://badges.example.org/uni" in run_cli(env, "tenant", "list", cwd=tmp_path).stderr
    # A shell that names a base URL still decides.
    (other,) = _json(tmp_path, {**env, "SHOMEI_PUBLIC_BASE_URL": "https://other.example"}, "tenant", "list")
    assert other["did"] == "did:web:other.example:issuers:uu"
