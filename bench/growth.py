"""Issuance throughput as the database grows (issue 15's growth goal), and a worker's resident memory.

    .venv/bin/python bench/growth.py [--n 250000] [--batch 50000] [--workers 2] [--clients 8] [--seconds 15]

On a fresh PostgreSQL database ``shomei_bench_<random>``: a real server (``uvicorn --factory app.main:asgi``,
``--workers``) issues ``ldp_vc`` credentials through the API, first for ``--warmup`` seconds unmeasured
(the workers' memo, pools and first status list warm up, as they are before the second run), then for
``--seconds`` (the empty-database figure); then ``--n`` credentials are bulk-loaded beside them in SQL
(each a copy of one issued through the API: its credential row with a new id, URL, recipient lookup and
issue time, its stored document and its audit row, ``--batch`` per transaction; no status list entry, so
no list fills up), ``VACUUM ANALYZE``; then the same load runs again. Prints both rates, their ratio
(goal: within 20 %), the server CPU per credential of each run, the load average, and the resident set
size of each server process after each run (from /proc).

The database is dropped at the end, also on errors and Ctrl-C. Never a timed test.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.common import (  # noqa: E402
    load_line,
    median,
    p90,
    pg_database,
    prepare_database,
    server,
    server_cpu_seconds,
    setup_issuer,
)
from bench.issue import LoadResult, run_load  # noqa: E402

# Columns given new values per bulk-loaded copy; every other column is the sample's.
_CREDENTIAL_OVERRIDES = {
    "id": "n.id",
    "credential_uri": "s.credential_uri || '-bulk-' || n.i",
    "recipient_lookup": "md5('learner-' || n.i)",
    "recipient_ref": "'bulk-' || n.i",
    "issued_at": "s.issued_at - make_interval(secs => n.i)",
    "idempotency_key": "NULL",
    "request_hash": "NULL",
    "status_list_id": "NULL",
    "status_index": "NULL",
}
_DOCUMENT_OVERRIDES = {"id": "gen_random_uuid()", "credential_id": "n.id"}
_AUDIT_OVERRIDES = {"target_id": "n.id::text", "created_at": "a.created_at - make_interval(secs => n.i)"}


def resident_mb(pid: int) -> list[float]:
    """VmRSS in MB of the server ``pid`` and of each process it started (the uvicorn workers)."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if int(entry.name) == pid or ppid == pid:
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _columns(conn: sa.Connection, table: str) -> list[str]:
    rows = conn.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [r[0] for r in rows]


def _select_list(columns: list[str], overrides: dict[str, str], alias: str) -> str:
    return ", ".join(overrides.get(c, f"{alias}.{c}") for c in columns)


def bulk_load(url: str, *, n: int, batch: int) -> float:
    """Copy the one API-issued credential (row, document, audit row) ``n`` times; returns the seconds."""
    engine = sa.create_engine(url)
    t0 = time.perf_counter()
    try:
        with engine.connect() as conn:
            cred_cols = _columns(conn, "credentials")
            doc_cols = _columns(conn, "credential_documents")
            audit_cols = [c for c in _columns(conn, "audit_events") if c != "id"]
            conn.rollback()
        has_audit_time = "created_at" in audit_cols
        audit_overrides = dict(_AUDIT_OVERRIDES)
        if not has_audit_time:
            audit_overrides.pop("created_at")
        done = 0
        while done < n:
            size = min(batch, n - done)
            # Column names from information_schema, expressions from the constants above: no input.
            sql = f"""
                WITH s AS (SELECT * FROM credentials ORDER BY issued_at LIMIT 1),
                n AS (SELECT gen_random_uuid() AS id, g AS i
                      FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g),
                c AS (
                    INSERT INTO credentials ({", ".join(cred_cols)})
                    SELECT {_select_list(cred_cols, _CREDENTIAL_OVERRIDES, "s")} FROM s, n RETURNING id
                ),
                d AS (
                    INSERT INTO credential_documents ({", ".join(doc_cols)})
                    SELECT {_select_list(doc_cols, _DOCUMENT_OVERRIDES, "x")}
                    FROM n, (SELECT * FROM credential_documents
                             WHERE credential_id = (SELECT id FROM s)) x
                    RETURNING 1
                )
                INSERT INTO audit_events ({", ".join(audit_cols)})
                SELECT {_select_list(audit_cols, audit_overrides, "a")}
                FROM n, (SELECT * FROM audit_events WHERE action = 'credential.issue'
                         AND target_id = (SELECT id::text FROM s)) a
            """  # noqa: S608
            with engine.begin() as conn:
                conn.execute(sa.text(sql), {"lo": done + 1, "hi": done + size})
            done += size
            print(f"    bulk-loaded {done:,} of {n:,} ({time.perf_counter() - t0:.0f} s)", flush=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - t0


def report(label: str, result: LoadResult, cpu: float, rss: list[float]) -> None:
    lat = result.latencies or [float("nan")]
    each = cpu * 1000 / len(result.latencies) if result.latencies else float("nan")
    errors = sum(result.errors.values())
    print(
        f"  {label}: {result.rate:6.1f} credentials/s ({len(result.latencies)} in {result.elapsed:.1f} s)  "
        f"latency median {median(lat):6.1f} ms  p90 {p90(lat):6.1f} ms  errors {errors}  "
        f"server CPU {each:.1f} ms per credential"
    )
    print(f"    RSS of the server processes: {', '.join(f'{mb:.0f} MB' for mb in rss)};  {load_line()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=250_000, help="credentials bulk-loaded (default 250,000)")
    parser.add_argument("--batch", type=int, default=50_000, help="copies per transaction")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured load before the first run (s)")
    args = parser.parse_args(argv)
    print(
        f"issuance as the database grows: PostgreSQL, {args.workers} workers, {args.clients} clients, "
        f"{args.seconds:g} s per run, {args.n:,} credentials bulk-loaded; {load_line()}"
    )
    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="shomei-growth-") as tmp, pg_database() as url:
        prepare_database(url, admin_token)
        pids: list[int] = []
        log = Path(tmp) / "server.log"
        with server(url, workers=args.workers, admin_token=admin_token, log=log, pids=pids) as base:
            slug, token, template_id = setup_issuer(base, admin_token)
            # Unmeasured: the workers' memo, pools and first status list warm up before the empty-database
            # figure, as they are before the grown one (otherwise the ratio flatters the grown run).
            run_load(base, slug, token, template_id, clients=args.clients, seconds=args.warmup)
            cpu0 = server_cpu_seconds(pids[0])
            empty = run_load(base, slug, token, template_id, clients=args.clients, seconds=args.seconds)
            report("empty database", empty, server_cpu_seconds(pids[0]) - cpu0, resident_mb(pids[0]))
            seconds = bulk_load(url, n=args.n, batch=args.batch)
            print(f"  bulk load: {args.n:,} credentials in {seconds:.0f} s")
            cpu0 = server_cpu_seconds(pids[0])
            grown = run_load(base, slug, token, template_id, clients=args.clients, seconds=args.seconds)
            report(
                f"{args.n:,} more credentials",
                grown,
                server_cpu_seconds(pids[0]) - cpu0,
                resident_mb(pids[0]),
            )
        ratio = grown.rate / empty.rate if empty.rate else float("nan")
        print(f"  ratio grown/empty: {ratio:.2f}x (goal: >= 0.80x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
