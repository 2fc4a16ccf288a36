"""What the job tests share: a CSV of rows, waiting for a job, the tenant's credentials as stored, a worker
thread on the app's database."""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from app.db.models import Credential, Tenant
from app.jobs.worker import start_in_process
from app.state import app_state
from tests.conftest import SyncClient, bearer

__all__ = [
    "RESULT",
    "csv_upload",
    "learner",
    "post_job",
    "stored_credentials",
    "wait_finished",
    "worker_thread",
]

RESULT = '[{"type": ["Result"], "value": "A", "resultDescription": "urn:uuid:0b7e3a52-8d1c-4f6a-9e2b-5c4d3a2b1f00"}]'
COLUMNS = ("email", "given_name", "family_name", "result", "valid_from", "valid_until", "template_id")


def learner(n: int) -> dict[str, str]:
    return {"email": f"learner{n}@example.org", "given_name": "Aiko", "family_name": f"Tanaka {n}", "result": RESULT}


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


def wait_finished(client: SyncClient, slug: str, token: str, job_id: str, *, timeout: float = 300) -> dict[str, Any]:
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
