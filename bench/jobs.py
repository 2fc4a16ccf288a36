"""Bulk issuance jobs on PostgreSQL: a 10,000-row job issued by 2 ``shomei worker`` processes, in
credentials/s, beside the HTTP issuance rate of ``bench/issue.py --http`` measured in the same run (same
database, same issuer, same template, same format: ldp_vc, eddsa-rdfc-2022).

    .venv/bin/python bench/jobs.py [--rows 10000] [--workers 2] [--threads 2] [--clients 8] [--seconds 15]
                                   [--http-workers 2]

1. A fresh PostgreSQL database ``shomei_bench_<random>``, a real ``uvicorn --factory app.main:asgi`` server
   (``--http-workers`` processes), an issuer with an Ed25519 key and a template.
2. HTTP: ``--clients`` threads POST /v1/issuers/{slug}/credentials for ``--seconds``
   (``bench.issue.run_load``).
3. The job: the rows as a CSV upload (``POST /v1/issuers/{slug}/jobs``), then ``--workers`` ``shomei worker``
   processes started; the rate is rows issued / seconds from the workers' start until the job's end (and
   the job's own ``rate_per_s``). The API server is idle meanwhile apart from the progress polls.

Everything is stopped and the database dropped at the end, on errors and on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout without an installed package
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.common import (  # noqa: E402
    bearer,
    issue_body,
    load_line,
    pg_database,
    prepare_database,
    server,
    server_cpu_seconds,
    setup_issuer,
)
from bench.issue import run_load  # noqa: E402


def job_upload(template_id: str, rows: int) -> bytes:
    """The rows of ``issue_body`` (a different learner each) as a CSV file."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "given_name", "family_name", "result"])
    for n in range(rows):
        body = issue_body(template_id, 1_000_000 + n)
        recipient = body["recipient"]
        writer.writerow(
            [
                recipient["email"],
                recipient["given_name"],
                recipient["family_name"],
                json.dumps(body["result"]),
            ]
        )
    return out.getvalue().encode()


@contextlib.contextmanager
def job_workers(n: int, env: dict[str, str], logs: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``n`` ``shomei worker`` processes, stopped (SIGTERM, then SIGKILL) on the way out."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(n):
            with (logs / f"worker-{i}.log").open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "app.cli", "worker"],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run(rows: int, workers: int, clients: int, seconds: float, http_workers: int, threads: int) -> int:
    print(
        f"bulk job of {rows:,} rows (ldp_vc, eddsa-rdfc-2022) on PostgreSQL with {workers} `shomei worker` "
        f"processes of {threads} threads, beside POST /credentials over HTTP ({clients} clients, "
        f"{seconds:g} s, uvicorn workers {http_workers}); Python {sys.version.split()[0]}, {load_line()}"
    )
    admin_token = "shm_bench-" + secrets.token_urlsafe(24)
    kek = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
    settings = {"SHOMEI_KEK": kek, "SHOMEI_MAX_BODY_BYTES": str(64 * 1024 * 1024)}
    with tempfile.TemporaryDirectory(prefix="shomei-bench-jobs-") as tmp, pg_database() as url:
        prepare_database(url, admin_token)
        logs = Path(tmp)
        pids: list[int] = []
        with server(
            url,
            workers=http_workers,
            admin_token=admin_token,
            log=logs / "server.log",
            extra_env=settings,
            pids=pids,
        ) as base:
            slug, token, template_id = setup_issuer(base, admin_token)
            cpu0 = server_cpu_seconds(pids[0])
            http = run_load(base, slug, token, template_id, clients=clients, seconds=seconds)
            http_cpu = (server_cpu_seconds(pids[0]) - cpu0) * 1000 / max(len(http.latencies), 1)
            print(
                f"  HTTP: {http.rate:6.1f} credentials/s ({len(http.latencies)} in {http.elapsed:.1f} s, "
                f"errors {sum(http.errors.values())}), server CPU {http_cpu:.1f} ms per credential; "
                f"{load_line()}"
            )
            with httpx.Client(base_url=base, headers=bearer(token), timeout=300) as client:
                r = client.post(
                    f"/v1/issuers/{slug}/jobs",
                    files={"file": ("cohort.csv", job_upload(template_id, rows))},
                    data={"template_id": template_id, "formats": "ldp_vc"},
                )
                if r.status_code != 202:
                    raise RuntimeError(f"POST /jobs: {r.status_code} {r.text[:500]}")
                job_path = f"/v1/issuers/{slug}/jobs/{r.json()['id']}"
                env = {
                    **{k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")},
                    **settings,
                    "SHOMEI_DATABASE_URL": url,
                    "SHOMEI_ENVIRONMENT": "test",
                    "SHOMEI_PUBLIC_BASE_URL": base,
                    "SHOMEI_LOG_LEVEL": "WARNING",
                    "SHOMEI_JOBS_WORKER_THREADS": str(threads),
                }
                with job_workers(workers, env, logs) as procs:
                    t0 = time.perf_counter()
                    # The workers' CPU is counted from their first rows on (their start-up is not issuance).
                    while (job := client.get(job_path).json())["status"] == "queued":
                        time.sleep(0.2)
                    first, cpu0 = job["done"], sum(server_cpu_seconds(p.pid) for p in procs)
                    while (job := client.get(job_path).json())["status"] in ("queued", "running"):
                        time.sleep(0.5)
                    cpu = sum(server_cpu_seconds(p.pid) for p in procs) - cpu0
                    elapsed = time.perf_counter() - t0
            rate = job["issued"] / elapsed
            job_cpu = cpu * 1000 / max(job["done"] - first, 1)
            print(
                f"  job:  {job['rate_per_s']:6.1f} credentials/s from its first row to its last (the job's "
                f"rate_per_s); {rate:.1f}/s from the workers' start ({job['issued']:,} issued, "
                f"{job['failed']} failed, status {job['status']}, {elapsed:.1f} s); workers' CPU "
                f"{job_cpu:.1f} ms per credential; {load_line()}"
            )
            ratio = job["rate_per_s"] / http.rate if http.rate else float("nan")
            print(
                f"  job / HTTP: {ratio:4.2f}x in credentials/s (acceptance: at least 1x); CPU per credential "
                f"{job_cpu / http_cpu:4.2f}x the HTTP server's"
            )
    return 0 if job["failed"] == 0 and job["status"] == "succeeded" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the job (default 10,000)")
    parser.add_argument("--workers", type=int, default=2, help="`shomei worker` processes (default 2)")
    parser.add_argument("--clients", type=int, default=8, help="HTTP clients (default 8)")
    parser.add_argument("--seconds", type=float, default=15.0, help="HTTP run duration (default 15)")
    parser.add_argument("--http-workers", type=int, default=2, help="uvicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per `shomei worker` (default 2)")
    args = parser.parse_args(argv)
    if min(args.rows, args.workers, args.clients, args.http_workers, args.threads) < 1 or args.seconds <= 0:
        parser.error("every figure must be positive")
    try:
        return run(args.rows, args.workers, args.clients, args.seconds, args.http_workers, args.threads)
    except KeyboardInterrupt:
        print("interrupted: workers and server stopped, database removed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
