"""The log scan of the test run (tests/log_scan.py): its scanner finds a secret logged on purpose wherever a
record carries it, the session's registry learns the secrets the API hands out and receives, the capture
sees the app's INFO lines, and a run that logs a secret fails."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.conftest import ADMIN, ADMIN_TOKEN, bearer, make_tenant
from tests.log_scan import LogCapture, SecretRegistry, active, find_leaks
from tests.paths import ROOT

SECRET = "shm_self-test-0f3c9a1b2d4e6f8091a2b3c4"


@pytest.fixture
def private_log() -> Iterator[tuple[logging.Logger, LogCapture]]:
    """A logger of its own that does not reach the session's capture, with a capture of its own."""
    logger = logging.getLogger("log-scan-self-test")
    capture = LogCapture()
    logger.addHandler(capture)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = True


def _registry() -> SecretRegistry:
    registry = SecretRegistry()
    registry.add("token", SECRET)
    registry.add("tx_code", "493817")
    registry.add("recipient email", "Learner.Self@Example.org")
    return registry


def test_the_scanner_finds_a_secret_in_each_part_of_a_record(
    private_log: tuple[logging.Logger, LogCapture],
) -> None:
    logger, capture = private_log
    logger.info("message %s", SECRET)
    logger.info("extra", extra={"authorization": f"Bearer {SECRET}"})
    logger.info("args %r", {"code": "493817"})
    try:
        raise ValueError("input_value='learner.self@example.org'")  # another case than registered
    except ValueError:
        logger.exception("failed")
    logger.info(SECRET)
    leaks = find_leaks(_registry(), capture.records)
    assert [(leak.kind, leak.logger) for leak in leaks] == [
        ("token", "log-scan-self-test"),
        ("token", "log-scan-self-test"),
        ("tx_code", "log-scan-self-test"),
        ("recipient email", "log-scan-self-test"),
        ("token", "log-scan-self-test"),
    ]
    assert all(SECRET not in leak.describe() for leak in leaks)


def test_the_scanner_finds_nothing_in_clean_records(private_log: tuple[logging.Logger, LogCapture]) -> None:
    logger, capture = private_log
    logger.info("request", extra={"path": "/v1/issuers/uni", "status": 200, "duration_ms": 4938.17})
    logger.info("an id %s and a longer number %s", "a493817b", "14938170")  # the tx_code inside other text
    logger.info("a prefix of the token %s", SECRET[:12])
    assert capture.records and find_leaks(_registry(), capture.records) == []
    assert find_leaks(SecretRegistry(), capture.records) == []


def test_short_values_are_not_secrets() -> None:
    registry = SecretRegistry()
    registry.add("tx_code", "1234")
    registry.add("token", "  ")
    assert registry.values == {}


def test_the_session_learns_the_secrets_of_the_api_and_captures_its_logs(client: SyncClient) -> None:
    session = active()
    assert session is not None
    registry, capture = session
    slug, token = make_tenant(client)
    assert registry.values[token.lower()] == "token"
    assert registry.values[ADMIN_TOKEN.lower()] == "admin token"
    r = client.get(
        f"/v1/issuers/{slug}/credentials", params={"recipient": "Scan.Me@Example.org"}, headers=bearer(token)
    )
    assert r.status_code == 200
    assert registry.values["scan.me@example.org"] == "recipient"
    before = len(capture.records)
    assert client.get("/v1/issuers", headers=ADMIN).status_code == 200
    access = [text for name, _, text in capture.records[before:] if name == "shomei.access"]
    assert any("/v1/issuers" in text for text in access)


def test_a_run_that_logs_a_secret_fails(tmp_path: Path) -> None:
    test_file = tmp_path / "test_leak.py"
    test_file.write_text(
        "import logging\n"
        "from tests.conftest import ADMIN_TOKEN\n\n\n"
        "def test_leak() -> None:\n"
        '    logging.getLogger("shomei.anything").info("the token is %s", ADMIN_TOKEN)\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOMEI_", "PYTEST_"))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.log_scan",
         f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"), str(test_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "admin token in a record of 'shomei.anything'" in result.stdout
    assert ADMIN_TOKEN not in result.stdout


def test_an_unexpected_error_carrying_secrets_logs_none_of_them(
    client: SyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's finding: a validation error raised inside the credential list's route logged the
    learner's identifier in its traceback. Whatever an unexpected exception carries stays out of the logs."""
    session = active()
    assert session is not None
    _, capture = session
    slug, token = make_tenant(client)
    email = "Hidden.Learner@Example.org"

    def explode(*args: object, **kwargs: object) -> object:
        raise ValueError(f"input_value={kwargs.get('recipient')!r} token={token}", kwargs)

    monkeypatch.setattr("app.credentials.service.list_credentials", explode)
    before = len(capture.records)
    r = client.get(f"/v1/issuers/{slug}/credentials", params={"recipient": email}, headers=bearer(token))
    assert r.status_code == 500 and r.json()["type"] == problem_type("internal-error")
    assert email not in r.text and token not in r.text
    texts = [text for _, _, text in capture.records[before:]]
    assert any("ValueError" in text for text in texts)  # the error is logged, by its type
    assert not [t for t in texts if email.lower() in t.lower() or token in t]
