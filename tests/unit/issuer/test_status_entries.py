"""issuer/status/entries.py: the credentialStatus entries (BSL v1.0 §2.1)."""

from __future__ import annotations

from issuer.status.entries import PURPOSES, credential_status_entries, entry_purposes
from issuer.status.reasons import MESSAGE_STATUS_SIZE, status_messages

CREDENTIAL = "https://shomei.test/credentials/0b0c8b4e-7a3e-4c39-9a3a-2f1c1d3b2a10"


def test_purposes_in_entry_order() -> None:
    assert entry_purposes(suspension=True) == ["revocation", "suspension", "message"]
    assert entry_purposes(suspension=False) == ["revocation", "message"]
    assert set(entry_purposes(suspension=True)) == set(PURPOSES)


def test_one_entry_per_purpose_at_the_same_index() -> None:
    lists = {p: f"https://shomei.test/status/uu/3/{p}" for p in entry_purposes(suspension=True)}
    entries = credential_status_entries(credential_url=CREDENTIAL, index=4711, list_urls=lists)
    assert [e["statusPurpose"] for e in entries] == ["revocation", "suspension", "message"]
    for entry in entries:
        assert entry["type"] == "BitstringStatusListEntry"
        assert entry["statusListIndex"] == "4711"
        assert entry["statusListCredential"] == lists[entry["statusPurpose"]]
        assert entry["id"] == f"{CREDENTIAL}#status-{entry['statusPurpose']}"
    assert len({e["id"] for e in entries}) == 3


def test_only_the_message_entry_carries_size_and_messages() -> None:
    lists = {p: f"https://shomei.test/status/uu/1/{p}" for p in entry_purposes(suspension=False)}
    revocation, message = credential_status_entries(credential_url=CREDENTIAL, index=0, list_urls=lists)
    assert "statusSize" not in revocation and "statusMessage" not in revocation
    assert message["statusSize"] == MESSAGE_STATUS_SIZE
    assert message["statusMessage"] == status_messages()
