"""The form of a published Bitstring Status List credential follows the q-values of ``Accept``
(RFC 9110 §12.5.1: "a value of 0 means 'not acceptable'"): the VC-JWT only when ``application/vc+jwt`` is
acceptable and not less preferred than a media type the JSON-LD form answers (BSL v1.0 §4)."""

from __future__ import annotations

import pytest

from tests.app.helpers import create_template, issue
from tests.conftest import BASE_URL, SyncClient, make_tenant


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/vc+ld+json"),
        ("application/vc+jwt", "application/vc+jwt"),
        ("application/vc+jwt, */*;q=0.1", "application/vc+jwt"),
        ("application/vc+ld+json, application/vc+jwt", "application/vc+jwt"),
        ("application/vc+jwt;q=0, application/vc+ld+json", "application/vc+ld+json"),
        ("application/vc+jwt;q=0", "application/vc+ld+json"),
        ("application/vc+ld+json, application/vc+jwt;q=0.5", "application/vc+ld+json"),
        ("application/vc+jwt;q=0.9, application/vc;q=1", "application/vc+ld+json"),
        ("application/vc+jwt;q=0.9, application/json;q=0.8", "application/vc+jwt"),
    ],
)
def test_list_form_follows_accept_q_values(client: SyncClient, accept: str | None, media_type: str) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token))
    url = out["credentials"]["ldp_vc"]["credentialStatus"][0]["statusListCredential"].removeprefix(BASE_URL)
    r = client.get(url, headers={"Accept": accept} if accept else {})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["vary"] == "Accept"
    if media_type == "application/vc+jwt":
        assert r.text.count(".") == 2
    else:
        assert r.json()["credentialSubject"]["type"] == "BitstringStatusList"
