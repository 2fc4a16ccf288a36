"""``POST /v1/verify`` reads its JSON body once, strictly (a member named twice is refused), and takes the
strict reading as it is only where pydantic's reading of the same bytes would give the same body. Where the
two readers disagree (an escaped lone surrogate, a byte order mark, bytes that are not UTF-8) or the body
is not plainly valid, pydantic reads it and answers as it always has: these bodies are refused the same
way whichever path read them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.errors import problem_type
from app.testing import SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import make_tenant


@pytest.fixture(scope="module")
def vc(client: SyncClient) -> dict[str, Any]:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    return dict(out["credentials"]["ldp_vc"])


def _post(client: SyncClient, body: bytes) -> tuple[int, dict[str, Any]]:
    r = client.post("/v1/verify", content=body, headers={"content-type": "application/json"})
    return r.status_code, dict(r.json())


REFUSED: dict[str, Callable[[dict[str, Any]], bytes]] = {
    "lone-surrogate-escape": lambda vc: b'{"credential": "\\ud800"}',
    "byte-order-mark": lambda vc: b"\xef\xbb\xbf" + json.dumps({"credential": vc}).encode(),
    "utf-16": lambda vc: json.dumps({"credential": vc}).encode("utf-16"),
    # Without a byte order mark: ASCII bytes and NULs, which Python's JSON reader takes as UTF-16 or UTF-32.
    "utf-16-le": lambda vc: json.dumps({"credential": vc}).encode("utf-16-le"),
    "utf-16-be": lambda vc: json.dumps({"credential": vc}).encode("utf-16-be"),
    "utf-32-le": lambda vc: json.dumps({"credential": vc}).encode("utf-32-le"),
    "utf-32-be": lambda vc: json.dumps({"credential": vc}).encode("utf-32-be"),
    "extra-member": lambda vc: json.dumps({"credential": vc, "x": 1}).encode(),
    "both": lambda vc: json.dumps({"credential": vc, "url": "https://example.org/c"}).encode(),
    "neither": lambda vc: b"{}",
    "credential-number": lambda vc: b'{"credential": 1}',
    "long-url": lambda vc: json.dumps({"url": "https://example.org/" + "a" * 2000}).encode(),
    "empty-identity": lambda vc: json.dumps({"credential": vc, "identity": {"value": ""}}).encode(),
    "identity-extra": lambda vc: json.dumps({"credential": vc, "identity": {"value": "a", "x": 1}}).encode(),
    "identity-type-long": lambda vc: json.dumps(
        {"credential": vc, "identity": {"value": "a", "type": "t" * 101}}
    ).encode(),
    "identity-string": lambda vc: json.dumps({"credential": vc, "identity": "a"}).encode(),
    "array": lambda vc: b"[]",
}


@pytest.mark.parametrize("name", sorted(REFUSED), ids=sorted(REFUSED))
def test_a_body_that_is_not_plainly_valid_is_refused_as_before(
    client: SyncClient, vc: dict[str, Any], name: str
) -> None:
    status, problem = _post(client, REFUSED[name](vc))
    assert status == 422, problem
    assert problem["type"] == problem_type("validation-error")


def test_a_plain_body_with_an_identity_is_read_once_and_verified(
    client: SyncClient, vc: dict[str, Any]
) -> None:
    body = {"identity": {"value": "learner@example.org", "type": None}, "credential": vc}
    status, report = _post(client, json.dumps(body, ensure_ascii=False).encode())
    assert status == 200, report
    assert report["verified"] is True


def test_a_surrogate_pair_escape_is_read_as_the_character_it_escapes(
    client: SyncClient, vc: dict[str, Any]
) -> None:
    """Escaped (pydantic reads it) or not (read once, strictly): the same body, the same report."""
    body = {"credential": vc, "identity": {"value": "\U0001f600"}}
    escaped = _post(client, json.dumps(body).encode())
    plain = _post(client, json.dumps(body, ensure_ascii=False).encode())
    assert escaped[0] == plain[0] == 200
    for report in (escaped[1], plain[1]):
        report.pop("checkedAt", None)
    assert escaped == plain
