"""issuer.build.format_datetime: an XML Schema dateTimeStamp in UTC, the year in at least four digits."""

from __future__ import annotations

import datetime as dt

import pytest

from issuer.build import format_datetime
from profiles.vcdm import validate_credential


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.datetime(999, 6, 1, tzinfo=dt.UTC), "0999-06-01T00:00:00Z"),
        (dt.datetime(1, 1, 1, 12, tzinfo=dt.UTC), "0001-01-01T12:00:00Z"),
        (
            dt.datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2026-03-04T03:06:07Z",
        ),
    ],
)
def test_a_datetime_is_written_as_xml_schema_says(value: dt.datetime, text: str) -> None:
    assert format_datetime(value) == text
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        "validFrom": format_datetime(value),
    }
    assert validate_credential(credential, issuing=True) == []
