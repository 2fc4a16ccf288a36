"""A credential's downloads are labelled as what they carry: a credential issued only as a VC-JWT was
served from download.json as ``application/vc+ld+json`` (a ``.json`` file holding a compact JWS), one
issued only as JSON-LD from download.jwt as ``application/vc+jwt`` (VC-JOSE-COSE §6.1 registers
``application/vc+jwt`` for a JWS-secured credential, VCDM 2.0 §6.3 ``application/vc`` for JSON-LD)."""

from __future__ import annotations

import pytest

from app.errors import problem_type
from app.testing import BASE_URL, SyncClient
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant


@pytest.mark.parametrize(
    ("formats", "file", "media_type", "extension"),
    [
        (["jwt_vc_json"], "download.json", "application/vc+jwt", "jwt"),
        (["jwt_vc_json"], "download.jwt", "application/vc+jwt", "jwt"),
        (["ldp_vc"], "download.jwt", "application/vc+ld+json", "json"),
        (["ldp_vc"], "download.json", "application/vc+ld+json", "json"),
        (["ldp_vc", "jwt_vc_json"], "download.json", "application/vc+ld+json", "json"),
        (["ldp_vc", "jwt_vc_json"], "download.jwt", "application/vc+jwt", "jwt"),
    ],
)
def test_a_download_is_labelled_as_what_it_carries(
    client: SyncClient, formats: list[str], file: str, media_type: str, extension: str
) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=formats)
    r = client.get(str(out["id"]).removeprefix(BASE_URL) + "/" + file)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["content-disposition"].endswith(f'.{extension}"')
    assert r.text.startswith("{") == (extension == "json")


@pytest.mark.parametrize("file", ["badge.png", "badge.svg"])
def test_a_credential_without_a_badge_has_none_to_fetch_or_verify(client: SyncClient, file: str) -> None:
    """An SD-JWT VC is not baked (OB 3.0 §5.3 bakes a credential's JSON or compact JWS): its badge URL is a
    404, and verifying by that URL does not report a credential read from a badge that is not served."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["dc+sd-jwt"])
    url = f"{out['id']}/{file}"
    got = client.get(url.removeprefix(BASE_URL))
    assert got.status_code == 404 and got.json()["type"] == problem_type("badge-not-found")
    r = client.post("/v1/verify", json={"url": url})
    assert r.status_code == 404 and r.json()["type"] == problem_type("badge-not-found")
    assert client.post("/v1/verify", json={"url": str(out["id"])}).json()["verified"] is True


def test_the_page_of_a_credential_without_a_badge_links_to_none(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    out = issue(client, slug, token, create_template(client, slug, token), formats=["dc+sd-jwt"])
    page = client.get(str(out["id"]).removeprefix(BASE_URL), headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/badge.svg" not in page.text and "/badge.png" not in page.text
