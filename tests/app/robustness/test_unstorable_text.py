"""Issue 14, 5xx found: text the two databases do not store alike. A NUL character (PostgreSQL refuses it
in ``text`` and ``jsonb``: a 500; SQLite stored it) and a lone surrogate (not UTF-8: a 500 on both) in an
issuer, a token name, a template or an issuance, anywhere in a JSON document (member names too), are
refused at the API boundary with a 422 problem on both, and nothing is written. So are ``NaN`` /
``Infinity`` (not JSON: PostgreSQL's jsonb refuses them) and documents nested too deep to write back out.
A slug in a URL that no issuer can have is a 404, not a query PostgreSQL refuses."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from app.testing import SyncClient
from schemas.api import MAX_DEPTH
from tests.app.helpers import issue, template_body
from tests.app.robustness.common import Issuer, assert_problem, error_types, make_issuer, raw_json
from tests.conftest import ADMIN, tenant_body

NUL = "\x00"
SURROGATE = "\ud800"


def _ascii(value: Any) -> str:
    """JSON as a client writes it: ``\\u0000`` and ``\\ud800`` escapes, NaN as the bare word."""
    return json.dumps(value, ensure_ascii=True)


def _template(**changes: Any) -> str:
    return _ascii(template_body(**changes))


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"n": value}
    return value


def _issue(issuer: Issuer, **extra: Any) -> str:
    return _ascii({"achievement_id": issuer.template_id, "recipient": {"email": "l@example.org"}, **extra})


# (what, method, path under the issuer, body, expected error type)
Case = tuple[str, str, Callable[[Issuer], str], Callable[[Issuer], str], str]
CASES: list[Case] = [
    ("template name surrogate", "POST", lambda i: "achievements", lambda i: _template(name=f"Data{SURROGATE}"), "unstorable_text"),
    ("template NUL", "POST", lambda i: "achievements", lambda i: _template(description=f"a{NUL}b"), "unstorable_text"),
    ("template NUL member name", "POST", lambda i: "achievements", lambda i: _template(**{f"x{NUL}": 1}), "unstorable_text"),
    ("template surrogate member name", "POST", lambda i: "achievements", lambda i: _template(**{f"x{SURROGATE}": 1}), "unstorable_text"),
    ("template NaN", "POST", lambda i: "achievements", lambda i: _template(creditsAvailable=float("nan")), "non_finite_number"),
    ("template Infinity", "POST", lambda i: "achievements", lambda i: _template(creditsAvailable=float("inf")), "non_finite_number"),
    ("template 400-digit number", "POST", lambda i: "achievements", lambda i: _template(creditsAvailable=10**400), "number_out_of_range"),
    ("issuance 400-digit result", "POST", lambda i: "credentials", lambda i: _issue(i, result=[{"type": ["Result"], "value": 10**400}]), "number_out_of_range"),
    ("template too deep", "POST", lambda i: "achievements", lambda i: _template(otherData=_nested(MAX_DEPTH)), "too_deep"),
    ("template update surrogate", "PUT", lambda i: f"achievements/{i.template_id}", lambda i: _template(name=SURROGATE), "unstorable_text"),
    ("template update NUL", "PUT", lambda i: f"achievements/{i.template_id}", lambda i: _template(name=NUL), "unstorable_text"),
    ("issuer name NUL", "PATCH", lambda i: "", lambda i: _ascii({"name": f"Uni{NUL}"}), "unstorable_text"),
    ("issuer description surrogate", "PATCH", lambda i: "", lambda i: _ascii({"description": SURROGATE}), "string_unicode"),
    ("issuer address NUL", "PATCH", lambda i: "", lambda i: _ascii({"address": {"addressCountryCode": "NL", "streetAddress": NUL}}), "unstorable_text"),
    ("token name NUL", "POST", lambda i: "tokens", lambda i: _ascii({"scopes": ["read"], "name": f"ci{NUL}"}), "unstorable_text"),
    ("issuance narrative NUL", "POST", lambda i: "credentials", lambda i: _issue(i, narrative=f"n{NUL}"), "unstorable_text"),
    ("issuance result surrogate", "POST", lambda i: "credentials", lambda i: _issue(i, result=[{"type": ["Result"], "value": SURROGATE}]), "unstorable_text"),
    ("issuance evidence NUL", "POST", lambda i: "credentials", lambda i: _issue(i, evidence=[{"type": ["Evidence"], "name": NUL}]), "unstorable_text"),
    ("issuance recipient NUL", "POST", lambda i: "credentials", lambda i: _issue(i, recipient={"identifier": f"s-1{NUL}"}), "unstorable_text"),
    ("issuance credits Infinity", "POST", lambda i: "credentials", lambda i: _issue(i, credits_earned=float("inf")), "finite_number"),
    ("status note NUL", "POST", lambda i: "credentials/00000000-0000-4000-8000-000000000000/status", lambda i: _ascii({"action": "revoke", "reason": "x", "note": NUL}), "unstorable_text"),
]  # fmt: skip


def _stored(client: SyncClient, issuer: Issuer) -> list[Any]:
    """What a refused request could have written: the issuer, its templates (every version of the
    first), tokens, credentials and audit log."""
    base = f"/v1/issuers/{issuer.slug}"
    return [
        client.get(base, headers=ADMIN).json(),
        client.get(f"{base}/achievements?include_archived=true", headers=issuer.auth).json(),
        client.get(f"{base}/achievements/{issuer.template_id}", headers=issuer.auth).json(),
        client.get(f"{base}/tokens", headers=ADMIN).json(),
        client.get(f"{base}/credentials", headers=issuer.auth).json(),
        client.get(f"{base}/audit?limit=1000", headers=ADMIN).json(),
    ]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_alike_on_both_databases_and_nothing_written(client: SyncClient, case: Case) -> None:
    _what, method, path, body, expected = case
    issuer = make_issuer(client)
    before = _stored(client, issuer)
    url = f"/v1/issuers/{issuer.slug}/{path(issuer)}".rstrip("/")
    headers = ADMIN if method == "PATCH" or path(issuer) == "tokens" else issuer.auth
    r = client.request(method, url, **raw_json(body(issuer), headers))
    problem = assert_problem(r, 422, "validation-error")
    assert expected in error_types(problem), problem
    assert _stored(client, issuer) == before


def test_a_new_issuer_with_a_nul_in_its_name_is_refused(client: SyncClient) -> None:
    body = tenant_body("nul-name-" + make_issuer(client).slug[-10:], name=f"University{NUL}")
    problem = assert_problem(
        client.post("/v1/issuers", **raw_json(_ascii(body), ADMIN)), 422, "validation-error"
    )
    assert "unstorable_text" in error_types(problem)
    assert_problem(client.get(f"/v1/issuers/{body['slug']}", headers=ADMIN), 404, "not-found")


def test_an_unknown_member_name_with_a_lone_surrogate_is_reported(client: SyncClient) -> None:
    # The problem names the member it refuses: the report itself must still be writable.
    r = client.post("/v1/issuers", **raw_json(_ascii({f"x{SURROGATE}": 1}), ADMIN))
    problem = assert_problem(r, 422, "validation-error")
    assert error_types(problem) & {"extra_forbidden", "string_unicode"}, problem


def test_unicode_that_is_storable_is_kept(client: SyncClient) -> None:
    issuer = make_issuer(client)
    name = "データサイエンス入門 \U0001f393 Ünïcödé\ttab"
    r = client.post(f"/v1/issuers/{issuer.slug}/achievements", **raw_json(_template(name=name), issuer.auth))
    assert r.status_code == 201, r.text
    assert r.json()["achievement"]["name"] == name
    r = client.post(
        f"/v1/issuers/{issuer.slug}/achievements",
        **raw_json(_template(otherData=_nested(MAX_DEPTH - 4)), issuer.auth),
    )
    # Nesting within the limit passes the body's checks; the member is then refused by the JSON-LD term
    # check a template gets before it is saved (no context defines it), naming the field.
    problem = assert_problem(r, 422, "undefined-term")
    assert [e["pointer"] for e in problem["errors"]] == ["/achievement/otherData"]


@pytest.mark.parametrize(
    "url", ["/v1/issuers/a%00b", "/status/a%00b/1/revocation", "/issuers/a%00b/did.json"]
)
def test_a_slug_no_issuer_can_have_is_not_found(client: SyncClient, url: str) -> None:
    assert_problem(client.get(url, headers=ADMIN), 404, "not-found")


def _vc_api_credential(client: SyncClient, issuer: Issuer, name: str) -> str:
    did = client.get(f"/v1/issuers/{issuer.slug}", headers=ADMIN).json()["did"]
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:learner", "name": name},
    }
    return _ascii({"credential": credential, "options": {}})


@pytest.mark.parametrize("name", [f"Aiko{NUL}", f"Aiko{SURROGATE}"], ids=["NUL", "surrogate"])
def test_the_vc_api_refuses_it_too(client: SyncClient, name: str) -> None:
    issuer = make_issuer(client)
    before = _stored(client, issuer)
    r = client.post("/credentials/issue", **raw_json(_vc_api_credential(client, issuer, name), issuer.auth))
    assert "unstorable_text" in error_types(assert_problem(r, 422, "validation-error"))
    status_change = {
        "credentialId": f"urn:uuid:{name}",
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    r = client.post("/credentials/status", **raw_json(_ascii(status_change), issuer.auth))
    assert "unstorable_text" in error_types(assert_problem(r, 422, "validation-error"))
    assert _stored(client, issuer) == before
    r = client.post("/credentials/issue", **raw_json(_vc_api_credential(client, issuer, "Aiko"), issuer.auth))
    assert r.status_code == 201, r.text


def test_a_credential_to_verify_with_a_lone_surrogate_is_unreadable(client: SyncClient) -> None:
    issuer = make_issuer(client)
    credential = issue(client, issuer.slug, issuer.token, issuer.template_id)["credentials"]["ldp_vc"]
    credential["credentialSubject"]["name"] = f"Aiko{SURROGATE}"
    r = client.post("/credentials/verify", **raw_json(_ascii({"verifiableCredential": credential})))
    assert_problem(r, 400, "unreadable-credential")
    r = client.post("/v1/verify", **raw_json(_ascii({"credential": credential})))
    # Its body is read by a strict JSON reader, which refuses the escape itself.
    assert_problem(r, 422, "validation-error")
    # A NUL is text like any other there: the credential is read, and its signature no longer matches.
    credential["credentialSubject"]["name"] = f"Aiko{NUL}"
    r = client.post("/credentials/verify", **raw_json(_ascii({"verifiableCredential": credential})))
    assert r.status_code == 400 and r.json()["verified"] is False  # VC-API: 400 when not verified


@pytest.mark.parametrize("field", ["name", "id"])
def test_a_trust_list_entry_with_a_nul_is_refused(client: SyncClient, field: str) -> None:
    """Found by the Schemathesis run: a NUL in a trust list entry reached PostgreSQL (500)."""
    entry = {"id": "did:web:uni.example", "name": "A university"}
    entry[field] = entry[field][:5] + NUL + entry[field][5:]
    r = client.put("/v1/trust-lists/nul-case", **raw_json(_ascii({"entries": [entry]}), ADMIN))
    problem = assert_problem(r, 422, "validation-error")
    assert error_types(problem) & {"unstorable_text", "string_pattern_mismatch"}, problem
    listed = client.get("/v1/trust-lists", headers=ADMIN).json()
    assert "nul-case" not in json.dumps(listed)
