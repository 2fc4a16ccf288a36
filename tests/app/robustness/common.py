"""Shared helpers of the robustness tests: a tenant with a template, raw JSON bodies (escapes such as
``\\ud800`` and ``\\u0000`` sent as a client writes them), problem assertions, and the captured log lines
as the service's formatter writes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.errors import problem_type
from app.logs import JsonFormatter
from app.testing import SyncClient
from tests.app.helpers import create_template
from tests.conftest import bearer, make_tenant

__all__ = ["Issuer", "assert_problem", "error_types", "log_text", "make_issuer", "raw_json"]


@dataclass(frozen=True)
class Issuer:
    """A tenant with an Ed25519 key, a token with every scope and one template."""

    slug: str
    token: str
    template_id: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


def make_issuer(client: SyncClient) -> Issuer:
    slug, token = make_tenant(client)
    return Issuer(slug, token, create_template(client, slug, token))


def raw_json(text: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Request arguments that send ``text`` as the JSON body, byte for byte."""
    return {
        "content": text.encode("ascii"),
        "headers": {**(headers or {}), "content-type": "application/json"},
    }


def assert_problem(r: httpx.Response, status: int, name: str) -> dict[str, Any]:
    """The response is an ``application/problem+json`` of this status and type; returns its body."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    body: dict[str, Any] = r.json()
    assert body["type"] == problem_type(name), body
    assert body["status"] == status, body
    return body


def error_types(body: dict[str, Any]) -> set[str]:
    """The pydantic error types a validation-error problem lists."""
    return {str(e["type"]) for e in body.get("errors", [])}


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as the service's JSON formatter writes it, and its attributes."""
    formatter = JsonFormatter()
    return "\n".join(formatter.format(r) + repr(vars(r)) for r in caplog.records)
