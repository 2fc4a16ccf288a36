"""``configure_logging``: one stderr handler of its own, at the configured level, beside other handlers; the
loggers whose INFO lines carry whole URLs (query strings included) kept at WARNING."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.logs import configure_logging
from app.main import create_app
from app.testing import SyncClient
from tests.conftest import make_settings

_NAMES = ("", "shomei", "uvicorn.access", "httpx", "httpcore")


@pytest.fixture
def saved_logging() -> Iterator[None]:
    """Put the root handlers and the levels of the loggers these tests touch back as they were."""
    root = logging.getLogger()
    handlers = list(root.handlers)
    levels = {name: logging.getLogger(name).level for name in _NAMES}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_configure_logging_keeps_one_handler_of_its_own_and_the_others(
    saved_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    configure_logging("INFO", json_logs=True)
    configure_logging("WARNING", json_logs=True)
    root = logging.getLogger()
    own = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and h.stream is stderr]
    assert len(own) == 1 and own[0].level == logging.WARNING
    assert foreign in root.handlers
    # A logger set lower on purpose reaches other handlers, not the service's stderr.
    logging.getLogger("shomei").setLevel(logging.DEBUG)
    logging.getLogger("shomei.probe").info("below the configured level")
    logging.getLogger("shomei.probe").warning("at it", extra={"path": "/v1/issuers"})
    lines = [json.loads(line) for line in stderr.getvalue().splitlines()]
    assert [(line["level"], line["msg"], line.get("path")) for line in lines] == [
        ("warning", "at it", "/v1/issuers")
    ]


@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_loggers_that_write_whole_urls_stay_at_warning(saved_logging: None, level: str) -> None:
    configure_logging(level, json_logs=False)
    for name in ("uvicorn.access", "httpx", "httpcore"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("shomei").getEffectiveLevel() <= logging.INFO


def test_the_start_line_names_the_database_without_its_credentials(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A password given in the database URL's query (libpq's ``?password=``, ``?sslpassword=``) is a
    credential like the one before the host: the ``started`` line says which database, never either."""
    url = f"sqlite:///file:{tmp_path}/start.db?mode=rwc&password=Start-Secret-9f2c&uri=true"
    caplog.set_level(logging.INFO, logger="shomei")
    client = SyncClient(create_app(make_settings(url)))
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        client.close()
    started = [r for r in caplog.records if r.name == "shomei" and r.getMessage() == "started"]
    assert started
    database = str(started[0].__dict__["database"])
    assert "start.db" in database
    assert "Start-Secret-9f2c" not in database
