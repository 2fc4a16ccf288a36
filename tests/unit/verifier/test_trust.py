"""Issuer trust lists and look-alike names (verifier/trust.py)."""

from __future__ import annotations

import pytest

from verifier.trust import TrustEntry, assess_issuer, looks_alike, skeleton

UU = TrustEntry("did:web:shomei.example:issuers:uu", "Utrecht University", "this service")
ADMAL = TrustEntry("did:web:admal.example", "ADMAL Aviation College", "MQA register")


@pytest.mark.parametrize(
    "name",
    [
        "Utrecht University",
        "utrecht  university",
        "Utrecht-University.",
        "Utrеcht Univеrsity",  # Cyrillic е
        "Utrecht Universlty",  # l for i
        "Utrecht Universtiy",  # two letters swapped (two edits, a long name)
        "Ｕｔｒｅｃｈｔ Ｕｎｉｖｅｒｓｉｔｙ",  # fullwidth forms
        "Utrécht University",
    ],
)
def test_look_alikes_of_a_known_name(name: str) -> None:
    assert looks_alike(name, "Utrecht University")


@pytest.mark.parametrize(
    "name", ["Leiden University", "Utrecht Business School", "UU", "", "Tokyo University"]
)
def test_different_names_are_not_look_alikes(name: str) -> None:
    assert not looks_alike(name, "Utrecht University")


def test_skeleton_folds_what_the_eye_folds() -> None:
    assert skeleton("АDMAL Aviation") == skeleton("ADMAL  aviation")  # Cyrillic А
    assert skeleton("Modern") == skeleton("Modem")  # rn reads as m


def test_known_issuer_by_identifier_not_by_name() -> None:
    known = assess_issuer(UU.id, "Utrecht University", entries=[UU, ADMAL], domains=["https://uu.example"])
    assert known.known and known.listed_as == UU and not known.lookalike_of
    assert known.as_json()["verified_domains"] == ["https://uu.example"]

    impostor = assess_issuer("did:web:shomei.example:issuers:uu2", "Utrecht Univers1ty", entries=[UU, ADMAL])
    assert not impostor.known and impostor.lookalike_of == [UU]
    assert impostor.as_json()["lookalike_of"][0]["name"] == "Utrecht University"

    stranger = assess_issuer("did:key:z6Mkstranger", "Some Academy", entries=[UU, ADMAL])
    assert not stranger.known and not stranger.lookalike_of and "listed_as" not in stranger.as_json()


TOKYO = TrustEntry("did:web:www.u-tokyo.ac.jp", "University of Tokyo", "jp")


@pytest.mark.parametrize(
    "name",
    [
        "University օf Tօkyօ",  # Armenian օ, three times: more than the edit-distance limit
        "Univеrsіty оf Тоkуо",  # Cyrillic е і о Т у, eight substitutions
        "𝐔𝐧𝐢𝐯𝐞𝐫𝐬𝐢𝐭𝐲 of Tokyo",  # mathematical bold (NFKC)
        "The University of Tokyo",  # a leading "The" (three edits)
        "THE UNIVERSITY OF TOKYO!",
        "University of Tokyo\u200b",  # an invisible zero-width space
    ],
)
def test_any_number_of_confusable_substitutions_still_looks_alike(name: str) -> None:
    assert skeleton(name) == skeleton("University of Tokyo")
    trust = assess_issuer("did:key:z6Mkimpostor", name, entries=[TOKYO])
    assert not trust.known and trust.lookalike_of == [TOKYO]


@pytest.mark.parametrize("name", ["University of Kyoto", "Tokyo University", "Theology University of Tokyo"])
def test_similar_words_are_not_look_alikes(name: str) -> None:
    assert not assess_issuer("did:key:z6Mkother", name, entries=[TOKYO]).lookalike_of


@pytest.mark.parametrize(
    "name",
    [
        "\u202eoykoT fo ytisrevinU",  # RLO: displayed "University of Tokyo"
        "Some \u2067Academy\u2069",  # an isolate, resembling nothing
        "Academy\u200f",  # RLM
        "\u061cAcademy",  # ALM
    ],
)
def test_a_name_with_bidi_controls_is_a_caution_whatever_it_resembles(name: str) -> None:
    trust = assess_issuer("did:key:z6Mkimpostor", name, entries=[TOKYO])
    assert trust.bidi_controls and trust.as_json()["name_has_bidi_controls"] is True
    plain = assess_issuer("did:key:z6Mkimpostor", "Some Academy", entries=[TOKYO]).as_json()
    assert "name_has_bidi_controls" not in plain


def test_a_listed_issuer_signing_under_another_name_is_not_known_under_it() -> None:
    own = [
        TrustEntry("did:web:shomei.example:issuers:ta", "Tenant ta", "this service"),
        TrustEntry("https://shomei.example/issuers/ta", "Tenant ta", "this service"),
        TOKYO,
    ]
    renamed = assess_issuer("did:web:shomei.example:issuers:ta", "University of Tokyo", entries=own)
    assert not renamed.known and renamed.listed_name_differs
    assert renamed.listed_as == own[0] and renamed.lookalike_of == [TOKYO]
    out = renamed.as_json()
    assert out["known"] is False and out["listed_name_differs"] is True
    assert out["listed_as"] == {"name": "Tenant ta", "list": "this service"}

    same = assess_issuer("did:web:shomei.example:issuers:ta", "tenant TA.", entries=own)
    assert same.known and not same.listed_name_differs and not same.lookalike_of
    unnamed = assess_issuer("https://shomei.example/issuers/ta", "", entries=own)
    assert unnamed.known and "listed_name_differs" not in unnamed.as_json()


@pytest.mark.parametrize(
    "invisible",
    [
        "\u1160",  # HANGUL JUNGSEONG FILLER (a letter, Lo)
        "\u115f",  # HANGUL CHOSEONG FILLER
        "\u3164",  # HANGUL FILLER
        "\uffa0",  # HALFWIDTH HANGUL FILLER
        "\u034f",  # COMBINING GRAPHEME JOINER (Mn)
        "\ufe0f",  # VARIATION SELECTOR-16
        "\U000e0100",  # VARIATION SELECTOR-17
        "\u17b4",  # KHMER VOWEL INHERENT AQ
        "\u180b",  # MONGOLIAN FREE VARIATION SELECTOR ONE
    ],
)
def test_default_ignorable_code_points_are_not_seen(invisible: str) -> None:
    """Found by an outside fuzzing round of issuer trust: only format characters (Cf) were dropped, so a
    name with Hangul fillers inside ("Uni\\u1160ver\\u1160sity of To\\u1160kyo") displayed as a known
    name but escaped the look-alike check. UTS #39 §4: skeleton() removes Default_Ignorable_Code_Point."""
    name = invisible.join(["Uni", "ver", "sity of To", "kyo"])
    assert skeleton(name) == skeleton("University of Tokyo")
    tokyo = TrustEntry("did:web:www.u-tokyo.ac.jp", "University of Tokyo", "MEXT")
    assert assess_issuer("did:key:z6Mkstranger", name, entries=[tokyo]).lookalike_of == [tokyo]
