"""What the benchmark scripts share: figures (median, p90, load) and the real server in a subprocess."""

from __future__ import annotations

import base64
import contextlib
import gc
import hashlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT = 60.0
WARM_UP = 5
BLOCK = 20
PG_ADMIN_URL = os.environ.get("SHOMEI_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10)[-1] if len(samples) > 1 else samples[0]


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare_database(url: str, admin_token: str) -> None:
    """Migrate and create the bootstrap admin before the server starts: with several uvicorn workers,
    each would otherwise migrate and insert the admin token at the same time on a fresh database."""
    from app.db.migrate import upgrade
    from app.db.session import make_engine, make_sessionmaker
    from app.tokens.auth import ensure_bootstrap_admin

    engine = make_engine(url)
    try:
        upgrade(engine)
        with make_sessionmaker(engine).begin() as session:
            ensure_bootstrap_admin(session, admin_token)
    finally:
        engine.dispose()


@contextlib.contextmanager
def server(
    url: str,
    *,
    admin_token: str,
    log: Path,
    workers: int = 1,
    root: Path = ROOT,
    pids: list[int] | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[str]:
    """``uvicorn --factory app.main:asgi`` (the code under ``root``) on a free port; yields its base URL
    once /readyz answers, and stops it on the way out. ``pids`` receives the server's process id (its
    workers, if several, are its children: ``server_cpu_seconds``); ``extra_env`` overrides its SHOMEI_*
    settings (a KEK that job workers share)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "SHOMEI_DATABASE_URL": url,
        "SHOMEI_ADMIN_TOKEN": admin_token,
        "SHOMEI_KEK": base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        "SHOMEI_ENVIRONMENT": "test",
        "SHOMEI_AUTO_MIGRATE": "true",
        "SHOMEI_LOG_LEVEL": "WARNING",
        "SHOMEI_PUBLIC_BASE_URL": base,
        **(extra_env or {}),
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "app.main:asgi", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    with log.open("wb") as out:
        # Own session: a Ctrl-C in the terminal reaches this script, which then stops the server itself.
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    if pids is not None:
        pids.append(proc.pid)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        with httpx.Client(base_url=base, timeout=5) as client:
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"the server exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
                    )
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server was not ready in {READY_TIMEOUT:.0f} s")
                time.sleep(0.1)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the group of the server started above, nothing else
                proc.wait()


def server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server ``pid`` and every process of its group (the
    uvicorn workers), from /proc; NaN where there is no /proc."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return float("nan")
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp ...
        if int(entry) == pid or int(fields[2]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


CROSSCHECK_DIRS = (ROOT / ".tools" / "vc-crosscheck", ROOT.parent / "shared" / "tools" / "vc-crosscheck")


def digital_bazaar_rates(n: int = 100) -> tuple[float, float] | None:
    """Digital Bazaar's bare in-process rates (sign/s, verify/s; eddsa-rdfc-2022, one Node process,
    sequential) from ``vc-crosscheck``'s ``bench.mjs`` (``make tools``), measured now so that a ratio
    compares two figures of the same run; None (with a line saying why) where Node or the tool is missing."""
    tool = next((d for d in CROSSCHECK_DIRS if (d / "node_modules").is_dir()), None)
    if tool is None:
        print("  (Digital Bazaar reference skipped: no vc-crosscheck with node_modules; run `make tools`)")
        return None
    cmd = ["node", "bench.mjs", "--n", str(n), "--warmup", "20", "--json"]
    try:
        out = subprocess.run(cmd, cwd=tool, capture_output=True, timeout=600, check=True).stdout
        results = {r["label"].split(" (")[0]: float(r["ops_per_s"]) for r in json.loads(out)["results"]}
        return results["DI eddsa-rdfc-2022 sign"], results["DI eddsa-rdfc-2022 verify"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        print(f"  (Digital Bazaar reference failed: {type(exc).__name__}: {str(exc)[:200]})")
        return None


def goal_ratios(rate: float, *, goal: float, unit: str, reference: float | None, what: str) -> str:
    """``rate`` against the issue's goal and against Digital Bazaar's in-process rate of the same run."""
    text = f"{rate / goal:5.2f}x the goal of {goal:,.0f} {unit}"
    if reference:
        text += f"; {rate / reference:5.2f}x Digital Bazaar's in-process {what} ({reference:.1f}/s, same run)"
    return text


REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"


class ApiClient(Protocol):
    """What the API helpers need of a client: ``httpx.Client`` (a server) or ``app.testing.SyncClient``."""

    def post(
        self, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response: ...


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def api_post(client: ApiClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    """POST a JSON body; the created resource (201), or a RuntimeError with the answer."""
    r = client.post(path, json=body, headers=headers)
    if r.status_code != 201:
        raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:500]}")
    return dict(r.json())


def template_body() -> dict[str, Any]:
    """An achievement template: the reference credential's achievement (a plain OB 3.0 ResultDescription,
    urn:uuid:0b7e3a52-…, whose letter grades ``issue_body`` answers), on the ob3-minimal profile."""
    achievement = dict(json.loads(REFERENCE.read_text(encoding="utf-8"))["credentialSubject"]["achievement"])
    for key in ("id", "type", "version"):
        achievement.pop(key, None)
    return {"achievement": achievement, "profiles": ["ob3-minimal"]}


def issue_body(template_id: str, n: int) -> dict[str, Any]:
    """A request to issue a credential of the template, with a different learner each time."""
    return {
        "achievement_id": template_id,
        "recipient": {"email": f"learner{n}@example.org", "given_name": "Aiko", "family_name": "Tanaka"},
        "result": [
            {
                "type": ["Result"],
                "value": "A",
                "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00",
            }
        ],
    }


def setup_issuer(
    target: str | ApiClient, admin_token: str, *, scopes: tuple[str, ...] = ("issue", "read")
) -> tuple[str, str, str]:
    """Tenant, Ed25519 key, token and template through the API of a server (its base URL) or of a client;
    returns (slug, token, template id)."""
    if isinstance(target, str):
        with httpx.Client(base_url=target, timeout=30) as client:
            return setup_issuer(client, admin_token, scopes=scopes)
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    admin = {"Authorization": f"Bearer {admin_token}"}
    tenant = {
        "slug": slug,
        "name": f"University {slug}",
        "url": "https://www.example.edu",
        "email": "registrar@example.edu",
        "address": {"addressCountryCode": "NL", "addressLocality": "Utrecht"},
    }

    api_post(target, "/v1/issuers", tenant, admin)
    api_post(target, f"/v1/issuers/{slug}/keys", {"type": "Ed25519"}, admin)
    token = str(api_post(target, f"/v1/issuers/{slug}/tokens", {"scopes": list(scopes)}, admin)["token"])
    template = api_post(target, f"/v1/issuers/{slug}/achievements", template_body(), bearer(token))
    return slug, token, str(template["id"])


def issue_credential(client: ApiClient, slug: str, token: str, template_id: str, n: int) -> uuid.UUID:
    """Issue one credential of the template (``issue_body``) through the API; returns its id."""
    body = issue_body(template_id, n)
    return uuid.UUID(
        api_post(client, f"/v1/issuers/{slug}/credentials", body, bearer(token))["credential_id"]
    )


class Samples:
    """Wall-clock and CPU milliseconds of each call."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def timed(fns: dict[str, Callable[[], object]], n: int) -> dict[str, Samples]:
    """Times of each function, after a few warm-up calls (caches filled as in a running service).

    The functions take turns in blocks of BLOCK calls, so that a busy machine slows them alike and the
    ratios hold. The CPU (process) time leaves out the waits for a core that a busy machine adds to the
    wall clock, though not the slower cores a shared machine gives."""
    for fn in fns.values():
        for _ in range(WARM_UP):
            fn()
    samples = {name: Samples() for name in fns}
    for start in range(0, n, BLOCK):
        for name, fn in fns.items():
            gc.collect()  # each block starts without the garbage of the one before
            for _ in range(min(BLOCK, n - start)):
                wall, cpu = time.perf_counter(), time.process_time()
                fn()
                samples[name].cpu.append((time.process_time() - cpu) * 1000)
                samples[name].wall.append((time.perf_counter() - wall) * 1000)
    return samples


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped on the way out (errors and Ctrl-C included)."""
    name = f"shomei_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        print(f"(dropped database {name})")


def plain_pyld_hash(document: Any, config: Any, *, algorithm: Any, loader: Any) -> bytes:
    """hash(canonical proof config) ‖ hash(canonical document) through plain ``jsonld.normalize``
    (no caches, no safe mode): what a straightforward pyld implementation signs and verifies, the
    benchmarks' baseline. SHA-384 for P-384 keys, SHA-256 otherwise."""
    from pyld import jsonld

    from proofs.keys import KeyAlgorithm

    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    h = hashlib.sha384 if algorithm is KeyAlgorithm.P384 else hashlib.sha256
    return (
        h(jsonld.normalize(config, dict(options)).encode()).digest()
        + h(jsonld.normalize(document, dict(options)).encode()).digest()
    )
