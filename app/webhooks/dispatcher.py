"""The webhook dispatcher: a background thread of each API process (started by the app's lifespan) that
claims due deliveries from the outbox, signs each one (Standard Webhooks) and sends it through the guarded
client, then records the attempt and, on failure, when to try again.

Several processes may run it against one database. A claim happens in one short transaction: on PostgreSQL
``SELECT … FOR UPDATE SKIP LOCKED`` hands each due row to one dispatcher; on both databases the claim is a
compare-and-set of ``next_attempt_at`` to a lease in the future, so a row is sent by one dispatcher at a
time, and a dispatcher that dies mid-delivery (or a process that stops) leaves it due again when the lease
ends. Nothing is held in memory: an event written before a restart is delivered after it.

Retries: a failed attempt (no answer, or a status other than 2xx) is tried again after the base delay,
doubled each time (at most 6 hours apart), until ``webhook_retry_hours`` after the delivery was made (or
redelivered), when it is marked ``failed``. A ``410 Gone`` is not retried: the delivery fails and the
endpoint is paused (``enabled: false``), as Standard Webhooks suggests.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.db.models import WebhookAttempt
from app.http_client import FetchError
from app.state import AppState
from app.webhooks import repository
from app.webhooks.service import OUTBOX_WRITTEN, open_secret
from app.webhooks.signing import headers

__all__ = ["MAX_RETRY_DELAY", "Dispatcher", "next_attempt"]

log = logging.getLogger("shomei.webhooks")
MAX_RETRY_DELAY = dt.timedelta(hours=6)
BATCH = 32
GONE = 410
USER_AGENT = "Shomei-Webhooks/0.1"


def next_attempt(
    *, failures: int, now: dt.datetime, retry_from: dt.datetime, base: dt.timedelta, window: dt.timedelta
) -> dt.datetime | None:
    """When to try again after ``failures`` failed attempts (None: give up). Exponential backoff from
    ``base``, capped at :data:`MAX_RETRY_DELAY`; the last try is at the end of the window."""
    end = retry_from + window
    if now >= end:
        return None
    delay: dt.timedelta = min(base * (2 ** min(failures - 1, 30)), MAX_RETRY_DELAY)
    retry: dt.datetime = min(now + delay, end)
    return retry


class Dispatcher:
    """Delivers due webhook deliveries; :meth:`run_once` is one round, :meth:`claim` its first half (tests
    call both directly)."""

    def __init__(self, state: AppState, *, workers: int = 4) -> None:
        self.state = state
        self._stop = threading.Event()
        self._wake = threading.Event()  # set by a commit of this process that wrote to the outbox
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="shomei-webhook")
        settings = state.settings
        self.poll = settings.webhook_poll_seconds
        self.base = dt.timedelta(seconds=settings.webhook_retry_base_seconds)
        self.window = dt.timedelta(hours=settings.webhook_retry_hours)
        # A claimed delivery is not claimed again before this (longer than any one attempt).
        self.lease = dt.timedelta(seconds=max(60.0, 4 * settings.http_timeout_seconds))

    def start(self) -> None:
        event.listen(self.state.sessionmaker, "after_commit", self._after_commit)
        self._thread = threading.Thread(target=self._loop, name="shomei-webhook-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            event.remove(self.state.sessionmaker, "after_commit", self._after_commit)
            self._thread.join(timeout=30)
        self._pool.shutdown(wait=True)

    def _after_commit(self, session: Session) -> None:
        """A commit of this process wrote deliveries: go now, not at the next poll."""
        if session.info.pop(OUTBOX_WRITTEN, False):
            self._wake.set()

    def _loop(self) -> None:
        busy = False
        while not self._stop.is_set():
            if not busy:
                self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                busy = self.run_once() == BATCH
            except Exception:
                log.exception("webhook dispatch round failed")
                busy = False

    def claim(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """Claim the due deliveries (leased to this dispatcher): their (delivery id, tenant id)."""
        now = self.state.clock.now()
        with self.state.sessionmaker.begin() as session:
            due = repository.due_deliveries(session, now=now, limit=BATCH)
            return [
                (delivery_id, tenant_id)
                for delivery_id, tenant_id, seen in due
                if repository.claim(
                    session, tenant_id, delivery_id, seen_next=seen, lease_until=now + self.lease
                )
            ]

    def run_once(self) -> int:
        """Claim the due deliveries and attempt each; returns how many were claimed."""
        claimed = self.claim()
        list(self._pool.map(lambda row: self._deliver(*row), claimed))
        return len(claimed)

    def _deliver(self, delivery_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
        state = self.state
        with state.sessionmaker.begin() as session:
            parts = repository.delivery_parts(session, tenant_id, delivery_id)
        if parts is None:  # the endpoint was deleted meanwhile
            return
        delivery, endpoint, event = parts
        now = state.clock.now()
        secrets_ = [open_secret(state.webhook_key, endpoint.id, endpoint.sealed_secret)]
        if (
            endpoint.sealed_previous_secret is not None
            and endpoint.previous_until
            and now < endpoint.previous_until
        ):
            secrets_.append(open_secret(state.webhook_key, endpoint.id, endpoint.sealed_previous_secret))
        body = event.body.encode("utf-8")
        signed = headers(secrets_, message_id=f"msg_{event.id.hex}", now=now, body=body)
        signed["user-agent"] = USER_AGENT
        started = time.perf_counter()
        code: int | None = None
        error: str | None = None
        try:
            code = state.http.post(endpoint.url, content=body, headers=signed).status
        except FetchError as exc:
            error = exc.code
        latency_ms = round((time.perf_counter() - started) * 1000)
        done = state.clock.now()
        if code is not None and 200 <= code < 300:
            status, retry_at = "succeeded", None
        elif code == GONE:  # the receiver asks for no more: no retry, and the endpoint is paused
            status, retry_at, error = "failed", None, "gone"
        else:
            error = error or "unsuccessful-status"
            retry_at = next_attempt(
                failures=delivery.attempts + 1,
                now=done,
                retry_from=delivery.retry_from,
                base=self.base,
                window=self.window,
            )
            status = "pending" if retry_at is not None else "failed"
        with state.sessionmaker.begin() as session:
            repository.add_attempt(
                session,
                WebhookAttempt(
                    tenant_id=tenant_id,
                    delivery_id=delivery_id,
                    attempted_at=now,
                    status_code=code,
                    latency_ms=latency_ms,
                    error=error,
                ),
            )
            repository.finish(
                session,
                tenant_id,
                delivery_id,
                status=status,
                next_attempt_at=retry_at,
                status_code=code,
                latency_ms=latency_ms,
                error=error,
                now=done,
            )
            if code == GONE:
                repository.disable_endpoint(session, tenant_id, endpoint.id, now=done)
        if status != "succeeded":
            log.info(
                "webhook delivery attempt failed",
                extra={"delivery": str(delivery_id), "status_code": code, "error": error, "outcome": status},
            )
