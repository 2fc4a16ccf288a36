"""Found by an outside round on what the verifier shows against what was signed: the /verify page showed
the badge art of a credential we issued (its achievement and issuer names drawn in it) beside any
credential whose ``id`` was that credential's URL, whoever signed it. Our badge stands in for a missing
image only when the submitted credential's issuer, proven by its signature, is the stored one's."""

from __future__ import annotations

import copy
import json

from app.testing import BASE_URL, SyncClient
from proofs.jsonld import bundled_loader
from tests.app.helpers import create_template, issue
from tests.conftest import make_tenant
from tests.unit.verifier.builders import key, open_badge, signed

_KEY = key(41)


def test_a_credential_naming_our_credentials_url_does_not_show_its_badge(client: SyncClient) -> None:
    slug, token = make_tenant(client)
    out = issue(client, slug, token, create_template(client, slug, token), formats=["ldp_vc"])
    badge = f"{out['id']}/badge.svg"
    genuine = client.get(out["id"].removeprefix(BASE_URL)).json()
    assert "image" not in genuine["credentialSubject"]["achievement"]

    page = client.post("/verify", data={"credential": json.dumps(genuine)})
    assert page.status_code == 200 and badge in page.text  # our own credential: its badge

    forged = open_badge(_KEY.public_key().did_key(), credential_id=out["id"], name="Forged")
    forged = signed(forged, _KEY, _KEY.public_key().did_key_vm(), bundled_loader())
    result = client.post("/v1/verify", json={"credential": forged}).json()
    assert result["verified"] is True  # a valid credential, but not ours
    page = client.post("/verify", data={"credential": json.dumps(forged)})
    assert page.status_code == 200 and badge not in page.text

    renamed = copy.deepcopy(genuine)
    renamed["name"] = "Changed"  # signed by our tenant's key no more: the issuer is not proven
    page = client.post("/verify", data={"credential": json.dumps(renamed)})
    assert page.status_code == 200 and badge not in page.text
