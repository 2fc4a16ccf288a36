"""Service settings: one pydantic-settings class, environment prefix ``SHOMEI_``; ``SettingsError`` (with a
``code``) when they do not allow the service to start, and the refusals of ``SHOMEI_ENVIRONMENT=production``
(``Settings.production_refusals``)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["MIN_ADMIN_TOKEN_LENGTH", "Settings", "SettingsError"]

DEFAULT_SQLITE_URL = "sqlite:///./var/shomei.db"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
# An admin token shorter than this is refused in production (and a token under it shows no prefix).
MIN_ADMIN_TOKEN_LENGTH = 32


class SettingsError(RuntimeError):
    """The settings (or the database they name) do not allow the service to start.

    ``code`` says which rule, for programs and tests: ``insecure-base-url``, ``local-base-url``,
    ``private-addresses-allowed``, ``weak-admin-token``, ``database-not-migrated``,
    ``database-unreachable``, ``no-kek``, ``kek-file-missing``, ``invalid-kek``. The message is one line
    for an operator.
    """

    def __init__(self, message: str, *, code: str = "invalid-settings") -> None:
        super().__init__(message)
        self.code = code


_DID_SEGMENT = re.compile(r"(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+")


class Settings(BaseSettings):
    # The environment first, then ``.env`` in the working directory: the file ``make run``, the ``shomei``
    # CLI and the quick start all read, so that the CLI mints the DIDs the server serves.
    model_config = SettingsConfigDict(
        env_prefix="SHOMEI_", extra="ignore", frozen=True, env_file=".env", env_file_encoding="utf-8"
    )

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL
    admin_token: SecretStr | None = None
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    # Key-encryption key: 32 bytes, base64 (standard or url-safe). Or a file holding the same.
    kek: SecretStr | None = None
    kek_file: Path | None = None
    # Create var/kek on first start (only ever in development, the embedded default).
    create_dev_kek: bool = True
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    log_level: str = "INFO"
    log_json: bool = True
    # Outbound HTTP (did:web, status lists, credential URLs).
    http_timeout_seconds: float = 5.0
    http_max_response_bytes: int = 2_097_152
    http_allow_private: bool = False
    # Bitstring Status List: entries per list (BSL v1.0 §6.1 asks for at least 131,072; tests may lower
    # it to exercise rollover) and the Cache-Control max-age / ttl of published lists.
    status_list_size: int = Field(default=131_072, ge=8)
    status_list_max_age_seconds: int = Field(default=300, ge=0)
    # Extra trust anchors (PEM bundle) for SD-JWT VC x5c chains, besides the development CA.
    trust_anchors_file: Path | None = None
    # Wallet providers (PEM bundle of CAs) whose wallet (client) and key attestations are trusted
    # (HAIP); with require_wallet_attestations, OpenID4VCI wallets must present both.
    wallet_trust_anchors_file: Path | None = None
    require_wallet_attestations: bool = False
    # Verification: tolerated clock difference for validFrom/validUntil (and JWT nbf/exp).
    verify_clock_skew_seconds: int = Field(default=300, ge=0)
    # The most JSON values one credential (apart from those a CLR bundles) or a presentation (apart from
    # the credentials it holds) may hold before it is refused unread (too-many-values;
    # verifier.limits.MAX_VALUES says why 1,500: refusing one then costs at most about 21 ms of CPU). A
    # presentation holds at most twice as many in all, a CLR eight times (verifier.presentation
    # PRESENTATION_FACTOR, verifier.limits.CLR_FACTOR).
    verify_max_values: int = Field(default=1_500, ge=100)
    # Issuer trust (issue 18): an imported trust list file (JSON: [{"id", "name"}] or {"name", "entries"}),
    # and whether verification checks an issuer's DIF domain linkage (/.well-known/did-configuration.json).
    trust_list_file: Path | None = None
    domain_linkage: bool = True
    # Run `alembic upgrade head` at start (the embedded default does; production runs `shomei db upgrade`).
    auto_migrate: bool | None = None
    # Webhooks: the in-process dispatcher (off: another process delivers), how often it looks for due
    # deliveries, the first retry delay (doubled after each failure, at most 6 hours apart) and how long a
    # delivery is retried.
    webhook_dispatcher: bool = True
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_hours: float = Field(default=24.0, gt=0)
    # Bulk issuance jobs (app/jobs): rows per upload; a worker's lease on the rows it took (a killed
    # worker's rows are taken over once it expires), rows per lease, the idle poll, attempts per row; the
    # in-process worker (None: on SQLite only; PostgreSQL runs `shomei worker` processes beside the API).
    jobs_max_rows: int = Field(default=50_000, ge=1)
    jobs_lease_seconds: float = Field(default=60.0, gt=0)
    jobs_batch_rows: int = Field(default=10, ge=1, le=1000)
    jobs_poll_seconds: float = Field(default=1.0, gt=0)
    jobs_max_attempts: int = Field(default=5, ge=1)
    jobs_in_process_worker: bool | None = None
    # /metrics (Prometheus): public unless a token is set (then `Authorization: Bearer <token>`).
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    # Rate limits of the public, unauthenticated endpoints (verification, OpenID4VCI offers and tokens), per
    # client address: a token bucket refilled at rate_limit_per_minute, holding up to rate_limit_burst.
    # 0 turns them off. Per process: with several workers each keeps its own buckets.
    rate_limit_per_minute: int = Field(default=120, ge=0)
    rate_limit_burst: int = Field(default=30, ge=1)
    # Whether loopback clients are limited too (None: in production only). A development service's callers
    # are its developer, its test suites and the conformance suites, all on loopback; behind a reverse
    # proxy uvicorn takes the client's own address from X-Forwarded-For (proxy_headers).
    rate_limit_loopback: bool | None = None

    @property
    def rate_limits_loopback(self) -> bool:
        if self.rate_limit_loopback is not None:
            return self.rate_limit_loopback
        return self.environment == "production"

    @model_validator(mode="before")
    @classmethod
    def _default_base_url(cls, data: Any) -> Any:
        """Unset, the public base URL is where ``shomei serve`` listens (``http://HOST:PORT``), so that
        ``SHOMEI_PORT=8001 make run`` mints DIDs with port 8001, not the default 8000."""
        if isinstance(data, dict) and data.get("public_base_url") is None:
            host = str(data.get("host") or "127.0.0.1")
            if host in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere: reachable on loopback
                host = "127.0.0.1"
            if ":" in host:
                host = f"[{host}]"
            data = {**data, "public_base_url": f"http://{host}:{data.get('port') or 8000}"}
        return data

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("public_base_url must be an absolute http(s) URL")
        if "@" in parts.netloc or parts.query or parts.fragment:
            raise ValueError("public_base_url must have no user, query or fragment")
        segments = [s for s in parts.path.split("/") if s]
        if any(_DID_SEGMENT.fullmatch(s) is None or s in (".", "..") for s in segments):
            # Each segment becomes part of the did:web identifiers minted here (DID Core §3.1 idchar).
            raise ValueError(
                "public_base_url's path may hold only letters, digits, '.', '-', '_' and %-escapes: "
                "it is part of the service's did:web identifiers"
            )
        return value.rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_in_process_worker(self) -> bool:
        if self.jobs_in_process_worker is not None:
            return self.jobs_in_process_worker
        return self.is_sqlite

    @property
    def migrate_on_start(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.environment != "production" and self.is_sqlite

    def production_refusals(self) -> list[SettingsError]:
        """Why ``environment=production`` may not start with these settings (empty: it may; always empty
        in another environment): a public base URL that is ``http`` or local (the default is both), outbound
        requests allowed to private addresses, an admin token under 32 characters."""
        if self.environment != "production":
            return []
        refusals: list[SettingsError] = []
        url = self.public_base_url
        parts = urlsplit(url)
        if parts.scheme != "https":
            message = f"SHOMEI_PUBLIC_BASE_URL must be an https URL in production, not {url}"
            refusals.append(SettingsError(message, code="insecure-base-url"))
        elif _is_local_host(parts.hostname or ""):
            message = f"SHOMEI_PUBLIC_BASE_URL must be the service's public address, not {url}"
            refusals.append(SettingsError(message, code="local-base-url"))
        if self.http_allow_private:
            message = "SHOMEI_HTTP_ALLOW_PRIVATE=true (outbound requests to private addresses) is refused"
            refusals.append(SettingsError(message + " in production", code="private-addresses-allowed"))
        token = self.admin_token.get_secret_value() if self.admin_token is not None else None
        if token is not None and len(token) < MIN_ADMIN_TOKEN_LENGTH:
            message = f"SHOMEI_ADMIN_TOKEN needs at least {MIN_ADMIN_TOKEN_LENGTH} characters in production"
            message += " (unset, a strong one is generated and printed once)"
            refusals.append(SettingsError(message, code="weak-admin-token"))
        return refusals

    def check_production(self) -> None:
        """Raise the first of ``production_refusals``, if any."""
        refusals = self.production_refusals()
        if refusals:
            raise refusals[0]

    @cached_property
    def did_web_host(self) -> str:
        """The host part of did:web identifiers: host, with ``:port`` percent-encoded (did:web §3.1)."""
        netloc = urlsplit(self.public_base_url).netloc
        return netloc.replace(":", "%3A")

    @property
    def base_path(self) -> str:
        """Path prefix of the public base URL (did:web paths are appended to it)."""
        return urlsplit(self.public_base_url).path.rstrip("/")

    @property
    def http_issuer_allowed(self) -> bool:
        """SD-JWT VCs may carry an ``http`` issuer identifier: only outside production, on an ``http``
        public base URL whose host is a loopback address or localhost (``make run``'s default). Wallets
        expect https; the service logs a warning at start when this applies."""
        parts = urlsplit(self.public_base_url)
        return (
            self.environment != "production"
            and parts.scheme == "http"
            and _is_local_host(parts.hostname or "")
        )

    def load_kek(self) -> bytes:
        """Return the 32-byte key-encryption key, creating a development one if allowed.

        Raises SettingsError when none is configured outside development.
        """
        if self.kek is not None:
            return _decode_kek(self.kek.get_secret_value(), "SHOMEI_KEK")
        path = self.kek_file
        if path is None and self.environment != "production" and self.is_sqlite:
            path = self._embedded_dir() / "kek"
        if path is not None:
            if path.exists():
                return _decode_kek(path.read_text(encoding="ascii").strip(), str(path))
            if self.environment == "production" or not self.create_dev_kek:
                raise SettingsError(f"key-encryption key file {path} does not exist", code="kek-file-missing")
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            key = secrets.token_bytes(32)
            path.touch(mode=0o600)
            path.write_text(base64.b64encode(key).decode("ascii") + "\n", encoding="ascii")
            return key
        raise SettingsError(
            "no key-encryption key: set SHOMEI_KEK (32 bytes, base64) or SHOMEI_KEK_FILE; "
            "the service only creates one itself for the embedded development database",
            code="no-kek",
        )

    def _embedded_dir(self) -> Path:
        url = self.database_url
        if url.startswith("sqlite") and ":///" in url:
            db_path = url.split(":///", 1)[1]
            if db_path and db_path != ":memory:":
                return Path(db_path).parent
        return Path("var")


def _decode_kek(text: str, origin: str) -> bytes:
    try:
        altchars = b"-_" if "-" in text or "_" in text else None
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=altchars, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SettingsError(f"{origin} is not base64", code="invalid-kek") from exc
    if len(raw) != 32:
        raise SettingsError(f"{origin} must decode to exactly 32 bytes", code="invalid-kek")
    return raw


def _is_local_host(host: str) -> bool:
    """localhost (and names under it), a loopback or unspecified address: never a public base URL."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
