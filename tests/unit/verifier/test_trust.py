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
