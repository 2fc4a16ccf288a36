"""Tenant isolation, generated from ``/openapi.json``: every ``/v1`` operation that takes a token, called with
another tenant's token, a read-only token (on writes), no token and a revoked token, is refused, with its path
filled with the real ids of the first tenant's resources (issuer, template, credential, key, token, offer), so
that a refusal is never a "not found" for a made-up id. A route added later is in the matrix without a change
here; one whose path cannot be filled fails the test with its name. Both databases (``client``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.contract.world import World
from tests.conftest import ADMIN, bearer, make_tenant

PROBLEM_JSON = "application/problem+json"
_PARAM = re.compile(r"\{([^}]+)\}")
# /v1 operations that take no token, on purpose: anyone may verify a credential, read a pathway and
# evaluate their credentials against it.
PUBLIC_V1 = {
    ("POST", "/v1/verify"),
    ("GET", "/v1/pathways/{pathway_id}"),
    ("POST", "/v1/pathways/{pathway_id}/evaluate"),
}


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    secured: bool
    declared: frozenset[str]  # the statuses the document declares

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    @property
    def service_wide(self) -> bool:
        """A service administrator's operation: no issuer in its path."""
        return "{slug}" not in self.path

    def missing(self, values: dict[str, str]) -> list[str]:
        return [name for name in _PARAM.findall(self.path) if name not in values]

    def url(self, values: dict[str, str]) -> str:
        return _PARAM.sub(lambda m: values[m.group(1)], self.path)


@dataclass(frozen=True, slots=True)
class Setting:
    world: World
    other_token: str  # another tenant's token, all scopes
    revoked_token: str  # the first tenant's, all scopes, revoked
    operations: tuple[Operation, ...]  # every operation of the document


def _operations(document: dict[str, Any]) -> tuple[Operation, ...]:
    return tuple(
        Operation(method.upper(), path, bool(operation.get("security")), frozenset(operation["responses"]))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    )


@pytest.fixture(scope="module")
def setting(client: SyncClient, world: World) -> Setting:
    _other_slug, other_token = make_tenant(client)
    r = client.post(f"/v1/issuers/{world.slug}/tokens", json={"scopes": ["admin"]}, headers=ADMIN)
    assert r.status_code == 201, r.text
    revoked = r.json()
    r = client.delete(f"/v1/issuers/{world.slug}/tokens/{revoked['id']}", headers=ADMIN)
    assert r.status_code == 200, r.text
    r = client.get("/openapi.json")
    assert r.status_code == 200
    return Setting(world, other_token, revoked["token"], _operations(r.json()))


def _v1(setting: Setting) -> list[Operation]:
    return [op for op in setting.operations if op.path.startswith("/v1/")]


def _call(
    client: SyncClient, op: Operation, values: dict[str, str], token: str | None
) -> tuple[int, str, str]:
    """(status, media type, problem type) of the operation called with ``token``."""
    headers = bearer(token) if token is not None else {}
    body: dict[str, Any] = {"json": {}} if op.writes else {}
    r = client.request(op.method, op.url(values), headers=headers, **body)
    media_type = r.headers.get("content-type", "").split(";")[0]
    kind = ""
    if media_type == PROBLEM_JSON:
        kind = str(r.json().get("type", ""))
    return r.status_code, media_type, kind


def test_every_v1_operation_takes_a_token_unless_named_public(setting: Setting) -> None:
    v1 = _v1(setting)
    assert len(v1) >= 25, [op.name for op in v1]  # the document is the whole API, not a stub
    public = {(op.method, op.path) for op in v1 if not op.secured}
    assert public == PUBLIC_V1


def test_every_secured_operation_can_be_filled_with_real_ids(setting: Setting) -> None:
    values = setting.world.path_values()
    unfillable = {
        op.name: op.missing(values) for op in setting.operations if op.secured and op.missing(values)
    }
    assert not unfillable, f"add these path parameters to World.path_values: {unfillable}"


def test_the_filled_reads_succeed_for_their_owner(client: SyncClient, setting: Setting) -> None:
    """The control: the ids are real (the owner reads every one), so a refusal below is a refusal."""
    values = setting.world.path_values()
    reads = [op for op in _v1(setting) if op.secured and not op.writes and not op.service_wide]
    assert len(reads) >= 10
    failed = {}
    for op in reads:
        status, _media, _kind = _call(client, op, values, setting.world.token)
        if not 200 <= status < 300:
            failed[op.name] = status
    assert not failed


@pytest.mark.parametrize("caller", ["another tenant", "read-only on writes", "no token", "revoked token"])
def test_every_v1_operation_refuses(client: SyncClient, setting: Setting, caller: str) -> None:
    world = setting.world
    values = world.path_values()
    token = {
        "another tenant": setting.other_token,
        "read-only on writes": world.read_token,
        "no token": None,
        "revoked token": setting.revoked_token,
    }[caller]
    operations = [op for op in _v1(setting) if op.secured]
    if caller == "read-only on writes":
        operations = [op for op in operations if op.writes]
    assert operations
    allowed = []
    for op in operations:
        if op.missing(values):
            allowed.append((op.name, "cannot be filled"))
            continue
        status, media_type, kind = _call(client, op, values, token)
        if caller in ("no token", "revoked token"):
            expected = (401, problem_type("unauthorized" if token is None else "invalid-token"))
        elif caller == "another tenant" and not op.service_wide:
            expected = (404, problem_type("not-found"))  # another tenant's issuer is one that does not exist
        else:
            expected = (403, problem_type("insufficient-scope"))
        if (status, kind) != expected or media_type != PROBLEM_JSON:
            allowed.append((op.name, f"{status} {media_type} {kind}, expected {expected}"))
        elif str(status) not in op.declared:
            allowed.append((op.name, f"{status} is not in the document"))
    assert not allowed, allowed


def test_tokens_are_refused_on_every_secured_operation(client: SyncClient, setting: Setting) -> None:
    """Beyond /v1 (the VC-API): no token and a revoked token are 401 wherever a token is taken."""
    values = setting.world.path_values()
    secured = [op for op in setting.operations if op.secured and not op.path.startswith("/v1/")]
    assert secured
    allowed = []
    for op in secured:
        for token, kind in ((None, "unauthorized"), (setting.revoked_token, "invalid-token")):
            status, media_type, got = _call(client, op, values, token)
            if (status, media_type, got) != (401, PROBLEM_JSON, problem_type(kind)):
                allowed.append((op.name, status, got))
    assert not allowed, allowed
