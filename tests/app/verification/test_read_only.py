"""Issue 15: verification only reads. Its transaction reads beside the writers (on SQLite a deferred BEGIN, not
one more writer queueing at BEGIN IMMEDIATE; on PostgreSQL READ ONLY, so any write in it would fail), and a
status list changed since it was last signed is signed and stored in a transaction of its own, once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text

from app.metrics.service import exposition
from app.state import app_state
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import bearer, make_tenant

_PUBLISHED = "shomei_status_list_publications_total{"


def _published() -> float:
    """Status lists signed and published so far (the metric ``GET /metrics`` shows)."""
    lines = exposition().decode().splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(_PUBLISHED))


def _verified(client: SyncClient, credential: Any) -> bool:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200, r.text
    return bool(r.json()["verified"])


def test_a_changed_list_is_signed_once_in_a_transaction_of_its_own(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    template_id = create_template(client, slug, token)
    kept = issue(client, slug, token, template_id)["credentials"]["ldp_vc"]
    revoked = issue(client, slug, token, template_id)
    assert _verified(client, kept)
    r = client.post(
        f"/v1/issuers/{slug}/credentials/{revoked['credential_id']}/status",
        json={"action": "revoke", "reason": "issued_in_error"},
        headers=bearer(token),
    )
    assert r.status_code == 200, r.text
    before = _published()
    assert _verified(client, kept)  # the lists changed: each signed again, and stored
    signed = _published()
    assert signed > before
    assert not _verified(client, revoked["credentials"]["ldp_vc"])
    assert _verified(client, kept)
    assert _published() == signed  # once, not at each verification


def test_a_verification_does_not_wait_for_a_writer(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    credential = issue(client, slug, token, create_template(client, slug, token))["credentials"]["ldp_vc"]
    assert _verified(client, credential)  # its status list is published now
    state = app_state(client.app)
    outcome: list[bool] = []
    with state.sessionmaker.begin() as writer:
        # A write transaction holds the database (SQLite: BEGIN IMMEDIATE, its write lock) ...
        writer.execute(text("UPDATE tenants SET name = name WHERE slug = :slug"), {"slug": slug})
        # ... while a verification runs: it reads beside it instead of queueing behind it.
        worker = threading.Thread(target=lambda: outcome.append(_verified(client, credential)), daemon=True)
        worker.start()
        worker.join(timeout=20)
        assert outcome == [True], "the verification waited for the writer"


def test_the_credentials_pages_do_not_wait_for_a_writer(client: SyncClient) -> None:
    """Found by an outside sweep: the pages (certificate.pdf, badge.png, ...) took write sessions, so on
    SQLite each held the write lock while it rendered, and a loop of certificate downloads (no token
    needed) kept every write of the service waiting. They read beside a writer now, as verification does."""
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    path = str(out["id"])[str(out["id"]).index("/credentials/") :]
    state = app_state(client.app)
    for page in ("/download.json", "/badge.svg", "/badge.png", "/certificate.pdf"):
        outcome: list[int] = []
        with state.sessionmaker.begin() as writer:
            writer.execute(text("UPDATE tenants SET name = name WHERE slug = :slug"), {"slug": slug})
            worker = threading.Thread(
                target=lambda p=page, o=outcome: o.append(client.get(path + p).status_code), daemon=True
            )
            worker.start()
            worker.join(timeout=20)
            assert outcome == [200], f"{page} waited for the writer"
