"""Schemathesis over every operation of the API document, in process (ASGI), bounded and seeded: the examples,
coverage (boundary and negative values) and fuzzing phases, checked for no 5xx, only documented status codes and
media types, and bodies that match their schema (``not_a_server_error``, ``status_code_conformance``,
``content_type_conformance``, ``response_schema_conformance``). On SQLite and PostgreSQL.

Each case runs with the service admin's token or an issuer's (every other case), its path filled with the
issuer's real resources three times in four (else what was generated: mostly a 404), a generated Accept
replaced by a JWT or HTML media type one time in three, and issuance names the issuer's template every other
case (and a valid learner one time in four). The run revokes only a spare token (``World.token_id``), never
the two tokens it uses, so no operation is left out. A failing case is printed with a curl line that
reproduces it.

Budget: 2,020 cases per database, about 27 s on SQLite and 33 s on PostgreSQL on a quiet 2-core machine
(up to a minute each when it is busy).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.testing import SyncClient
from tests.app.contract.world import World, make_world
from tests.conftest import ADMIN_TOKEN, bearer, create_pg_database, make_settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# What the routes that negotiate answer besides JSON-LD / JSON (generated Accept values never name these).
ACCEPTS = ("application/vc+jwt", "application/jwt", "text/html")
SEED = 14
MAX_EXAMPLES = 10  # per operation in the fuzzing phase; the coverage phase adds its own cases
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},  # no replays between runs
        # Methods an operation does not have only ever meet the router's 405.
        "phases": {"coverage": {"unexpected-methods": []}, "stateful": {"enabled": False}},
    }
)
# The document the app serves (it needs no database); each case is sent to the app of its backend.
schema = schemathesis.openapi.from_dict(
    create_app(make_settings("sqlite:///:memory:")).openapi(), config=CONFIG
)


@dataclass(frozen=True, slots=True)
class Target:
    client: asgi.ASGIClient
    world: World


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """A fresh database with one issuer's resources (made by another app instance, closed again), and the
    in-process client of the app the run calls (its lifespan runs until the end)."""
    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'shomei.db'}"
    else:
        url, drop = create_pg_database()
    try:
        setup = SyncClient(create_app(make_settings(url)))
        try:
            world = make_world(setup)
        finally:
            setup.close()
        app: Any = create_app(make_settings(url))  # an ASGI app (Schemathesis types the callable its own way)
        client = asgi.get_client(app)
        # Without headers of its own: Schemathesis gives a session's headers precedence over the case's,
        # so its default "Accept: */*" would replace every generated Accept (content negotiation untested).
        client.headers.clear()
        with client:
            yield Target(client, world)
        asgi.shutdown_lifespans()
    finally:
        if drop is not None:
            drop()


_case_numbers = itertools.count()


@pytest.mark.fuzz
@pytest.mark.xdist_group(name="schemathesis")  # one worker, one setup per backend
@schema.parametrize()
def test_the_api_keeps_its_contract(case: Case[Any], target: Target) -> None:
    n = next(_case_numbers)
    world = target.world
    values = world.path_values()
    for name in case.path_parameters or {}:
        if name in values and n % 4:
            case.path_parameters[name] = values[name]
    if case.headers and "accept" in case.headers and n % 3 == 0:
        case.headers["accept"] = ACCEPTS[n // 3 % len(ACCEPTS)]  # content negotiation's other branches
    if isinstance(case.body, dict) and "achievement_id" in case.body and n % 2:
        case.body["achievement_id"] = world.template_id
        if n % 4 == 1:  # a learner an issuance accepts, so that the rest of the body is what is tried
            case.body.pop("achievement", None)
            case.body["recipient"] = {"email": "learner@example.org"}
    token = ADMIN_TOKEN if n % 2 else world.token
    case.call_and_validate(headers=bearer(token), checks=CHECKS, session=target.client)
