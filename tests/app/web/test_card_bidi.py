"""The names a credential's signer chose (the achievement, the issuer, the learner) are shown isolated
from the text around them (HTML ``<bdi>``, Unicode bidi isolation): an issuer name holding a
right-to-left override (U+202E) cannot reorder the trust line printed after it, which is ours, not the
signer's. Found by an outside round on what is shown against what was signed."""

from __future__ import annotations

import json
import re

from app.testing import SyncClient
from proofs.jsonld import bundled_loader
from tests.unit.verifier.builders import key, open_badge, signed

_KEY = key(43)


def test_the_signers_names_are_isolated_on_the_card(client: SyncClient) -> None:
    did = _KEY.public_key().did_key()
    credential = open_badge(did, name="Teamwork \u202eevil")
    credential["issuer"]["name"] = "Example \u202eytisrevinU"
    credential = signed(credential, _KEY, _KEY.public_key().did_key_vm(), bundled_loader())
    page = client.post("/verify", data={"credential": json.dumps(credential)})
    assert page.status_code == 200
    card = page.text[page.text.index('class="card"') :]
    assert re.search(r"<bdi>Example \u202eytisrevinU</bdi>", card)
    assert re.search(r'id="card-title"><bdi>Teamwork \u202eevil</bdi>', card)
