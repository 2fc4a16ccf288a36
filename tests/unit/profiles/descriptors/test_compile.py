"""Compiling rule documents (profiles.descriptors.compile) and evaluating the compiled rules
(profiles.descriptors.evaluation) on small documents."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from profiles.descriptors import RuleFileError, RuleSet, load_rules

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def rules_doc(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"profileVersion": "test", "levels": {"base": list(rules)}}


def test_a_small_rule_set_evaluates() -> None:
    rule_set = load_rules(
        rules_doc(
            {"id": "T-1", "path": "$.name", "presence": "required", "type": "nonEmptyString"},
            {"id": "T-2", "path": "$.items[*].v", "presence": "required", "minItems": 2, "minimum": 1},
            {"id": "T-3", "path": "$.opt", "presence": "optional", "enum": ["a"]},
            {"id": "T-4", "path": "$.rec", "presence": "recommended"},
            {
                "id": "T-5",
                "path": "$.items[*].v",
                "presence": "conditional",
                "when": "kind == x",
                "minimum": 2,
            },
        )
    )
    assert isinstance(rule_set, RuleSet)
    assert rule_set.version == "test"
    doc = {"name": "n", "items": [{"kind": "x", "v": 2}, {"kind": "y", "v": 1}]}
    result = rule_set.evaluate(doc, "base", now=NOW)
    assert [r.status for r in result.rules] == ["pass", "pass", "not-applicable", "fail", "pass"]
    assert result.failed_rules == ()
    assert result.warnings == ("T-4",)
    doc["items"][0]["v"] = 1  # type: ignore[index]
    doc["opt"] = "b"
    result = rule_set.evaluate(doc, "base", now=NOW)
    assert result.failed_rules == ("T-3", "T-5")
    assert [r.path for r in result.rules if r.id in ("T-3", "T-5")] == ["$.opt", "$.items[0].v"]


def test_includes_are_applied() -> None:
    document = {"levels": {"base": [{"id": "B-1", "path": "$.a", "presence": "required"}], "top": []}}
    rule_set = load_rules(document, includes={"top": ("base",)})
    assert [r.id for r in rule_set.rules_for("top")] == ["B-1"]
    with pytest.raises(RuleFileError, match="unknown level"):
        load_rules(document, includes={"top": ("nowhere",)})


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ({"id": "X", "path": "$.a", "presence": "required", "maxItems": 3}, "unknown keyword"),
        ({"id": "X", "path": "$.a", "presence": "required", "type": "url"}, "unknown type"),
        ({"id": "X", "path": "$.a", "presence": "mandatory"}, "presence"),
        ({"id": "X", "path": "$.a", "presence": "conditional", "when": "sometimes"}, "when"),
        ({"id": "X", "path": "$.a", "presence": "conditional"}, "when"),
        ({"id": "X", "path": "$.a", "presence": "required", "when": "a == b"}, "when"),
        ({"id": "X", "path": "$.a.b", "presence": "conditional", "when": "an a exists"}, "filter"),
        ({"id": "X", "path": "$.a", "presence": "required", "action": "do something"}, "action"),
        ({"id": "X", "path": "$.a", "presence": "required", "enumOrExt": "Colour"}, "enumeration"),
        ({"id": "X", "path": "$.a", "presence": "required", "stage": "draft"}, "stage"),
        ({"id": "X", "path": "$.a", "presence": "required", "pattern": "("}, "pattern"),
        ({"id": "X", "path": "$..a", "presence": "required"}, "path"),
        ({"id": "X", "anyOf": ["$.a", "<something else>"], "presence": "required"}, "placeholder"),
        ({"id": "X", "path": "$.a", "anyOf": ["$.b"], "presence": "required"}, "path and anyOf"),
        ({"path": "$.a", "presence": "required"}, "no id"),
    ],
)
def test_rule_files_with_unknown_or_bad_content_raise_at_load(rule: dict[str, Any], match: str) -> None:
    with pytest.raises(RuleFileError, match=match):
        load_rules(rules_doc(rule))


def test_rule_file_level_errors() -> None:
    rule = {"id": "X", "path": "$.a", "presence": "required"}
    with pytest.raises(RuleFileError, match="duplicate"):
        load_rules(rules_doc(rule, copy.deepcopy(rule)))
    with pytest.raises(RuleFileError, match="top-level"):
        load_rules({**rules_doc(rule), "extends": "ob3-minimal"})
    with pytest.raises(RuleFileError, match="levels"):
        load_rules({"levels": {}})
