"""Where the CPU of one HTTP issuance goes: the real server (1 uvicorn worker) under ``--clients`` issuing
clients, sampled by py-spy, and the SQL statements of one issuance counted in process.

    .venv/bin/pip install py-spy    # once; not a project dependency
    .venv/bin/python bench/profile.py [--db sqlite|postgresql|both] [--clients 8] [--seconds 20]
                                      [--rate 200] [--raw-dir DIR] [--sql-only]

Prints, per database: credentials/s, the server's CPU milliseconds per credential (from /proc), then the
samples in two views. *Inclusive phases*: the share of samples with a marker frame anywhere on the stack
(token authentication, transaction begin, securing, ...; they overlap). *Exclusive kinds*: each sample
counted once, by the innermost frame that belongs to a known library or package (canonicalization, SQL
driver, pydantic, JSON, logging, ...). Multiply a share by the CPU per credential for milliseconds. Then the
statements one issuance sends (SQLAlchemy ``before_cursor_execute``, in process; BEGIN, COMMIT and
PostgreSQL's pre-ping are extra round trips the event does not see).
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    issue_credential,
    load_line,
    prepare_database,
    server,
    server_cpu_seconds,
    setup_issuer,
)
from bench.issue import bench_database, run_load  # noqa: E402

# Inclusive phases: (label, substrings of a frame; any frame of the stack matching any substring).
PHASES: list[tuple[str, tuple[str, ...]]] = [
    ("uvicorn + h11 (HTTP parsing, event loop)", ("uvicorn/", "h11/", "httptools", "asyncio/")),
    ("starlette/fastapi request handling", ("fastapi/routing.py",)),
    ("request body: JSON decode + pydantic", ("request_body_to_args", "_get_body", "json/decoder")),
    ("token authentication (deps -> authenticate[_on])", ("authenticate (", "authenticate_on (")),
    ("tenant lookup (TenantFor*)", ("app/tenants/",)),
    ("transaction BEGIN", ("_sqlite_begin", "_begin_impl")),
    ("COMMIT", ("_commit_impl",)),
    ("credentials.service.issue (whole)", ("issue (app/credentials/service.py", "service.py:issue")),
    ("  build_credential (issuer/)", ("issuer/build.py",)),
    ("  JSON Schema validation", ("validate_credential_schema", "jsonschema/")),
    ("  securing (app/credentials/securing.py)", ("app/credentials/securing.py",)),
    ("    canonicalization (proofs/rdfc + pyld)", ("proofs/rdfc", "pyld/")),
    ("  status index allocation", ("app/status/",)),
    ("  audit row", ("app/audit/",)),
    ("response: serialize (pydantic/jsonable)", ("serialize_response", "jsonable_encoder")),
    ("credential_out", ("credential_out",)),
    ("logging", ("logging/",)),
    ("app middleware", ("app/middleware.py",)),
    ("thread pool hand-off (anyio/threading)", ("anyio/", "concurrent/futures", "threading.py")),
    ("SQLAlchemy ORM + core (all)", ("sqlalchemy/",)),
    ("DB driver (psycopg / sqlite3)", ("psycopg/", "psycopg_", "sqlite3", "pysqlite")),
    ("garbage collection", ("<gc>", "gc_collect")),
]

# Exclusive kinds: the innermost frame matching one of these decides (checked in this order per frame).
KINDS: list[tuple[str, tuple[str, ...]]] = [
    ("canonicalization (proofs/rdfc, pyld)", ("proofs/rdfc", "pyld/")),
    ("signing + other proofs/ (keys, JSON-LD, multibase)", ("proofs/", "cryptography/")),
    ("JSON Schema (jsonschema, referencing)", ("jsonschema/", "referencing/", "rpds")),
    ("pydantic", ("pydantic/", "pydantic_core")),
    ("JSON encode/decode", ("json/encoder", "json/decoder", "json/__init__", "orjson")),
    ("DB driver (psycopg, sqlite3)", ("psycopg/", "psycopg_", "sqlite3/", "pysqlite")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("logging", ("logging/",)),
    ("uvicorn + h11", ("uvicorn/", "h11/", "httptools")),
    ("starlette + fastapi", ("starlette/", "fastapi/")),
    ("anyio + threading + asyncio", ("anyio/", "concurrent/", "threading.py", "asyncio/", "selectors.py")),
    ("issuer/ (build)", ("issuer/",)),
    ("profiles/ (rules engine)", ("profiles/",)),
    ("app/ (own code)", ("app/",)),
    ("schemas/", ("schemas/",)),
    ("email-validator/idna/dns", ("email_validator", "idna/")),
]


def read_raw(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) format: ``frame;frame;...;frame count`` with the root first."""
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def inclusive(stacks: Iterable[tuple[list[str], int]]) -> dict[str, int]:
    out: dict[str, int] = collections.Counter()
    for frames, n in stacks:
        for label, needles in PHASES:
            if any(needle in frame for frame in frames for needle in needles):
                out[label] += n
    return out


