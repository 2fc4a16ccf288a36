"""app/web/i18n.py: the language a page picks, dates and names the way each language writes them."""

from __future__ import annotations

import datetime as dt

import pytest

from app.web.i18n import Words, format_date, person_name, pick_language


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "en"),
        ("ja", "en", "ja"),
        ("EN", "ja", "en"),
        ("xx", "ja-JP,ja;q=0.9,en;q=0.8", "ja"),
        (None, "fr-FR, en;q=0.5, ja;q=0.9", "ja"),
        (None, "ja;q=0, en;q=0.1", "en"),
        (None, "de, fr", "en"),
        (None, "ja;q=abc, en", "en"),
    ],
)
def test_pick_language(query: str | None, header: str | None, expected: str) -> None:
    assert pick_language(query, header) == expected


def test_dates() -> None:
    assert format_date("2026-12-07T09:00:00Z", "ja") == "2026年12月7日"
    assert format_date("2026-12-07T09:00:00Z", "en") == "7 December 2026"
    assert format_date(dt.date(2027, 1, 31), "en") == "31 January 2027"
    assert format_date("not a date", "en") == "not a date" and format_date(None, "ja") == ""


def test_names_in_the_learners_order() -> None:
    assert person_name("Aiko", "Tanaka", "en") == "Aiko Tanaka"
    assert person_name("Aiko", "Tanaka", "ja") == "Tanaka Aiko"
    assert person_name("愛子", "田中", "ja") == "田中愛子"
    assert person_name("愛子", "田中", "en") == "田中愛子"  # a name in Japanese script keeps its order
    assert person_name(None, None, "en", fallback="A. Tanaka") == "A. Tanaka"
    assert person_name("", None, "en") is None


def test_words() -> None:
    assert Words("ja")("status.valid") == "有効" and Words("en")("status.valid") == "Valid"
    assert Words("ja")("card.image", name="X") == "X のバッジ画像"
    assert Words("en")("no.such.key") == "no.such.key" and Words("ja").other == "en"
