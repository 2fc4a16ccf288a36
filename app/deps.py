"""Dependency aliases for endpoints: the app's state, settings, the request's unit of work, the clock, the
caller (principal), the issuer of the path checked for a scope (``TenantFor*``), and the issuance context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from app.clock import Clock
from app.credentials.context import IssueContext, issue_context
from app.db.models import Tenant
from app.errors import BadRequest
from app.keystore import KeyCustody
from app.settings import Settings
from app.state import AppState, app_state
from app.tenants import service as tenants
from app.tokens.auth import Principal, authenticate, authenticate_on, authorize
from schemas.api import unstorable_text

__all__ = [
    "ClockDep",
    "CustodyDep",
    "IssueContextDep",
    "PrincipalDep",
    "ReadSessionDep",
    "SessionDep",
    "SettingsDep",
    "StateDep",
    "TenantForAdmin",
    "TenantForIssue",
    "TenantForRead",
    "TenantForRevoke",
    "tenant_for",
]


# The dependencies that only read the app's state are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool, a hand-off to a worker thread and back per dependency and request, while
# these never block. Those that touch the database (the session, the principal, the tenant) stay ``def``.


async def _state(request: Request) -> AppState:
    return app_state(request.app)


StateDep = Annotated[AppState, Depends(_state)]


async def _settings(state: StateDep) -> Settings:
    return state.settings


async def _clock(state: StateDep) -> Clock:
    return state.clock


async def _custody(state: StateDep) -> KeyCustody:
    return state.custody


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


async def _session(state: StateDep) -> AsyncIterator[Session]:
    """One unit of work per request: commit when the route returns, roll back on any error.

    Made in the event loop (a new Session does no I/O: it takes a connection at its first statement,
    in the thread of whatever uses it), so the request's only thread-pool hand-offs for the session are
    the sync dependencies and endpoint that use it, and the one that commits (or rolls back) and closes."""
    async with _unit_of_work(state.sessionmaker()) as session:
        yield session


async def _read_session(state: StateDep) -> AsyncIterator[Session]:
    """As :func:`_session`, for a route that only reads (verification): its transaction reads beside the
    writers instead of queueing with them (``app.db.session.READ_ONLY``)."""
    async with _unit_of_work(state.read_sessionmaker()) as session:
        yield session


@asynccontextmanager
async def _unit_of_work(session: Session) -> AsyncIterator[Session]:
    """Commit when the block ends, roll back (and re-raise) when an error leaves it; close either way. A
    context manager, so that an error thrown into the dependency at its ``yield`` reaches it."""
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still gives its connection back
            await run_in_threadpool(_rollback_and_close, session)
        raise
    if not session.in_transaction():
        # The route committed in its own thread (issuance): closing does no I/O now, so no hand-off.
        session.close()
        return
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(_commit_and_close, session)


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
CustodyDep = Annotated[KeyCustody, Depends(_custody)]
# scope="function": the commit happens before the response is sent, so a failed commit is an error
# response, never a 201 for something that was not stored.
SessionDep = Annotated[Session, Depends(_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(_read_session, scope="function")]


# request.state attribute: (slug, issuer or None) read with the token (``_principal``), for ``tenant_for``.
_PATH_TENANT = "shomei_path_tenant"


def _principal(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Principal:
    """The caller. On an issuer's path (``{slug}``) the issuer is read in the same statement as the token
    and kept for ``tenant_for``: one round trip and one thread-pool hand-off fewer per request."""
    if len(request.headers.getlist("authorization")) > 1:
        # Authorization is no list (RFC 9110 §5.3): readers differ on which of two counts (we took the
        # first, a proxy may check the last), so neither is taken.
        raise BadRequest("send one Authorization header", type_name="duplicate-header")
    slug = request.path_params.get("slug")
    if isinstance(slug, str) and not unstorable_text(slug):
        principal, tenant = authenticate_on(session, authorization, now=clock.now(), slug=slug)
        setattr(request.state, _PATH_TENANT, (slug, tenant))
        return principal
    return authenticate(session, authorization, now=clock.now())


PrincipalDep = Annotated[Principal, Depends(_principal)]


def tenant_for(scope: str) -> Callable[..., Awaitable[Tenant]]:
    """A dependency: the issuer named by the path's ``{slug}``, once the caller may act on it with ``scope``.

    Another tenant's issuer answers 404, exactly like one that does not exist (``authorize``).
    """

    async def dependency(request: Request, slug: str, session: SessionDep, who: PrincipalDep) -> Tenant:
        # Read by ``_principal`` with the token (its sub-dependency, so already there); else looked up
        # here, in the thread pool (an issuer that does not exist: get_by_slug's NotFound).
        found = getattr(request.state, _PATH_TENANT, None)
        if found is not None and found[0] == slug and found[1] is not None:
            tenant: Tenant = found[1]
        else:
            tenant = await run_in_threadpool(tenants.get_by_slug, session, slug)
        authorize(who, tenant, scope)
        return tenant

    return dependency


# The issuer of the path, checked for a scope: an endpoint declares `tenant: TenantForIssue`, and so on.
TenantForRead = Annotated[Tenant, Depends(tenant_for("read"))]
TenantForIssue = Annotated[Tenant, Depends(tenant_for("issue"))]
TenantForRevoke = Annotated[Tenant, Depends(tenant_for("revoke"))]
TenantForAdmin = Annotated[Tenant, Depends(tenant_for("admin"))]


async def _issue_context(state: StateDep, clock: ClockDep) -> IssueContext:
    return issue_context(state, clock.now())


IssueContextDep = Annotated[IssueContext, Depends(_issue_context)]
