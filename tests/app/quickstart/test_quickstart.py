"""The README's quick start, as a new user runs it: ``examples/quickstart.sh`` against a live server (uvicorn,
a fresh database, the plain ``http`` loopback base URL of ``make run``), on SQLite and PostgreSQL; and the
README's quick start is that script's story, step by step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN
from tests.live import free_port, live_server
from tests.paths import ROOT

SCRIPT = ROOT / "examples" / "quickstart.sh"


def _run(base: str, env_base: bool = False, token: str = ADMIN_TOKEN) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "SHOMEI_ADMIN_TOKEN": token}
    args = ["sh", str(SCRIPT)]
    if env_base:
        env["SHOMEI_BASE_URL"] = base
    else:
        args.append(base)
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=240, check=False)


@pytest.mark.e2e
@pytest.mark.xdist_group("quickstart")
def test_quickstart_runs_end_to_end_on_a_fresh_server(tmp_path: Path, fresh_database: str) -> None:
    with live_server(
        tmp_path,
        public_https=False,
        env={
            "SHOMEI_DATABASE_URL": fresh_database,
            "SHOMEI_ENVIRONMENT": "development",
            "SHOMEI_RATE_LIMIT_PER_MINUTE": "120",  # as make run starts it
        },
    ) as base:
        done = _run(base)
        assert done.returncode == 0, done.stdout + done.stderr
        steps = re.findall(r"^== (\d)\.", done.stdout, flags=re.MULTILINE)
        assert steps == ["1", "2", "3", "4", "5", "6"], done.stdout
        port = base.rsplit(":", 1)[1]
        # The DID names the server's own port (no port 8000 hard-wired anywhere).
        assert f"did:web:127.0.0.1%3A{port}:issuers:uu" in done.stdout
        # What the script left behind: the credential revoked, after its offer was made.
        credential = re.search(r"^credential: (\S+)$", done.stdout, flags=re.MULTILINE)
        assert credential is not None and credential.group(1).startswith(base + "/credentials/")
        report = httpx.post(f"{base}/v1/verify", json={"url": credential.group(1)}, timeout=30).json()
        assert report["verified"] is False
        failed = {c["id"] for c in report["checks"] if c["outcome"] == "failed"}
        assert failed == {"status"}, report
        # Run again on the same server: the issuer exists now, and the script stops there, non-zero.
        again = _run(base, env_base=True)
        assert again.returncode != 0 and "answered 409" in again.stderr


@pytest.mark.e2e
@pytest.mark.xdist_group("quickstart")
def test_quickstart_against_what_make_run_starts(tmp_path: Path) -> None:
    """``make run`` is ``shomei serve`` with ``SHOMEI_PORT`` and nothing else: the embedded database and the
    development KEK under ./var, the admin token printed once, the base URL http://127.0.0.1:PORT. The
    script runs against it with the printed token."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")}
    environment |= {"SHOMEI_PORT": str(port), "SHOMEI_LOG_LEVEL": "WARNING"}
    output = (tmp_path / "serve.out").open("w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=tmp_path,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        token = _wait_for_token(tmp_path / "serve.out", server)
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, server)
        done = _run(base, token=token)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"did:web:127.0.0.1%3A{port}:issuers:uu" in done.stdout
        assert (tmp_path / "var" / "shomei.db").exists() and (tmp_path / "var" / "kek").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
        output.close()


def _wait_for_token(log: Path, server: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = re.search(r"admin token \(shown once, store it now\): (\S+)", log.read_text())
        if found:
            return found.group(1)
        assert server.poll() is None, log.read_text()[-2000:]
        time.sleep(0.3)
    raise AssertionError("no admin token printed: " + log.read_text()[-2000:])


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server.poll() is None
        time.sleep(0.3)
    raise AssertionError("the server did not become ready")


def _readme_quickstart() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Quick start")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_readme_tells_the_scripts_story_in_its_order() -> None:
    """Every request of the script is in the README's quick start, in the same order, and the README
    names no fixed port in its requests."""
    script = SCRIPT.read_text(encoding="utf-8")
    calls = re.findall(r"^\s*call \d{3} (GET|POST) (\S+)", script, flags=re.MULTILINE)
    readme = _readme_quickstart()
    position = 0
    for method, path in calls:
        path = path.strip("'\"").replace("$SLUG", "uu").split("?")[0]
        needle = path if method == "GET" else f'-X POST "$BASE{path}'
        found = readme.find(needle, position)
        assert found >= 0, f"{method} {path} is not in the README after position {position}"
        position = found
    curls = [line for line in readme.splitlines() if line.startswith("curl ")]
    assert len(curls) == len(calls)
    assert all('"$BASE/' in line for line in curls), curls
    assert '"scopes":["issue","revoke","read"]' in readme
    for example in ("eu-microcredential.json", "jp-mc-framework.json", "eu-and-jp.json"):
        assert f"examples/{example}" in readme
