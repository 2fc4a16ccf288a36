"""The ``validity`` check reads every date a credential carries (found by an outside fuzzing round):
``validFrom`` with ``issuanceDate``, ``validUntil`` with ``expirationDate``, the latest start and the
earliest end; a ``null`` is no date (JSON-LD drops it, so a holder can add one without breaking the proof);
times are reported in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from schemas.problems import problem_type
from tests.unit.verifier.builders import NOW, key, open_badge, signed
from verifier import DidResolver, Verifier
from verifier.checks.validity import check_validity

SKEW = dt.timedelta(minutes=5)
PAST, FUTURE = "2026-01-01T00:00:00Z", "2027-06-01T00:00:00Z"  # NOW is 2026-04-01
SIGNER = key(71)


def _outcome(**dates: Any) -> tuple[str, str | None]:
    check = check_validity(dates, None, now=NOW, skew=SKEW)
    return check.outcome, check.type


@pytest.mark.parametrize(
    ("dates", "problem"),
    [
        ({"expirationDate": PAST, "validUntil": None}, "expired"),
        ({"issuanceDate": FUTURE, "validFrom": None}, "not-yet-valid"),
        ({"expirationDate": PAST, "validUntil": FUTURE}, "expired"),
        ({"validUntil": PAST, "expirationDate": FUTURE}, "expired"),
        ({"issuanceDate": FUTURE, "validFrom": PAST}, "not-yet-valid"),
        ({"validFrom": FUTURE, "issuanceDate": PAST}, "not-yet-valid"),
    ],
)
def test_every_date_counts_and_null_hides_none(dates: dict[str, Any], problem: str) -> None:
    assert _outcome(**dates) == ("failed", problem_type(problem))


def test_dates_in_force_pass() -> None:
    assert _outcome(issuanceDate=PAST, validFrom=None, expirationDate=FUTURE, validUntil=None)[0] == "passed"
    assert _outcome(validFrom=PAST, validUntil=FUTURE)[0] == "passed"


def test_offsets_are_compared_and_reported_in_utc() -> None:
    now = dt.datetime(2026, 12, 7, 17, 0, tzinfo=dt.UTC)
    check = check_validity({"validUntil": "2026-12-08T06:11:44+14:00"}, None, now=now, skew=SKEW)
    assert (check.outcome, check.type) == ("failed", problem_type("expired"))
    assert "2026-12-07 16:11" in check.message  # 06:11 at +14:00 is 16:11 UTC the day before


def test_a_null_added_to_a_signed_credential_does_not_hide_its_expiry() -> None:
    loader: DocumentLoader = bundled_loader()
    unsigned = open_badge(
        SIGNER.public_key().did_key(), data_model="1.1", expirationDate="2026-02-01T00:00:00Z"
    )
    credential = signed(unsigned, SIGNER, SIGNER.public_key().did_key_vm(), loader)
    forged = {**credential, "validUntil": None}  # dropped by JSON-LD: the proof still verifies
    result = Verifier(loader=loader, resolver=DidResolver(), fetch_status_list=None).verify(forged, now=NOW)
    outcomes = {c.id: (c.outcome, c.type) for c in result.checks}
    assert outcomes["proof"][0] == "passed"
    assert outcomes["validity"] == ("failed", problem_type("expired"))
    assert not result.verified


@pytest.mark.parametrize(
    ("dates", "outcome"),
    [
        # XML Schema 1.1 years outside 0001-9999 (year 0000 is 1 BCE): long past, or far ahead.
        ({"validFrom": "0000-01-01T00:00:00Z"}, ("passed", None)),
        ({"validFrom": "-0044-03-15T12:00:00Z", "validUntil": FUTURE}, ("passed", None)),
        ({"validFrom": PAST, "validUntil": "12026-01-01T00:00:00Z"}, ("passed", None)),
        ({"validUntil": "0000-06-01T00:00:00Z"}, ("failed", problem_type("expired"))),
        ({"validFrom": "10000-01-01T00:00:00Z"}, ("failed", problem_type("not-yet-valid"))),
        # At the edges with an offset, the UTC time is outside what a datetime holds: no overflow (a 500).
        ({"validUntil": "9999-12-31T23:59:59-14:00"}, ("passed", None)),
        ({"validFrom": "0001-01-01T00:00:00+14:00"}, ("passed", None)),
        # Far years are not a way around the date-time's own form.
        ({"validFrom": "0000-13-01T00:00:00Z"}, ("failed", problem_type("invalid-date"))),
        ({"validFrom": "0000-01-01"}, ("failed", problem_type("invalid-date"))),
    ],
    ids=[
        "year-0",
        "negative-year",
        "five-digit-end",
        "ended-year-0",
        "starts-year-10000",
        "last-second-behind-utc",
        "first-second-ahead-of-utc",
        "month-13",
        "no-time",
    ],
)
def test_years_a_datetime_cannot_hold(dates: dict[str, Any], outcome: tuple[str, str | None]) -> None:
    """Found by an outside fuzzing round: a validFrom in year 0000 was refused as "not a valid date-time"
    (Python's datetime starts at year 1); Digital Bazaar's verifier accepts it."""
    assert _outcome(**dates) == outcome


@pytest.mark.parametrize(
    ("dates", "outcome"),
    [
        ({"validFrom": "2026-03-31T24:00:00Z"}, ("passed", None)),  # 2026-04-01T00:00:00Z, before NOW
        ({"validFrom": "2026-04-01T24:00:00Z"}, ("failed", problem_type("not-yet-valid"))),  # 04-02
        ({"validUntil": "2026-03-31T24:00:00.000Z"}, ("failed", problem_type("expired"))),
        ({"validUntil": "2026-04-01T24:00:00+02:00"}, ("passed", None)),  # 2026-04-01T22:00:00Z
        ({"validUntil": "9999-12-31T24:00:00Z"}, ("passed", None)),  # past what a datetime holds: no 500
        ({"validFrom": "2026-04-01T24:00:01Z"}, ("failed", problem_type("invalid-date"))),
    ],
    ids=["began", "not-yet", "ended", "offset", "last-day", "not-an-end-of-day"],
)
def test_the_end_of_a_day(dates: dict[str, Any], outcome: tuple[str, str | None]) -> None:
    """Found by an outside fuzzing round: XML Schema 1.1 §3.3.7 writes the end of a day as ``24:00:00``,
    the first instant of the next day, a dateTimeStamp VCDM 2.0 §4.9 accepts (the data-model check does);
    the validity check refused it as "not a valid date-time"."""
    assert _outcome(**dates) == outcome
