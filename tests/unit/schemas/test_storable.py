"""schemas.api: what every request model refuses anywhere in its values (NUL, lone surrogates, numbers
that are not finite, nesting deeper than MAX_DEPTH), where it is found, and that the search is iterative;
datetimes that are no time in UTC."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.api import (
    MAX_DEPTH,
    AchievementTemplateIn,
    TenantUpdate,
    TokenCreate,
    first_unstorable,
    in_utc_range,
    unstorable_text,
)


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("plain", False),
        ("データ \U0001f393 tab\t newline\n DEL\x7f", False),
        ("\x00", True),
        ("a\x00b", True),
        ("\ud800", True),  # a lone high surrogate
        ("x\udfff", True),  # a lone low surrogate
        ("\ud83c\udf93", True),  # a surrogate pair in a str is two lone code points, not UTF-8
        ("\ue000\uffff", False),  # private use and a noncharacter are valid UTF-8
    ],
)
def test_unstorable_text(text: str, refused: bool) -> None:
    assert unstorable_text(text) is refused


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ({"a": [1, "ok", {"b": None, "c": True, "d": 2.5}]}, None),
        ({"a": [1, {"b": "x\x00"}]}, ("a[1].b", "unstorable_text")),
        ({"a": {"k\x00": 1}}, ("a.?", "unstorable_text")),  # the name itself is not echoed
        ({"a": {"\ud800": 1}}, ("a.?", "unstorable_text")),
        ({"a": [float("nan")]}, ("a[0]", "non_finite_number")),
        ({"a": -float("inf")}, ("a", "non_finite_number")),
        ("\x00", ("value", "unstorable_text")),
        ({"a": _nested(MAX_DEPTH)}, ("a" + "[0]" * (MAX_DEPTH - 1), "too_deep")),
        ({"a": _nested(MAX_DEPTH - 1)}, None),
        ({"first": "\x00", "second": "\ud800"}, ("first", "unstorable_text")),  # the first in order
    ],
)
def test_first_unstorable(value: Any, found: tuple[str, str] | None) -> None:
    assert first_unstorable(value) == found


def test_a_deep_or_wide_document_is_searched_without_recursion() -> None:
    deep: Any = "\x00"
    for _ in range(100_000):  # far beyond the interpreter's recursion limit
        deep = [deep]
    assert first_unstorable(deep) == ("[0]" * MAX_DEPTH, "too_deep")
    wide = {f"k{i}": [i, str(i)] for i in range(50_000)} | {"last": "\x00"}
    assert first_unstorable(wide) == ("last", "unstorable_text")


def test_skipped_values_are_not_entered() -> None:
    class Inner(BaseModel):
        text: str

    assert first_unstorable({"m": Inner.model_construct(text="\x00")}, skip=BaseModel) is None
    assert first_unstorable({"m": ["\x00"]}, skip=BaseModel) == ("m[0]", "unstorable_text")


@pytest.mark.parametrize(
    ("model", "data", "error_type"),
    [
        (TokenCreate, {"scopes": ["read"], "name": "a\x00"}, "unstorable_text"),
        (TenantUpdate, {"description": "a\x00"}, "unstorable_text"),
        (
            TenantUpdate,
            {"otherIdentifier": [{"identifier": "x\x00", "identifierType": "name"}]},
            "unstorable_text",
        ),
        (TenantUpdate, {"address": None}, "value_error"),
        (AchievementTemplateIn, {"name": "x", "extra": {"deep": "\ud800"}}, "unstorable_text"),
        (AchievementTemplateIn, {"achievement": {"n": float("nan")}}, "non_finite_number"),
    ],
)
def test_request_models_refuse(model: type[BaseModel], data: dict[str, Any], error_type: str) -> None:
    with pytest.raises(ValidationError) as raised:
        model.model_validate(data)
    assert error_type in {e["type"] for e in raised.value.errors()}


def test_request_models_keep_what_is_storable() -> None:
    assert (
        TenantUpdate.model_validate({"name": "大学", "address": {"addressCountryCode": "JP"}}).name == "大学"
    )
    body = AchievementTemplateIn.model_validate({"name": "x", "n": 1.5, "list": [None, True]})
    assert body.achievement_body() == {"name": "x", "n": 1.5, "list": [None, True]}


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("9999-12-31T23:59:59+00:00", True),
        ("9999-12-31T23:59:59+14:00", True),
        ("0001-01-01T00:00:00-01:00", True),
        ("9999-12-31T23:59:59-00:01", False),  # year 10000 in UTC
        ("0001-01-01T00:00:00+00:01", False),  # year 0 in UTC
        ("2026-01-31T00:00:00", True),  # no zone: the caller's to require one
    ],
)
def test_in_utc_range(text: str, kept: bool) -> None:
    value = dt.datetime.fromisoformat(text)
    if kept:
        assert in_utc_range(value) is value  # unchanged, its zone included
    else:
        with pytest.raises(ValueError):
            in_utc_range(value)
    assert in_utc_range(None) is None
