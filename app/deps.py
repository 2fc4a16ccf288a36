"""Dependency aliases for routes: settings, the request's unit of work, clock, principal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session, sessionmaker

from app.credentials import service as issuance
from app.keystore import KeyCustody
from app.settings import Settings
from app.tokens.auth import Principal, authenticate

__all__ = [
    "Clock",
    "ClockDep",
    "CustodyDep",
    "PrincipalDep",
    "SessionDep",
    "SettingsDep",
    "SystemClock",
]


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _custody(request: Request) -> KeyCustody:
    custody: KeyCustody = request.app.state.custody
    return custody


def _session(request: Request) -> Iterator[Session]:
    """One unit of work per request: commit when the route returns, roll back on any error."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
CustodyDep = Annotated[KeyCustody, Depends(_custody)]
# scope="function": the commit happens before the response is sent, so a failed commit is an error
# response, never a 201 for something that was not stored.
SessionDep = Annotated[Session, Depends(_session, scope="function")]


def _principal(
    session: SessionDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    return authenticate(session, authorization, now=clock.now())


PrincipalDep = Annotated[Principal, Depends(_principal)]

ClockFactory = Callable[[], Clock]


def issue_context(
    request: Request, settings: SettingsDep, custody: CustodyDep, clock: ClockDep
) -> issuance.IssueContext:
    return issuance.IssueContext(
        settings=settings,
        custody=custody,
        loader=request.app.state.loader,
        lookup_key=request.app.state.lookup_key,
        now=clock.now(),
        ca=request.app.state.ca,
        wallet_trust_anchors=request.app.state.wallet_trust_anchors,
    )
