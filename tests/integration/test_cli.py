"""The ``shomei`` CLI against a real SQLite database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli_runner import run_cli


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        {"SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "SHOMEI_ENVIRONMENT": "test"}, *args
    )


def test_cli_db_tenant_token_and_key(tmp_path: Path) -> None:
    assert _run(tmp_path, "db", "upgrade").returncode == 0
    r = _run(
        tmp_path, "tenant", "create", "cli-uni", "--name", "CLI Uni", "--url", "https://c.example",
        "--email", "a@c.example", "--country", "JP",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["did"].endswith(":issuers:cli-uni")
    r = _run(tmp_path, "key", "create", "cli-uni", "--type", "P-256")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["publicKeyMultibase"].startswith("zDna")
    r = _run(tmp_path, "token", "create", "cli-uni", "--scope", "issue", "--scope", "read")
    assert r.returncode == 0 and json.loads(r.stdout)["token"].startswith("shm_")
    r = _run(tmp_path, "key", "create", "cli-uni", "--type", "P-256")
    assert r.returncode == 1 and "active-key-exists" in r.stderr
    r = _run(tmp_path, "key", "create", "no-such", "--type", "P-256")
    assert r.returncode == 1 and "not-found" in r.stderr
