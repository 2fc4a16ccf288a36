"""Bitstring Status List costs: index allocation under concurrent writers (PostgreSQL), the time to
publish a list after a status change (cache miss: rebuild + sign; cache hit), and the size of a
published 131,072-entry list.

    .venv/bin/python bench/status.py [--per-writer 100] [--hold-ms 0 5 50] [--rounds 3] [--changes 15]
                                     [--db postgresql|sqlite] [--only alloc publish size]

(a) ``allocate`` runs in 1 and in 8 processes (multiprocessing, spawn), each with its own engine, each
transaction holding its stripe lock for a simulated signing time (``--hold-ms``) before commit. Every
allocation is also written to a bench table in the same transaction; a query afterwards checks that no
(list, index) repeats and that the stripe counters match. Always on PostgreSQL (SQLite serializes writers).
(b) and (c) run on ``--db`` (default PostgreSQL) through the service layer, with credentials issued via the
API in process (``app.testing.SyncClient``).

A fresh PostgreSQL database ``shomei_bench_<random>`` is created and dropped at the end (also on errors and
Ctrl-C). The admin connection comes from ``SHOMEI_BENCH_PG`` (default postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import gzip
import multiprocessing as mp
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.db.migrate import upgrade  # noqa: E402
from app.db.models import Credential, StatusList, Tenant  # noqa: E402
from app.db.session import make_engine, make_sessionmaker  # noqa: E402
from app.main import create_app  # noqa: E402
from app.state import app_state  # noqa: E402
from app.status.publish import published_list  # noqa: E402
from app.status.service import allocate, change_status  # noqa: E402
from app.testing import SyncClient, in_process_settings  # noqa: E402
from bench.common import issue_credential, load_line, median, p90, pg_database, setup_issuer  # noqa: E402
from proofs.statuslist import set_value  # noqa: E402

SIZE = 131_072
BENCH_TABLE = "bench_allocations"


# --- figures -------------------------------------------------------------------------------------------


# --- databases -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgresql":
        with pg_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="shomei-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'shomei.db'}"


# --- (a) allocation under concurrent writers -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkerResult:
    start: float  # time.monotonic(): CLOCK_MONOTONIC, one clock for all processes on Linux
    end: float
    latencies_ms: list[float]


def alloc_worker(
    url: str, tenant_id: uuid.UUID, count: int, hold_ms: float, barrier: Barrier, out: Queue[WorkerResult]
) -> None:
    """K transactions: allocate, record the allocation, hold the stripe lock ``hold_ms``, commit."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    factory = make_sessionmaker(engine)
    insert = sa.text(f"INSERT INTO {BENCH_TABLE} (list_id, idx) VALUES (:list_id, :idx)")  # noqa: S608
    with factory() as session:
        tenant = session.get_one(Tenant, tenant_id)
        session.expunge(tenant)
    latencies: list[float] = []
    barrier.wait()
    start = time.monotonic()
    for _ in range(count):
        t0 = time.perf_counter()
        with factory.begin() as session:
            allocation = allocate(session, tenant, size=SIZE)
            session.execute(insert, {"list_id": allocation.status_list.id, "idx": allocation.index})
            if hold_ms:
                time.sleep(hold_ms / 1000)
        latencies.append((time.perf_counter() - t0) * 1000)
    end = time.monotonic()
    engine.dispose()
    out.put(WorkerResult(start, end, latencies))


@dataclass(frozen=True, slots=True)
class AllocRun:
    rate: float
    latencies_ms: list[float]


def alloc_run(url: str, tenant_id: uuid.UUID, writers: int, count: int, hold_ms: float) -> AllocRun:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(writers)
    out: Queue[WorkerResult] = ctx.Queue()
    procs = [
        ctx.Process(target=alloc_worker, args=(url, tenant_id, count, hold_ms, barrier, out))
        for _ in range(writers)
    ]
    for p in procs:
        p.start()
    try:
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join(timeout=60)
            if p.exitcode != 0:
                raise RuntimeError(f"allocation worker {p.pid} exited with {p.exitcode}")
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
    elapsed = max(r.end for r in results) - min(r.start for r in results)
    return AllocRun(writers * count / elapsed, [ms for r in results for ms in r.latencies_ms])


