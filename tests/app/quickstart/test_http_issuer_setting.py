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


@pytest.mark.parametrize(
    ("base", "accepted"),
    [
        ("https://example.org/shomei", True),
        ("https://example.org/a%20b/v1", True),
        ("https://example.org/~shomei", False),  # "~" is no DID character (DID Core §3.1 idchar)
        ("https://example.org/a+b", False),
        ("https://example.org/@me", False),
        ("https://user@example.org", False),
        ("https://example.org/x?y=1", False),
    ],
)
def test_the_base_url_path_must_fit_in_a_did_web_identifier(base: str, accepted: bool) -> None:
    """Found by the regression fuzzing round: with SHOMEI_PUBLIC_BASE_URL=https://example.org/~shomei the
    service minted did:web:example.org:~shomei:issuers:<slug>, which no did:web resolver (ours included)
    reads, so it could not verify its own credentials. Such a base URL is refused when the service starts."""
    if accepted:
        assert Settings(public_base_url=base, database_url="sqlite://").base_path.startswith("/")
    else:
        with pytest.raises(ValueError, match="public_base_url"):
            Settings(public_base_url=base, database_url="sqlite://")
