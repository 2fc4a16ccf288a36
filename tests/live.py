"""A real server in a subprocess (uvicorn, embedded SQLite) for the checkers that speak HTTP."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import ADMIN_TOKEN
from tests.paths import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(
    tmp_path: Path, *, public_https: bool = True, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Start ``uvicorn --factory app.main:asgi`` on a free loopback port; yields its (plain HTTP) base URL.

    By default the public base URL is ``https://127.0.0.1:PORT`` (SD-JWT VC issuers are HTTPS URLs; the
    checkers request https loopback URLs as plain HTTP on the same port). A browser needs the plain one.
    ``env`` adds (or overrides) environment variables of the server, e.g. more ``SHOMEI_*`` settings."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")},
        "SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path / 'live.db'}",
        "SHOMEI_ADMIN_TOKEN": ADMIN_TOKEN,
        "SHOMEI_KEK": base64.b64encode(os.urandom(32)).decode(),
        "SHOMEI_ENVIRONMENT": "test",
        "SHOMEI_AUTO_MIGRATE": "true",
        "SHOMEI_PUBLIC_BASE_URL": f"https://127.0.0.1:{port}" if public_https else base,
        "SHOMEI_HTTP_ALLOW_PRIVATE": "true",
        "SHOMEI_LOG_LEVEL": "WARNING",
        "SHOMEI_RATE_LIMIT_PER_MINUTE": "0",  # the checkers' many requests from one address
        **(env or {}),
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "app.main:asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the server did not start: " + (tmp_path / "server.log").read_text()[-2000:]
                )
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
