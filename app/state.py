"""The application's typed state: what ``create_app`` builds once and the lifespan completes.

Routes reach it through ``app.deps.StateDep``; code outside a request (tests, benchmarks, the CLI) through
``app_state(app)``. Nothing else is kept on ``app.state``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp

from app.clock import Clock
from app.db.session import make_read_sessionmaker
from app.http_client import GuardedClient
from app.keys.x5c import CertificateAuthority
from app.keystore import KeyCustody
from app.settings import Settings
from app.verification.cache import TtlCache
from proofs.jsonld import DocumentLoader
from verifier import VerifiedStatusLists

__all__ = ["AppState", "NotStarted", "app_state"]


class NotStarted(RuntimeError):
    """The database is reached before the lifespan opened it."""


_Sessions = sessionmaker[Session]  # the name, for annotations inside AppState (which has a property of it)


@dataclass
class AppState:
    settings: Settings
    clock: Clock
    custody: KeyCustody
    # Contexts read and checked against their pinned sha256 once, at start; never fetched.
    loader: DocumentLoader
    # Keyed hash for finding a learner's credentials without storing the identifier (derived from the KEK).
    lookup_key: bytes
    # The one outbound HTTP client (did:web, key URLs, status lists, credential URLs, images).
    http: GuardedClient
    status_cache: TtlCache[str]
    did_cache: TtlCache[str]
    image_cache: TtlCache[bytes]
    # Status lists whose own proof was verified, kept across requests (each verifier is per request).
    verified_lists: VerifiedStatusLists
    # Development CA for SD-JWT VC x5c chains (its key derived from the KEK, never stored).
    ca: CertificateAuthority
    # DER certificates: anchors for issuers' x5c chains, and for wallet providers' attestations.
    trust_anchors: list[bytes]
    wallet_trust_anchors: list[bytes]
    # Seals webhook signing secrets (derived from the KEK, never stored).
    webhook_key: bytes = field(default=b"", repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _sessionmaker: sessionmaker[Session] | None = field(default=None, repr=False)
    _read_sessionmaker: sessionmaker[Session] | None = field(default=None, repr=False)

    def open_database(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self._engine, self._sessionmaker = engine, factory
        self._read_sessionmaker = make_read_sessionmaker(engine)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise NotStarted("the app's lifespan has not started")
        return self._engine

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        if self._sessionmaker is None:
            raise NotStarted("the app's lifespan has not started")
        return self._sessionmaker

    @property
    def read_sessionmaker(self) -> _Sessions:
        """Sessions for requests that only read (``app.db.session.READ_ONLY``)."""
        if self._read_sessionmaker is None:
            raise NotStarted("the app's lifespan has not started")
        return self._read_sessionmaker


def app_state(app: ASGIApp) -> AppState:
    """The state of an app made by ``create_app``."""
    state = app.state.shomei  # type: ignore[attr-defined]
    if not isinstance(state, AppState):
        raise TypeError("not an app made by app.main.create_app")
    return state
