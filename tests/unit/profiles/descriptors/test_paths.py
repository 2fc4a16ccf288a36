"""The JSONPath subset of the rules (profiles.descriptors.paths)."""

from __future__ import annotations

from typing import Any

import pytest

from profiles.descriptors import RuleFileError, parse_path, resolve

DOC = {
    "@context": ["https://a.example", "https://b.example"],
    "a": {"b": 1},
    "items": [
        {"kind": "x", "v": 1, "tags": ["red"]},
        {"kind": "y", "v": 2, "tags": ["blue", "red"]},
        {"kind": "x", "v": 3},
        "scalar",
    ],
    "single": {"kind": "x", "v": 9},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$", [DOC]),
        ("$.a.b", [1]),
        ("$['a']['b']", [1]),
        ('$["a"].b', [1]),
        ("$['@context'][0]", ["https://a.example"]),
        ("$['@context'][1]", ["https://b.example"]),
        ("$['@context'][2]", []),
        ("$.items[*].v", [1, 2, 3]),
        ("$.items[?kind=x].v", [1, 3]),
        ("$.items[?kind=y]", [DOC["items"][1]]),  # type: ignore[index]
        ("$.items[?tags=red].v", [1, 2]),
        ("$.items[?kind=z].v", []),
        ("$.single[*].v", [9]),
        ("$.single[?kind=x].v", [9]),
        ("$.missing.b", []),
        ("$.a.b.c", []),
        ("$.a[0]", []),
    ],
)
def test_resolve(path: str, expected: list[Any]) -> None:
    assert resolve(DOC, path) == expected


@pytest.mark.parametrize("path", ["a.b", "$..a", "$.a[?(@.b)]", "$.a[-1]", "$.a.", "$[a]", "$.a b"])
def test_unsupported_paths_raise(path: str) -> None:
    with pytest.raises(RuleFileError):
        parse_path(path)


def test_filter_values_with_a_colon() -> None:
    doc = {"al": [{"targetType": "ext:QualificationsFrameworkLevel", "c": "4"}, {"targetType": "CTDL"}]}
    assert resolve(doc, "$.al[?targetType=ext:QualificationsFrameworkLevel].c") == ["4"]


def test_filter_literals() -> None:
    doc = {"x": [{"flag": True, "n": 1}, {"flag": "true", "n": 2}]}
    assert resolve(doc, "$.x[?flag=true].n") == [1]
    assert resolve(doc, "$.x[?flag='true'].n") == [2]