def bench_allocation(url: str, *, per_writer: int, holds: list[float], rounds: int, writers: int) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {BENCH_TABLE} (list_id uuid NOT NULL, idx integer NOT NULL)"))
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        tenant = Tenant(
            slug="bench-alloc",
            name="Allocation bench",
            url="https://bench.example",
            email="bench@example.org",
            address={"addressCountryCode": "NL"},
        )
        session.add(tenant)
    with factory.begin() as session:  # open the list and its stripes before the writers race
        first = allocate(session, tenant, size=SIZE)
        session.execute(
            sa.text(f"INSERT INTO {BENCH_TABLE} (list_id, idx) VALUES (:l, :i)"),  # noqa: S608
            {"l": first.status_list.id, "i": first.index},
        )
    print(
        f"(a) allocate(size={SIZE}) on PostgreSQL: {per_writer} transactions per writer, {rounds} rounds "
        f"alternating 1 and {writers} writers (spawned processes, one engine each); figures: median of rounds"
    )
    for hold in holds:
        runs: dict[int, list[AllocRun]] = {1: [], writers: []}
        for _ in range(rounds):
            for n in (1, writers):
                runs[n].append(alloc_run(url, tenant.id, n, per_writer, hold))
        rates = {n: median([r.rate for r in rs]) for n, rs in runs.items()}
        for n, rs in runs.items():
            lat = [ms for r in rs for ms in r.latencies_ms]
            extra = f"   ratio {rates[n] / rates[1]:4.2f}x vs 1 writer (ideal {n}x)" if n != 1 else ""
            if n != 1 and hold:
                extra += f"; one shared counter would cap it at {1000 / hold:.0f}/s"
            print(
                f"  hold {hold:4.1f} ms, {n} writer{'s' if n > 1 else ' '}: {rates[n]:8.0f} allocations/s "
                f"(rounds {', '.join(f'{r.rate:.0f}' for r in rs)})   txn median {median(lat):6.2f} ms"
                f"  p90 {p90(lat):6.2f} ms{extra}"
            )
        print(f"    {load_line()}")
    with engine.connect() as conn:
        total = conn.scalar(sa.text(f"SELECT count(*) FROM {BENCH_TABLE}"))  # noqa: S608
        repeats = conn.scalar(
            sa.text(
                f"SELECT count(*) FROM (SELECT list_id, idx FROM {BENCH_TABLE} "  # noqa: S608
                "GROUP BY list_id, idx HAVING count(*) > 1) AS d"
            )
        )
        counted = conn.scalar(sa.text("SELECT coalesce(sum(allocated), 0) FROM status_list_stripes"))
        lists = conn.scalar(sa.text("SELECT count(*) FROM status_lists"))
    engine.dispose()
    ok = repeats == 0 and counted == total
    print(
        f"  check: {total} allocations on {lists} list(s), {repeats} repeated (list, index) pairs, "
        f"stripe counters sum {counted}: {'OK' if ok else 'FAILED'}"
    )
    if not ok:
        raise SystemExit("allocation check failed")


# --- (b) publish after a change, (c) list sizes ----------------------------------------------------------


