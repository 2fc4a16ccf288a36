"""Structured JSON logs carrying the request id."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from app.context import request_id_var

__all__ = ["JsonFormatter", "configure_logging"]

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}
_HANDLER_NAME = "shomei-stderr"
_URL_LOGGERS = ("uvicorn.access", "httpx", "httpcore")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            out["request_id"] = rid
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str, *, json_logs: bool) -> None:
    """Send the root logger's records at ``level`` and above to stderr (JSON lines by default).

    Idempotent: each call replaces the handler an earlier call installed and leaves other handlers (a test
    run's capture, an embedding program's) in place. The handler, not only the root logger, has the level,
    so a logger set lower on purpose (a test run's capture of ``shomei`` at DEBUG) adds nothing to stderr.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setLevel(level.upper())
    handler.setFormatter(
        JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != _HANDLER_NAME] + [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    # Their INFO lines carry whole URLs with their query strings (a recipient filter, a code): the app's own
    # access log (app/middleware.py) says what is needed, by path.
    for name in _URL_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
