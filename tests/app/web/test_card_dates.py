"""Found by an outside round on what the verifier shows against what was signed: the card's dates were
read from the first member found (``validFrom``, else ``issuanceDate``; ``validUntil``, else
``expirationDate``), while the ``validity`` check judges by every one of them (the latest start, the
earliest end, a JWT's ``nbf``/``exp`` among them: each is signed). A VCDM 1.1 credential with
``expirationDate`` 2027 beside ``validUntil`` 2030 was shown "valid until 1 January 2030" and judged by
2027; a ``vc+jwt`` whose ``exp`` alone ends it showed no end at all. The card shows the dates judged."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from app.testing import SyncClient
from app.web.card import build_card
from app.web.i18n import Words
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.vc_jwt import sign_jws
from tests.app.helpers import create_template, issue
from tests.conftest import ADMIN, make_tenant
from tests.unit.verifier.builders import NOW, key, open_badge, signed
from verifier import DidResolver, VerificationResult, Verifier

KEY = key(43)
DID = KEY.public_key().did_key()
VM = KEY.public_key().did_key_vm()
WORDS = Words("en")


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _verify(loader: DocumentLoader, data: str | dict[str, Any]) -> VerificationResult:
    return Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(data, now=NOW)


def test_the_card_shows_the_end_the_credential_is_judged_by(loader: DocumentLoader) -> None:
    credential = open_badge(
        DID, data_model="1.1", expirationDate="2027-01-01T00:00:00Z", validUntil="2030-01-01T00:00:00Z"
    )
    result = _verify(loader, signed(credential, KEY, VM, loader))
    assert result.verified
    assert build_card(result, WORDS).valid_until == WORDS.date(dt.date(2027, 1, 1))


def test_the_card_shows_the_start_the_credential_is_judged_by(loader: DocumentLoader) -> None:
    credential = open_badge(
        DID, data_model="1.1", issuanceDate="2026-03-01T00:00:00Z", validFrom="2025-01-01T00:00:00Z"
    )
    result = _verify(loader, signed(credential, KEY, VM, loader))
    assert result.verified
    assert build_card(result, WORDS).issued == WORDS.date(dt.date(2026, 3, 1))


def test_the_card_shows_the_end_a_jwts_exp_gives(loader: DocumentLoader) -> None:
    credential = open_badge(DID)
    exp = int(dt.datetime(2027, 6, 30, tzinfo=dt.UTC).timestamp())
    header = {"alg": "EdDSA", "kid": VM, "typ": "vc+jwt"}
    token = sign_jws(header, {**credential, "iss": DID, "exp": exp}, key=KEY)
    result = _verify(loader, token)
    assert result.verified, [c.as_json() for c in result.checks]
    assert build_card(result, WORDS).valid_until == WORDS.date(dt.date(2027, 6, 30))


def test_the_card_shows_the_dates_in_utc(loader: DocumentLoader) -> None:
    credential = open_badge(DID, validFrom="2026-01-01T22:00:00-05:00")
    result = _verify(loader, signed(credential, KEY, VM, loader))
    assert result.verified
    assert build_card(result, WORDS).issued == WORDS.date(dt.date(2026, 1, 2))


def test_an_sd_jwt_vcs_card_shows_its_dates(client: SyncClient) -> None:
    """An SD-JWT VC's dates are its iat (or nbf) and exp, which its checks judge: its card showed none, as
    if it never expired."""
    slug, token = make_tenant(client)
    assert client.post(f"/v1/issuers/{slug}/keys", json={"type": "P-256"}, headers=ADMIN).status_code == 201
    template = create_template(client, slug, token)
    out = issue(client, slug, token, template, formats=["dc+sd-jwt"], valid_until="2030-06-30T00:00:00Z")
    page = client.post("/verify", data={"credential": out["credentials"]["dc+sd-jwt"]})
    assert page.status_code == 200
    until = re.search(r"<dt>Valid until</dt><dd>([^<]*)</dd>", page.text)
    assert until is not None and until.group(1) == WORDS.date(dt.date(2030, 6, 30))
    issued = re.search(r"<dt>Issued</dt><dd>([^<]*)</dd>", page.text)
    assert issued is not None and issued.group(1) == WORDS.date(dt.datetime.now(dt.UTC).date())
