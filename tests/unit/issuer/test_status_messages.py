"""issuer/status/reasons.py: the message entry's ``statusMessage`` has one message per possible value of its
``statusSize`` bits, 2**statusSize of them (Bitstring Status List v1.0 §2.1: "the number of status messages
MUST equal the number of possible values"; "4 elements if statusSize has 2 bits, 8 elements if statusSize
has 3 bits"), not statusSize of them as the W3C status-list suite expects (issue 12 item 8)."""

from __future__ import annotations

from issuer.status.entries import credential_status_entries
from issuer.status.reasons import MESSAGE_STATUS_SIZE, REASONS, status_messages


def test_one_message_per_possible_value() -> None:
    messages = status_messages()
    assert MESSAGE_STATUS_SIZE == 4
    assert len(messages) == 2**MESSAGE_STATUS_SIZE == 16
    assert (
        len(messages) != MESSAGE_STATUS_SIZE
    )  # the suite's reading, which the Recommendation does not support
    # Every value a 4-bit entry can hold, in order, as "0x" + hex (§2.1 ``status``), each with a message.
    assert [m["status"] for m in messages] == [f"0x{v:x}" for v in range(16)]
    assert all(isinstance(m["message"], str) and m["message"] for m in messages)


def test_every_reason_value_has_its_message_and_fits_the_size() -> None:
    by_status = {m["status"]: m["message"] for m in status_messages()}
    for reason in REASONS.values():
        assert 0 < reason.value < 2**MESSAGE_STATUS_SIZE
        assert by_status[f"0x{reason.value:x}"] == reason.message
    assert len({r.value for r in REASONS.values()}) == len(REASONS)


def test_the_published_entry_pairs_the_size_with_its_messages() -> None:
    (entry,) = credential_status_entries(
        credential_url="https://shomei.test/credentials/1",
        index=7,
        list_urls={"message": "https://shomei.test/status/uu/1/message"},
    )
    assert len(entry["statusMessage"]) == 2 ** entry["statusSize"]