def exclusive(stacks: Iterable[tuple[list[str], int]]) -> dict[str, int]:
    out: dict[str, int] = collections.Counter()
    for frames, n in stacks:
        kind = "other (stdlib, interpreter)"
        for frame in reversed(frames):
            hit = next((label for label, needles in KINDS if any(x in frame for x in needles)), None)
            if hit is not None:
                kind = hit
                break
        out[kind] += n
    return out


def top_leaves(stacks: Iterable[tuple[list[str], int]], k: int = 25) -> list[tuple[str, int]]:
    leaves: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        leaves[frames[-1]] += n
    return leaves.most_common(k)


def profile_http(db: str, *, clients: int, seconds: float, rate: int, raw_dir: Path, gil: bool) -> None:
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    raw = raw_dir / f"profile-{db}.txt"
    with tempfile.TemporaryDirectory(prefix="shomei-profile-") as tmp, bench_database(db) as url:
        prepare_database(url, admin_token)
        pids: list[int] = []
        with server(url, admin_token=admin_token, log=Path(tmp) / "server.log", pids=pids) as base:
            slug, token, template_id = setup_issuer(base, admin_token)
            cmd = [py_spy, "record", "--pid", str(pids[0]), "--rate", str(rate), "--format", "raw"]
            cmd += ["--gil"] if gil else []
            cmd += ["--nonblocking", "--duration", str(int(seconds)), "--output", str(raw)]
            spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            cpu0 = server_cpu_seconds(pids[0])
            result = run_load(base, slug, token, template_id, clients=clients, seconds=seconds)
            cpu = server_cpu_seconds(pids[0]) - cpu0
            _, err = spy.communicate(timeout=120)
            if spy.returncode != 0:
                print(f"py-spy failed: {err.decode(errors='replace')[-500:]}")
                return
    n = len(result.latencies)
    per = cpu * 1000 / n if n else float("nan")
    print(
        f"\n== {db}: {result.rate:.1f} credentials/s with {clients} clients, 1 worker; server CPU "
        f"{cpu:.1f} s for {n} credentials = {per:.1f} ms per credential; errors {sum(result.errors.values())}"
    )
    print(f"   {load_line()}; samples in {raw}")
    stacks = read_raw(raw)
    total = sum(n for _, n in stacks) or 1
    print("   inclusive phases (share of samples; ms per credential = share x CPU per credential):")
    inc = inclusive(stacks)
    for label, _ in PHASES:
        share = inc.get(label, 0) / total
        print(f"     {label:<46} {share:6.1%}  {share * per:6.2f} ms")
    print("   exclusive kinds (innermost known frame):")
    for label, count in sorted(exclusive(stacks).items(), key=lambda kv: -kv[1]):
        share = count / total
        print(f"     {label:<52} {share:6.1%}  {share * per:6.2f} ms")
    print("   top leaf frames:")
    for frame, count in top_leaves(stacks, 15):
        print(f"     {count / total:6.1%}  {frame[:110]}")


def count_sql(db: str, *, n: int = 20) -> None:
    """The statements of one issuance, counted in process on a fresh database (after 3 warm-up issuances)."""
    import base64

    from sqlalchemy import Engine, event

    from app.main import create_app
    from app.testing import SyncClient, in_process_settings

    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    statements: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split())[:90])

    with bench_database(db) as url:
        settings = in_process_settings(
            url, admin_token=admin_token, kek=base64.b64encode(secrets.token_bytes(32)).decode()
        )
        client = SyncClient(create_app(settings))
        try:
            slug, token, template_id = setup_issuer(client, admin_token)
            for i in range(3):
                issue_credential(client, slug, token, template_id, i)
            event.listen(Engine, "before_cursor_execute", on_execute)
            try:
                for i in range(n):
                    issue_credential(client, slug, token, template_id, 100 + i)
            finally:
                event.remove(Engine, "before_cursor_execute", on_execute)
        finally:
            client.close()
    per = len(statements) / n
    print(f"\n== {db}: {per:.1f} statements per issuance (over {n} issuances, in process)")
    for statement, count in collections.Counter(statements).most_common():
        print(f"   {count / n:5.2f} x  {statement}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--raw-dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--all-threads",
        action="store_true",
        help="sample every thread that py-spy thinks is active, not only the one holding the GIL (the"
        " default, --gil: Python's CPU; waits on a socket, a lock or a core are left out)",
    )
    parser.add_argument("--sql-only", action="store_true", help="only count the statements")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(
        f"profile of POST /v1/issuers/{{slug}}/credentials (ldp_vc), Python {sys.version.split()[0]}, "
        f"{load_line()}"
    )
    for db in dbs:
        if not args.sql_only:
            profile_http(
                db,
                clients=args.clients,
                seconds=args.seconds,
                rate=args.rate,
                raw_dir=args.raw_dir,
                gil=not args.all_threads,
            )
        count_sql(db)
    print(f"\n{load_line()}  (pid {os.getpid()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
