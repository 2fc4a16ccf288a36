"""Per-request context (the request id), readable from services and the log formatter."""

from __future__ import annotations

from contextvars import ContextVar

__all__ = ["request_id_var"]

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