def bench_publish_and_size(url: str, *, changes: int, parts: set[str]) -> None:
    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    kek = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    settings = in_process_settings(url, admin_token=admin_token, kek=kek, status_list_size=SIZE)
    app = create_app(settings)
    client = SyncClient(app)
    try:
        slug, token, template_id = setup_issuer(client, admin_token)
        ids = [issue_credential(client, slug, token, template_id, n) for n in range(changes)]
        factory = app_state(app).sessionmaker
        custody, loader = app_state(app).custody, app_state(app).loader
        with factory() as session:
            tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
            session.expunge(tenant)
            sequence = session.scalars(
                select(StatusList.sequence)
                .join(Credential, Credential.status_list_id == StatusList.id)
                .where(Credential.id == ids[0])
            ).one()

        def publish(jwt: bool) -> tuple[float, int]:
            t0 = time.perf_counter()
            with factory.begin() as session:
                content = published_list(
                    session,
                    settings,
                    custody,
                    loader,
                    tenant,
                    sequence=sequence,
                    purpose="revocation",
                    jwt=jwt,
                ).content
            return (time.perf_counter() - t0) * 1000, len(content.encode("utf-8"))

        db = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        if "publish" in parts:
            publish(False), publish(True)  # warm: caches of contexts, keys, first build
            times: dict[str, list[float]] = {
                k: [] for k in ("change", "ld miss", "ld hit", "jwt miss", "jwt hit")
            }
            for cid in ids:
                t0 = time.perf_counter()
                with factory.begin() as session:
                    credential = session.get_one(Credential, cid)
                    change_status(
                        session,
                        tenant,
                        credential,
                        action="revoke",
                        reason="issued_in_error",
                        note=None,
                        actor=None,
                        now=dt.datetime.now(dt.UTC),
                    )
                times["change"].append((time.perf_counter() - t0) * 1000)
                times["ld miss"].append(publish(False)[0])
                times["ld hit"].append(publish(False)[0])
                times["jwt miss"].append(publish(True)[0])
                times["jwt hit"].append(publish(True)[0])
            print(
                f"(b) publish the revocation list ({SIZE} entries) after a change, {db}, {changes} changes "
                "(each: change_status, then published_list twice per form; one transaction per call)"
            )
            labels = {
                "change": "change_status (revoke) + commit",
                "ld miss": "Data Integrity: miss (rebuild + sign)",
                "ld hit": "Data Integrity: hit (cached)",
                "jwt miss": "VC-JWT: miss (rebuild + sign)",
                "jwt hit": "VC-JWT: hit (cached)",
            }
            for key, label in labels.items():
                extra = ""
                if key.endswith("miss"):
                    hit = median(times[key.replace("miss", "hit")])
                    extra = f"   {median(times[key]) / hit:5.1f}x the cached read"
                med, q90 = median(times[key]), p90(times[key])
                print(f"  {label:<40} median {med:7.2f} ms   p90 {q90:7.2f} ms{extra}")
            print(f"    {load_line()}")

        if "size" in parts:
            print(
                f"(c) size of the published revocation list ({SIZE} entries), {db}: "
                "bytes of the serialized form"
            )
            rng = random.Random(20260320)
            baseline: tuple[int, int] | None = None
            for share in (0.0, 0.01, 0.10):
                bits = bytes(SIZE // 8)
                for index in rng.sample(range(SIZE), int(SIZE * share)):
                    bits = set_value(bits, index, 1)
                with factory.begin() as session:
                    row = session.scalars(
                        select(StatusList).where(
                            StatusList.tenant_id == tenant.id, StatusList.sequence == sequence
                        )
                    ).one()
                    row.revocation_bits = bits
                    row.version += 1
                    row.updated_at = dt.datetime.now(dt.UTC)
                ld_ms, ld = publish(False)
                jwt_ms, jwt = publish(True)
                with factory() as session:
                    ld_text = published_list(
                        session,
                        settings,
                        custody,
                        loader,
                        tenant,
                        sequence=sequence,
                        purpose="revocation",
                        jwt=False,
                    ).content
                gz = len(gzip.compress(ld_text.encode("utf-8")))
                baseline = baseline or (ld, jwt)
                print(
                    f"  {share:4.0%} set ({int(SIZE * share):6d} bits): "
                    f"JSON-LD {ld:7d} B ({ld / baseline[0]:5.2f}x), "
                    f"gzip {gz:6d} B;  JWT {jwt:7d} B ({jwt / baseline[1]:5.2f}x)   "
                    f"(built + signed in {ld_ms:.0f} / {jwt_ms:.0f} ms)"
                )
            print(f"    {load_line()}")
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--per-writer", type=int, default=100, help="transactions per writer (default 100)")
    parser.add_argument("--writers", type=int, default=8, help="concurrent writers (default 8)")
    parser.add_argument(
        "--hold-ms",
        type=float,
        nargs="+",
        default=[0.0, 5.0, 50.0],
        help="simulated signing time per transaction, lock held (default 0 5 50)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 1 vs N writers (default 3)")
    parser.add_argument("--changes", type=int, default=15, help="status changes timed in (b) (default 15)")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql", help="for (b), (c)")
    parser.add_argument(
        "--only", nargs="+", choices=["alloc", "publish", "size"], default=["alloc", "publish", "size"]
    )
    args = parser.parse_args(argv)
    if min(args.per_writer, args.writers, args.rounds, args.changes) < 1:
        parser.error("counts must be at least 1")
    print(f"bench/status.py — Python {sys.version.split()[0]}, {load_line()}")
    parts = set(args.only)
    if "alloc" in parts:
        with pg_database() as url:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            bench_allocation(
                url, per_writer=args.per_writer, holds=args.hold_ms, rounds=args.rounds, writers=args.writers
            )
    if parts & {"publish", "size"}:
        with database(args.db) as url:
            bench_publish_and_size(url, changes=args.changes, parts=parts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
