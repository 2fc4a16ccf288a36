"""A worker that dies mid-job loses nothing and duplicates nothing: its leased rows are taken over once the
lease expires, and every row is issued exactly once (status indexes unique).

PostgreSQL: a real ``shomei worker`` process killed with SIGKILL, then another one started. Both databases:
a lease abandoned mid-batch (the in-process case), and a row whose credential was committed but whose
outcome was lost (a re-run finds the stored idempotent result instead of issuing again).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.credentials import service as issuance
from app.credentials.context import issue_context
from app.db.models import IssuanceJobRow, Tenant
from app.jobs import runner
from app.jobs.worker import Worker
from app.main import create_app
from app.state import app_state
from schemas.api import CredentialIssueIn
from tests.app.helpers import create_template
from tests.app.jobs.helpers import csv_upload, exactly_once, learner, post_job, wait_finished
from tests.cli_runner import run_cli
from tests.conftest import BASE_URL, TEST_KEK, SyncClient, bearer, make_settings, make_tenant
from tests.databases import fresh_database
from tests.paths import ROOT

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def app_without_worker(backend: str, tmp_path: Path, **settings: Any) -> Iterator[SyncClient]:
    """An app on a fresh database that runs no worker of its own (the test plays the workers)."""
    with fresh_database(backend, tmp_path) as url:
        client = SyncClient(create_app(make_settings(url, jobs_in_process_worker=False, **settings)))
        try:
            yield client
        finally:
            client.close()


def queue_job(client: SyncClient, rows: int) -> tuple[str, str, dict[str, Any]]:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    r = post_job(client, slug, token, csv_upload([learner(n) for n in range(rows)]), template_id=template_id)
    assert r.status_code == 202, r.text
    return slug, token, r.json()


def job_of(client: SyncClient, slug: str, token: str, job_id: str) -> dict[str, Any]:
    r = client.get(f"/v1/issuers/{slug}/jobs/{job_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_abandoned_lease_is_taken_over(backend: str, tmp_path: Path) -> None:
    with app_without_worker(backend, tmp_path, jobs_lease_seconds=1.0, jobs_batch_rows=10) as client:
        slug, token, job = queue_job(client, 30)
        state = app_state(client.app)
        dead = runner.claim(state, owner="killed-worker")
        assert len(dead) == 10
        for item in dead[:3]:  # committed before the worker died
            assert runner.run_row(state, item) == "issued"
        # Its fourth row: the credential was committed, the row's outcome lost (the worst case there is).
        lost = dead[3]
        with state.sessionmaker.begin() as session:
            tenant = session.scalars(sa.select(Tenant).where(Tenant.slug == slug)).one()
            row = session.scalars(
                sa.select(IssuanceJobRow).where(
                    IssuanceJobRow.tenant_id == tenant.id,
                    IssuanceJobRow.job_id == lost.job_id,
                    IssuanceJobRow.row_number == lost.row_number,
                )
            ).one()
            body = CredentialIssueIn.model_validate(row.payload)
            ctx = issue_context(state, state.clock.now())
            issuance.issue(session, ctx, tenant, body, actor=None, idempotency_key=row.idempotency_key)
        assert job_of(client, slug, token, job["id"])["issued"] == 3

        survivor = Worker(state, name="survivor")
        deadline = time.monotonic() + 120
        while job_of(client, slug, token, job["id"])["status"] == "running":
            assert time.monotonic() < deadline
            if survivor.step() == 0:
                time.sleep(0.2)  # the dead worker's lease has not expired yet
        done = job_of(client, slug, token, job["id"])
        exactly_once(client, slug, token, done, 30)
        results = [
            json.loads(x)
            for x in client.get(done["links"]["results"], headers=bearer(token)).text.splitlines()
        ]
        assert [r["row"] for r in results if r["replayed"]] == [lost.row_number]
        assert survivor.issued == 27


def _worker(url: str) -> subprocess.Popen[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "SHOMEI_DATABASE_URL": url,
        "SHOMEI_KEK": TEST_KEK,
        "SHOMEI_ENVIRONMENT": "test",
        "SHOMEI_PUBLIC_BASE_URL": BASE_URL,
        "SHOMEI_JOBS_LEASE_SECONDS": "2",
        "SHOMEI_JOBS_POLL_SECONDS": "0.2",
        "SHOMEI_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
def test_a_worker_killed_mid_job_on_postgresql(tmp_path: Path) -> None:
    rows = 120
    with app_without_worker("postgresql", tmp_path) as client:
        slug, token, job = queue_job(client, rows)
        url = app_state(client.app).settings.database_url
        first = _worker(url)
        try:
            deadline = time.monotonic() + 180
            while job_of(client, slug, token, job["id"])["issued"] < 15:
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=30)
        assert first.returncode == -signal.SIGKILL
        stopped = job_of(client, slug, token, job["id"])
        assert stopped["status"] == "running" and 15 <= stopped["issued"] < rows and stopped["pending"] > 0

        second = _worker(url)
        try:
            done = wait_finished(client, slug, token, job["id"], timeout=300)
        finally:
            second.send_signal(signal.SIGTERM)
            out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        report = json.loads(out.strip().splitlines()[-1])
        exactly_once(client, slug, token, done, rows)
        assert report["issued"] == rows - stopped["issued"] and report["failed"] == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_row_that_keeps_killing_its_worker_fails_after_its_attempts(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_without_worker(backend, tmp_path, jobs_lease_seconds=0.2, jobs_max_attempts=2) as client:
        slug, token, job = queue_job(client, 1)
        state = app_state(client.app)
        for _ in range(2):  # two workers die on it
            assert len(runner.claim(state, owner="killed-worker")) == 1
            time.sleep(0.3)
        # A bug raised by the next attempt does not stop the worker's loop either.
        real_run_row = runner.run_row
        calls: list[int] = []

        def crashing(state: Any, item: runner.Claim) -> str | None:
            calls.append(item.row_number)
            if len(calls) == 1:
                raise RuntimeError("a bug")
            return real_run_row(state, item)

        monkeypatch.setattr(runner, "run_row", crashing)
        survivor, stop = Worker(state, name="survivor"), threading.Event()
        thread = threading.Thread(target=survivor.run, args=(stop,))
        thread.start()
        try:
            deadline = time.monotonic() + 60
            while job_of(client, slug, token, job["id"])["status"] == "running":
                assert time.monotonic() < deadline and thread.is_alive()
                time.sleep(0.1)
        finally:
            stop.set()
            thread.join()
        done = job_of(client, slug, token, job["id"])
        assert done["status"] == "failed" and done["failed"] == 1 and calls == [1, 1]
        (line,) = client.get(done["links"]["results"], headers=bearer(token)).text.splitlines()
        assert json.loads(line)["problem"]["type"].endswith("/issuance-attempts-exhausted")


@pytest.mark.parametrize("backend", BACKENDS)
def test_shomei_worker_drains_the_queue_and_exits_when_idle(backend: str, tmp_path: Path) -> None:
    with app_without_worker(backend, tmp_path) as client:
        slug, token, job = queue_job(client, 5)
        env = {
            "SHOMEI_DATABASE_URL": app_state(client.app).settings.database_url,
            "SHOMEI_ENVIRONMENT": "test",
            "SHOMEI_PUBLIC_BASE_URL": BASE_URL,
            "SHOMEI_AUTO_MIGRATE": "false",
        }
        done = run_cli(env, "worker", "--exit-when-idle", "--threads", "1")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.strip().splitlines()[-1])["issued"] == 5
        exactly_once(client, slug, token, job_of(client, slug, token, job["id"]), 5)
        refused = run_cli({**env, "SHOMEI_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}, "worker")
        assert refused.returncode == 1 and "database-not-migrated" in refused.stderr
