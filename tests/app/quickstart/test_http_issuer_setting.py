"""When an SD-JWT VC may carry an ``http`` issuer identifier: a loopback ``http`` base URL outside
production only."""

from __future__ import annotations

import pytest

from app.settings import Settings


@pytest.mark.parametrize(
    ("environment", "base", "allowed"),
    [
        ("development", "http://127.0.0.1:8000", True),
        ("development", "http://localhost:8123", True),
        ("development", "http://[::1]:8000", True),
        ("test", "http://127.0.0.1:9000", True),
        ("development", "https://127.0.0.1:8000", False),  # https needs no exception
        ("development", "http://shomei.example", False),  # not loopback
        ("development", "http://10.0.0.5:8000", False),
        ("production", "http://127.0.0.1:8000", False),
    ],
)
def test_http_issuer_only_on_loopback_outside_production(environment: str, base: str, allowed: bool) -> None:
    settings = Settings(environment=environment, public_base_url=base, database_url="sqlite://")
    assert settings.http_issuer_allowed is allowed
