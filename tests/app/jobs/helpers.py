"""What the job tests share: a CSV of rows, waiting for a job, the tenant's credentials as stored, a worker
thread on the app's database."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from app.db.models import AuditEvent, Credential, Tenant
from app.jobs.worker import start_in_process
from app.state import app_state
from tests.conftest import SyncClient, bearer

__all__ = [
    "RESULT",
    "audit_actions",
    "csv_upload",
    "exactly_once",
    "learner",
    "new_key",
    "post_job",
    "stored_credentials",
    "wait_finished",
    "worker_thread",
]

RESULT = '[{"type": ["Result"], "value": "A", "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00"}]'
COLUMNS = ("email", "given_name", "family_name", "result", "valid_from", "valid_until", "template_id")


def learner(n: int) -> dict[str, str]:
    return {
        "email": f"learner{n}@example.org",
        "given_name": "Aiko",
        "family_name": f"Tanaka {n}",
        "result": RESULT,
    }


def csv_upload(rows: Sequence[dict[str, str]], columns: Sequence[str] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def post_job(
    client: SyncClient,
    slug: str,
    token: str,
    upload: bytes,
    *,
    key: str | None = None,
    filename: str = "cohort.csv",
    **fields: str,
) -> Any:
    headers = bearer(token) | ({"Idempotency-Key": key} if key else {})
    return client.post(
        f"/v1/issuers/{slug}/jobs", files={"file": (filename, upload)}, data=fields, headers=headers
    )


def wait_finished(
    client: SyncClient, slug: str, token: str, job_id: str, *, timeout: float = 300
) -> dict[str, Any]:
    """The job once it is no longer queued or running."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/issuers/{slug}/jobs/{job_id}", headers=bearer(token))
        assert r.status_code == 200, r.text
        job: dict[str, Any] = r.json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def stored_credentials(client: SyncClient, slug: str) -> list[Credential]:
    """The issuer's credentials as stored."""
    with app_state(client.app).sessionmaker() as session:
        tenant = session.scalars(sa.select(Tenant).where(Tenant.slug == slug)).one()
        return list(session.scalars(sa.select(Credential).where(Credential.tenant_id == tenant.id)).all())


def audit_actions(client: SyncClient, slug: str) -> dict[str, int]:
    """How many audit rows of each action the issuer has."""
    with app_state(client.app).sessionmaker() as session:
        tenant = session.scalars(sa.select(Tenant).where(Tenant.slug == slug)).one()
        found = session.execute(
            sa.select(AuditEvent.action, sa.func.count())
            .where(AuditEvent.tenant_id == tenant.id)
            .group_by(AuditEvent.action)
        ).all()
    return {action: int(n) for action, n in found}


def exactly_once(client: SyncClient, slug: str, token: str, job: dict[str, Any], rows: int) -> None:
    """Every row of ``job`` issued, each exactly once: one credential, one status index, one audit row
    and one idempotency key per row, nothing else."""
    assert job["status"] == "succeeded" and job["issued"] == rows and job["failed"] == 0, job
    results = client.get(job["links"]["results"], headers=bearer(token)).text.splitlines()
    ids = {json.loads(line)["credential_id"] for line in results}
    stored = stored_credentials(client, slug)
    assert len(stored) == rows and {str(c.id) for c in stored} == ids
    assert len({(c.status_list_id, c.status_index) for c in stored}) == rows
    assert len({c.idempotency_key for c in stored}) == rows
    assert audit_actions(client, slug)["credential.issue"] == rows


@contextmanager
def worker_thread(client: SyncClient) -> Iterator[None]:
    """A worker on the app's database unless the app runs its own (SQLite): PostgreSQL runs them beside
    the API (the same loop as ``shomei worker``)."""
    state = app_state(client.app)
    if state.settings.runs_in_process_worker:
        yield
        return
    worker = start_in_process(state)
    try:
        yield
    finally:
        worker.stop()


def new_key() -> str:
    return f"test-{uuid.uuid4().hex}"
