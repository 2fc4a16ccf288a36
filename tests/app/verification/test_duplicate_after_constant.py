"""A member named twice in a request body is refused even when a ``NaN`` or ``Infinity`` comes before it:
FastAPI's and pydantic's JSON readers accept those constants (and keep the last of two same-named members),
so the strict reading that looks for duplicates must not stop at them. Found by an outside round on the
parsing layers: ``{"x": NaN, "verifiableCredential": <credential naming its achievement twice>}`` was
verified by ``/credentials/verify`` while a reader keeping the first name saw a forged achievement."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import make_tenant

_MARK = "__duplicate__"


@pytest.fixture(scope="module")
def vc(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    return dict(out["credentials"]["ldp_vc"])


def _forged_name_first(vc: dict[str, Any]) -> str:
    forged = copy.deepcopy(vc)
    achievement = forged["credentialSubject"]["achievement"]
    forged["credentialSubject"]["achievement"] = {_MARK: 0, **achievement}
    return json.dumps(forged).replace(f'"{_MARK}": 0', '"name": "Doctorate in Medicine"')


def _post(client: SyncClient, path: str, body: str) -> tuple[int, dict[str, Any]]:
    r = client.post(path, content=body.encode(), headers={"content-type": "application/json"})
    return r.status_code, dict(r.json())


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_duplicate_after_a_constant_is_refused_by_the_vc_api(
    client: SyncClient, vc: dict[str, Any], constant: str
) -> None:
    text = _forged_name_first(vc)
    for body in (
        f'{{"x": {constant}, "verifiableCredential": {text}}}',
        f'{{"options": {{"x": {constant}}}, "verifiableCredential": {text}}}',
    ):
        status, answer = _post(client, "/credentials/verify", body)
        assert status == 400 and answer["type"] == problem_type("duplicate-member")
        assert answer["member"] == "name"


def test_a_duplicate_after_a_constant_is_refused_by_v1_verify(client: SyncClient, vc: dict[str, Any]) -> None:
    # An envelope's members other than its id are never read, so a NaN there reached no other check.
    envelope = json.dumps(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "EnvelopedVerifiableCredential"}
    )[:-1]
    genuine = json.dumps("data:application/vc+ld+json," + json.dumps(vc))
    body = (
        f'{{"credential": {envelope}, "x": NaN, "id": "data:application/vc+ld+json,{{}}", "id": {genuine}}}}}'
    )
    status, answer = _post(client, "/v1/verify", body)
    assert status == 400 and answer["type"] == problem_type("duplicate-member")
    assert answer["member"] == "id" and answer["path"] == ["credential"]


def test_the_genuine_credential_is_still_verified(client: SyncClient, vc: dict[str, Any]) -> None:
    status, answer = _post(client, "/credentials/verify", json.dumps({"verifiableCredential": vc}))
    assert status == 200 and answer["verified"] is True
