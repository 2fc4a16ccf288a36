"""Issue 18, issuer trust: vouched tenants, imported trust lists, look-alike names, and DIF domain
linkage (our DID Configuration resources, and the verifier checking an issuer's), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.state import app_state
from app.testing import BASE_URL, SyncClient
from app.verification.cache import TtlCache
from proofs.did import did_web_document_url
from proofs.multibase import b64url_decode
from schemas.problems import problem_type
from tests.app.helpers import create_template, issue, mocked_http
from tests.conftest import ADMIN, bearer, make_settings, make_tenant


def _did(client: SyncClient, slug: str) -> str:
    return str(client.get(f"/v1/issuers/{slug}", headers=ADMIN).json()["did"])


def _issued(client: SyncClient, **tenant: Any) -> tuple[str, str, dict[str, Any]]:
    slug, token = make_tenant(client, **tenant)
    return slug, token, issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])


def _trust(client: SyncClient, credential: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/verify", json={"credential": credential})
    assert r.status_code == 200 and r.json()["verified"], r.text
    return dict(r.json()["issuer_trust"])


def test_vouching_and_lists_are_for_service_administrators(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    for method, path, body in (
        ("PUT", f"/v1/issuers/{slug}/vouched", {"vouched": True}),
        ("PUT", "/v1/trust-lists/mqa", {"entries": []}),
        ("GET", "/v1/trust-lists", None),
        ("DELETE", "/v1/trust-lists/mqa", None),
    ):
        r = client.request(method, path, json=body, headers=bearer(token))
        assert r.status_code == 403 and r.json()["type"] == problem_type("insufficient-scope"), (path, r.text)
    r = client.put(f"/v1/issuers/{slug}/vouched", json={"vouched": True}, headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"slug": slug, "vouched": True}
    assert client.put("/v1/issuers/no-such/vouched", json={"vouched": True}, headers=ADMIN).status_code == 404

    entries = [{"id": "did:web:admal.example", "name": "ADMAL Aviation College"}]
    r = client.put("/v1/trust-lists/mqa-register", json={"entries": entries}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["entries"] == entries
    listed = client.get("/v1/trust-lists", headers=ADMIN).json()
    assert [row["name"] for row in listed] == ["mqa-register"]
    bad = client.put("/v1/trust-lists/x", json={"entries": [{"id": "ftp://x", "name": "X"}]}, headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["type"] == problem_type("validation-error")
    assert client.delete("/v1/trust-lists/mqa-register", headers=ADMIN).status_code == 204
    gone = client.delete("/v1/trust-lists/mqa-register", headers=ADMIN)
    assert gone.status_code == 404 and gone.json()["type"] == problem_type("not-found")


def test_known_unknown_and_look_alike_issuers(client: SyncClient) -> None:
    name = f"Utrecht University {uuid.uuid4().hex[:6]}"
    real, _t, real_vc = _issued(client, name=name)
    fake, _t2, fake_vc = _issued(client, name=name.replace("e", "е"))  # Cyrillic е: reads the same

    assert _trust(client, real_vc["credentials"]["ldp_vc"])["known"] is False  # not vouched yet
    assert client.put(f"/v1/issuers/{real}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    trusted = _trust(client, real_vc["credentials"]["ldp_vc"])
    assert trusted["known"] is True and trusted["listed_as"] == {"name": name, "list": "this service"}
    assert "lookalike_of" not in trusted

    impostor = _trust(client, fake_vc["credentials"]["ldp_vc"])
    assert impostor["known"] is False
    assert [e["id"] for e in impostor["lookalike_of"]] == [_did(client, real)]
    page = client.post("/verify", data={"credential": json.dumps(fake_vc["credentials"]["ldp_vc"])}).text
    assert "Unknown issuer" in page and 'class="lookalike"' in page

    # An imported list names the second issuer as its credential does: known, on that list.
    entries = [{"id": _did(client, fake), "name": name.replace("e", "е")}]
    assert client.put("/v1/trust-lists/partners", json={"entries": entries}, headers=ADMIN).status_code == 200
    listed = _trust(client, fake_vc["credentials"]["ldp_vc"])
    assert listed["known"] is True and listed["listed_as"]["list"] == "partners"
    # Under another name: a list vouches for an identifier under a name, not for any name it signs under.
    entries = [{"id": _did(client, fake), "name": "Utrecht Summer School"}]
    assert client.put("/v1/trust-lists/partners", json={"entries": entries}, headers=ADMIN).status_code == 200
    other = _trust(client, fake_vc["credentials"]["ldp_vc"])
    assert other["known"] is False and other["listed_name_differs"] is True
    assert other["listed_as"]["list"] == "partners" and [e["name"] for e in other["lookalike_of"]] == [name]
    client.delete("/v1/trust-lists/partners", headers=ADMIN)


def test_a_vouched_issuer_that_renames_itself_is_not_known_under_the_new_name(client: SyncClient) -> None:
    """Found by an outside fuzzing round: a vouched tenant renamed itself (its own admin token) to another
    list's issuer and was shown as listed under that name. The vouch holds for the name vouched for."""
    suffix = uuid.uuid4().hex[:6]
    tokyo = f"University of Tokyo {suffix}"
    entries = [{"id": f"did:web:u-tokyo-{suffix}.example", "name": tokyo}]
    assert (
        client.put(f"/v1/trust-lists/jp-{suffix}", json={"entries": entries}, headers=ADMIN).status_code
        == 200
    )
    slug, token, before = _issued(client, name=f"Tenant {suffix}")
    assert client.put(f"/v1/issuers/{slug}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    listed = {"name": f"Tenant {suffix}", "list": "this service"}

    r = client.patch(f"/v1/issuers/{slug}", json={"name": tokyo}, headers=bearer(token))
    assert r.status_code == 200, r.text
    after = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    renamed = _trust(client, after["credentials"]["ldp_vc"])
    assert renamed["known"] is False and renamed["listed_name_differs"] is True
    assert renamed["listed_as"] == listed
    assert [e["name"] for e in renamed["lookalike_of"]] == [tokyo]
    page = client.get(f"/credentials/{after['credential_id']}", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.text.count('class="lookalike"') == 1
    assert "Known issuer" not in page.text

    old = _trust(client, before["credentials"]["ldp_vc"])  # issued under the name vouched for
    assert old["known"] is True and old["listed_as"] == listed and "listed_name_differs" not in old

    # Vouching again vouches for the new name.
    assert client.put(f"/v1/issuers/{slug}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    again = _trust(client, after["credentials"]["ldp_vc"])
    assert again["known"] is True and again["listed_as"] == {"name": tokyo, "list": "this service"}


def test_the_issuers_domain_is_verified_through_its_did_configuration(client: SyncClient) -> None:
    host = f"uu-{uuid.uuid4().hex[:8]}.example"
    slug, token, out = _issued(client, url=f"https://{host}/en")
    other, other_token = make_tenant(client, url=f"https://{host}")
    did = _did(client, slug)
    services = client.get(f"/issuers/{slug}/did.json").json()["service"]  # the DID's claim of the domain
    assert services == [
        {"id": f"{did}#linked-domain", "type": "LinkedDomains", "serviceEndpoint": f"https://{host}"}
    ]
    published = client.get(f"/v1/issuers/{slug}/did-configuration.json", headers=bearer(token))
    assert published.status_code == 200, published.text
    forged = client.get(f"/v1/issuers/{other}/did-configuration.json", headers=bearer(other_token)).json()
    assert (
        client.get(f"/v1/issuers/{slug}/did-configuration.json", headers=bearer(other_token)).status_code
        == 404
    )
    served: dict[str, Any] = {"config": forged}
    requests: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(str(request.url))
        if str(request.url) == f"https://{host}/.well-known/did-configuration.json":
            return httpx.Response(200, json=served["config"])
        return httpx.Response(404)

    state = app_state(client.app)
    credential = out["credentials"]["ldp_vc"]
    original_cache, state.did_cache = state.did_cache, TtlCache(ttl=300)
    with mocked_http(client, handler):
        # another issuer's linkage at the domain proves nothing of this one
        trust = _trust(client, credential)
        assert trust["verified_domains"] == [] and f"https://{host}" in trust["domain_failures"]
        state.did_cache = TtlCache(ttl=300)  # the failure was cached; the domain now publishes ours
        served["config"] = published.json()
        trust = _trust(client, credential)
        assert trust["verified_domains"] == [f"https://{host}"]
        page = client.get(credential["id"].removeprefix(BASE_URL), headers={"Accept": "text/html"}).text
        assert f"verified domain {host}" in page
    state.did_cache = original_cache
    # our own DID documents were read from the database, never fetched
    assert not any(r == did_web_document_url(_did(client, slug)) for r in requests)


def test_this_services_own_did_configuration_lists_vouched_issuers_only(client: SyncClient) -> None:
    vouched, _t, out = _issued(client, url=BASE_URL)
    unvouched, _t2 = make_tenant(client, url=BASE_URL)
    assert (
        client.put(f"/v1/issuers/{vouched}/vouched", json={"vouched": True}, headers=ADMIN).status_code == 200
    )
    r = client.get("/.well-known/did-configuration.json")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    config = r.json()
    issuers = [json.loads(b64url_decode(t.split(".")[1]))["iss"] for t in config["linked_dids"]]
    assert _did(client, vouched) in issuers and _did(client, unvouched) not in issuers

    def no_network(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"fetched {request.url}")

    with mocked_http(client, no_network):
        trust = _trust(client, out["credentials"]["ldp_vc"])
    assert trust["known"] is True and trust["verified_domains"] == [BASE_URL]


def test_a_trust_list_file(database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SHOMEI_TRUST_LIST_FILE: a named list of issuers, re-read when it changes; an unreadable one is
    logged and the last good reading kept."""
    listed = tmp_path / "trusted.json"
    client = SyncClient(create_app(make_settings(database_url, trust_list_file=listed, domain_linkage=False)))
    try:
        _slug, _token, out = _issued(client)
        credential = out["credentials"]["ldp_vc"]
        issuer_name = credential["issuer"]["name"]
        assert _trust(client, credential)["known"] is False  # no file yet
        listed.write_text(
            json.dumps(
                {"name": "NIAD-QE", "entries": [{"id": credential["issuer"]["id"], "name": issuer_name}]}
            )
        )
        os.utime(listed, (1, 1))  # a new modification time, whatever the file system's resolution
        trust = _trust(client, credential)
        assert trust["known"] is True and trust["listed_as"] == {"name": issuer_name, "list": "NIAD-QE"}
        assert trust["verified_domains"] == [] and "domain_failures" not in trust  # linkage off
        listed.write_text("{not json")
        os.utime(listed, (2, 2))
        assert _trust(client, credential)["known"] is True  # the last good list
        assert any(r.getMessage() == "trust list file unreadable" for r in caplog.records)
        listed.write_text(json.dumps([{"id": "did:web:other.example", "name": "Other"}]))
        os.utime(listed, (3, 3))
        assert _trust(client, credential)["known"] is False
    finally:
        client.close()
