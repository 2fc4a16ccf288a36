"""The job worker's loop: ``shomei worker`` processes beside the API on PostgreSQL (any number, on any
machine), or one thread inside the API process on SQLite (:func:`start_in_process`, from the app's
lifespan), so that ``make run`` still does everything.

The queue is the table of job rows itself, leased with ``SELECT ... FOR UPDATE SKIP LOCKED``
(:mod:`app.jobs.repository`): no other queue to run, and a row's outcome is written in the transaction that
issues it. A worker takes ``jobs_batch_rows`` rows at a time, issues each in its own transaction, closes the
jobs it finished, and polls every ``jobs_poll_seconds`` when there is nothing to do.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from app.jobs import runner
from app.state import AppState

__all__ = ["InProcessWorker", "Worker", "run_threads", "start_in_process"]

log = logging.getLogger("shomei.jobs")


@dataclass
class Worker:
    """One worker: ``step`` leases and issues one batch; ``run`` loops until ``stop`` is set."""

    state: AppState
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    issued: int = 0
    failed: int = 0

    def step(self) -> int:
        """Lease a batch and issue it; close the jobs left without pending rows. Rows handled (0: idle)."""
        claims = runner.claim(self.state, owner=self.name)
        for item in claims:
            try:
                outcome = runner.run_row(self.state, item)
            except runner.RetryLater:
                continue  # pending; taken again once its lease expires
            if outcome == "issued":
                self.issued += 1
            elif outcome == "failed":
                self.failed += 1
        runner.close_finished(self.state)
        return len(claims)

    def run(self, stop: threading.Event, *, exit_when_idle: bool = False) -> None:
        """Work until ``stop`` is set (or, with ``exit_when_idle``, until there is nothing left to do). A
        database error or an unexpected one is logged and waited out: the rows it interrupted stay pending,
        are taken again once their lease expires, and fail (``issuance-attempts-exhausted``) after
        ``jobs_max_attempts``."""
        poll = self.state.settings.jobs_poll_seconds
        log.info("job worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                handled = self.step()
            except DBAPIError as exc:
                log.warning(
                    "job worker: database error", extra={"worker": self.name, "error": type(exc).__name__}
                )
                handled = 0
            except Exception as exc:  # a bug must not stop the worker: the row is tried again, then failed
                # Only the exception's type: its text may quote a row (a learner's name or address).
                log.error(
                    "job worker: unexpected error", extra={"worker": self.name, "error": type(exc).__name__}
                )
                handled = 0
            if handled == 0:
                if exit_when_idle:
                    break
                stop.wait(poll)
        log.info(
            "job worker stopped", extra={"worker": self.name, "issued": self.issued, "failed": self.failed}
        )


def run_threads(
    state: AppState, stop: threading.Event, *, threads: int, exit_when_idle: bool = False
) -> list[Worker]:
    """Run ``threads`` workers in this process until ``stop`` (``shomei worker``). Several threads overlap
    one row's database round trips and commit with another row's signing: each commit waits for the
    write-ahead log to reach the disk, which a single thread would spend idle."""
    base = Worker(state).name
    workers = [Worker(state, name=f"{base}/{i}") for i in range(threads)]
    running = [
        threading.Thread(target=w.run, args=(stop,), kwargs={"exit_when_idle": exit_when_idle}, name=w.name)
        for w in workers
    ]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return workers


@dataclass
class InProcessWorker:
    """A worker thread inside the API process; ``stop`` ends it after the row under way."""

    worker: Worker
    thread: threading.Thread
    stopping: threading.Event

    def stop(self, timeout: float = 30.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)


def start_in_process(state: AppState) -> InProcessWorker:
    """Start a worker thread on the app's database (the lifespan does, on SQLite)."""
    worker = Worker(state)
    stopping = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stopping,), name="shomei-job-worker", daemon=True)
    thread.start()
    return InProcessWorker(worker, thread, stopping)
