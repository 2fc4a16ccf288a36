"""The dispatcher on SQLite and PostgreSQL: no event lost across a restart (outbox rows written while no
dispatcher runs, or after a failed attempt, are delivered by the next app), two dispatchers never claim one
delivery, a claimed delivery whose dispatcher died is claimed again when its lease ends, retries stop at the
end of the window (then redelivery on demand), and the backoff schedule itself."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from app.main import create_app
from app.state import app_state
from app.testing import SyncClient
from app.webhooks.dispatcher import MAX_RETRY_DELAY, Dispatcher, next_attempt
from tests.app.helpers import create_template, issue
from tests.app.webhooks.conftest import webhook_app
from tests.app.webhooks.receiver import receiver
from tests.app.webhooks.test_webhooks import register, wait_deliveries
from tests.conftest import bearer, make_settings, make_tenant
from tests.databases import fresh_database


class ShiftedClock:
    """The system clock moved by ``offset`` (tests move it forward)."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request.param, tmp_path) as database_url:
        yield database_url


def _deliveries(client: SyncClient, slug: str, token: str, hook: str) -> list[dict[str, Any]]:
    r = client.get(f"/v1/issuers/{slug}/webhooks/{hook}/deliveries", headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_no_event_is_lost_across_a_restart(url: str) -> None:
    with receiver(500) as rx:
        # A first app whose dispatcher tries once, gets a 500 and would retry only after an hour.
        first = webhook_app(url, webhook_retry_base_seconds=3600)
        slug, token = make_tenant(first)
        hook = register(first, slug, token, rx.url)
        template = create_template(first, slug, token)
        failed_once = issue(first, slug, token, template)
        rx.wait_for(1)
        first.close()
        # A second one without a dispatcher: its events stay in the outbox.
        second = webhook_app(url, webhook_dispatcher=False)
        never_sent = [issue(second, slug, token, template) for _ in range(2)]
        second.close()
        assert len(rx.received) == 1
        # After the restart, the pending (never attempted) ones go out at once; the one that failed waits
        # for its retry time, which redelivery on demand brings forward.
        third = webhook_app(url)
        try:
            rx.wait_for(3)
            log = _deliveries(third, slug, token, hook["id"])
            retry = next(d for d in log if d["attempts"] == 1 and d["status"] == "pending")
            r = third.post(
                f"/v1/issuers/{slug}/webhooks/{hook['id']}/deliveries/{retry['id']}/redeliver",
                headers=bearer(token),
            )
            assert r.status_code == 202, r.text
            requests = rx.wait_for(4)
            wait_deliveries(third, slug, token, hook["id"], settled=3)
        finally:
            third.close()
    delivered = [Webhook(hook["secret"]).verify(q.body, q.headers) for q in requests[1:]]
    ids = {p["data"]["credential_id"] for p in delivered}
    assert ids == {c["credential_id"] for c in [failed_once, *never_sent]}


def test_two_dispatchers_never_claim_the_same_delivery(url: str) -> None:
    client = webhook_app(url, webhook_dispatcher=False)
    try:
        slug, token = make_tenant(client)
        register(client, slug, token, "http://127.0.0.1:9/a")
        register(client, slug, token, "http://127.0.0.1:9/b")
        template = create_template(client, slug, token)
        for _ in range(20):
            issue(client, slug, token, template)
        state = app_state(client.app)
        dispatchers = [Dispatcher(state), Dispatcher(state), Dispatcher(state)]
        claims: list[list[tuple[uuid.UUID, uuid.UUID]]] = [[] for _ in dispatchers]
        start = threading.Barrier(len(dispatchers))

        def drain(index: int) -> None:
            start.wait()
            while batch := dispatchers[index].claim():
                claims[index].extend(batch)

        threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(dispatchers))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        every = [row for batch in claims for row in batch]
        assert len(every) == 40 and len(set(every)) == 40
        # Leased: claimed again by no one until the lease ends (a dispatcher that died mid-delivery).
        late = Dispatcher(state)
        assert late.claim() == []
        clock = ShiftedClock()
        state.clock = clock
        clock.offset = late.lease + dt.timedelta(seconds=1)
        again: list[tuple[uuid.UUID, uuid.UUID]] = []
        while batch := late.claim():
            again.extend(batch)
        assert sorted(again) == sorted(every)
        for d in [*dispatchers, late]:
            d.stop()
    finally:
        client.close()


def test_retries_end_with_the_window_and_redelivery_starts_a_new_one(url: str) -> None:
    clock = ShiftedClock()
    app = create_app(make_settings(url, webhook_dispatcher=False, webhook_retry_base_seconds=60), clock=clock)
    client = SyncClient(app)
    try:
        with receiver(*[500] * 5) as rx:
            slug, token = make_tenant(client)
            hook = register(client, slug, token, rx.url)
            issue(client, slug, token, create_template(client, slug, token))
            dispatcher = Dispatcher(app_state(app))
            assert dispatcher.run_once() == 1
            (delivery,) = _deliveries(client, slug, token, hook["id"])
            assert delivery["status"] == "pending" and delivery["last_status_code"] == 500
            assert dispatcher.run_once() == 0  # not due before its retry time
            clock.offset = dt.timedelta(hours=25)
            assert dispatcher.run_once() == 1
            (delivery,) = _deliveries(client, slug, token, hook["id"])
            assert delivery["status"] == "failed" and delivery["attempts"] == 2
            assert delivery["next_attempt_at"] is None
            rx.answers.clear()
            r = client.post(
                f"/v1/issuers/{slug}/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver",
                headers=bearer(token),
            )
            assert r.status_code == 202 and r.json()["status"] == "pending"
            assert dispatcher.run_once() == 1
            (delivery,) = _deliveries(client, slug, token, hook["id"])
            assert delivery["status"] == "succeeded" and delivery["attempts"] == 3
            assert [a["status_code"] for a in delivery["log"]] == [500, 500, 200]
            dispatcher.stop()
    finally:
        client.close()


def test_backoff_doubles_is_capped_and_ends_with_the_window() -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    base, window = dt.timedelta(seconds=5), dt.timedelta(hours=24)
    now, attempts, delays = start, 1, []
    while (
        retry := next_attempt(failures=attempts, now=now, retry_from=start, base=base, window=window)
    ) is not None:
        delays.append(retry - now)
        now, attempts = retry, attempts + 1
    assert delays[:4] == [dt.timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert max(delays) == MAX_RETRY_DELAY
    assert now == start + window  # the last attempt is at the end of the window, then no more
    assert 14 <= attempts <= 20


def test_a_commit_that_writes_to_the_outbox_wakes_the_dispatcher(url: str) -> None:
    client = webhook_app(url, webhook_poll_seconds=60)  # only a wake-up can deliver within the test
    try:
        with receiver() as rx:
            slug, token = make_tenant(client)
            hook = register(client, slug, token, rx.url)
            issue(client, slug, token, create_template(client, slug, token))
            (request,) = rx.wait_for(1, timeout=10)
        assert Webhook(hook["secret"]).verify(request.body, request.headers)["type"] == "credential.issued"
    finally:
        client.close()
