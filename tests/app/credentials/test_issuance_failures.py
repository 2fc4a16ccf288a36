"""An issuance that fails after its credential is signed and written (the credential row, its documents and
its audit row are Core INSERTs; the route commits in its own thread) leaves nothing behind: no credential, no
document, no audit row, no status list position; and the same Idempotency-Key then issues afresh. On SQLite
and PostgreSQL, against the tree before and after the request-handling changes of d48d394..d102aac."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.db.models import StatusListStripe
from app.state import app_state
from app.webhooks import service as webhooks
from tests.app.helpers import create_template
from tests.conftest import ADMIN, SyncClient, bearer, make_tenant


def _written(client: SyncClient, slug: str, token: str) -> tuple[int, int, int]:
    """(credentials, credential.issue audit rows, status positions handed out in all lists)."""
    items = client.get(f"/v1/issuers/{slug}/credentials?limit=200", headers=bearer(token)).json()["items"]
    audit = client.get(f"/v1/issuers/{slug}/audit?limit=1000", headers=ADMIN).json()
    with Session(app_state(client.app).engine) as session:
        positions = session.scalar(select(func.coalesce(func.sum(StatusListStripe.allocated), 0)))
    return len(items), [e["action"] for e in audit].count("credential.issue"), int(positions or 0)


def _clash(*_args: Any, **_kwargs: Any) -> None:
    raise IntegrityError("INSERT INTO webhook_events", {}, Exception("a clash after signing"))


@pytest.mark.parametrize("key", [None, "after-signing-1"], ids=["no-key", "key"])
def test_a_failure_after_signing_writes_nothing(
    client: SyncClient, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    slug, token = make_tenant(client)
    body = {"achievement_id": create_template(client, slug, token), "recipient": {"id": "did:example:1"}}
    headers = {**bearer(token), **({"Idempotency-Key": key} if key else {})}
    url = f"/v1/issuers/{slug}/credentials"
    before = _written(client, slug, token)
    with monkeypatch.context() as patch:
        # store_issued's last step, after every INSERT of the issuance
        patch.setattr(webhooks, "emit", _clash)
        r = client.post(url, json=body, headers=headers)
    assert r.headers["content-type"] == "application/problem+json"
    assert _written(client, slug, token) == before
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers


def test_a_failed_commit_writes_nothing(client: SyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    slug, token = make_tenant(client)
    body = {"achievement_id": create_template(client, slug, token), "recipient": {"id": "did:example:1"}}
    headers = {**bearer(token), "Idempotency-Key": "failed-commit-1"}
    url = f"/v1/issuers/{slug}/credentials"
    before = _written(client, slug, token)
    commit = Session.commit
    failed: list[bool] = []

    def fail_once(session: Session) -> None:
        if not failed:
            failed.append(True)
            raise OperationalError("COMMIT", {}, Exception("the connection went"))
        commit(session)

    with monkeypatch.context() as patch:
        patch.setattr(Session, "commit", fail_once)
        r = client.post(url, json=body, headers=headers)
    assert failed and r.headers["content-type"] == "application/problem+json"
    assert r.status_code != 201
    assert _written(client, slug, token) == before
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
