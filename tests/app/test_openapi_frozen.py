"""The HTTP API is frozen across the restructure: today's /openapi.json against the snapshot taken before it.

Paths, methods, operation ids, parameters, request bodies, responses and component schemas must match; prose
(descriptions, summaries) and tags may change.
"""

from __future__ import annotations

import json
from typing import Any

from app.main import create_app
from tests.conftest import make_settings
from tests.paths import DATA

SNAPSHOT = DATA / "openapi-before-restructure.json"
PROSE = {"description", "summary", "tags"}


def _shape(node: Any) -> Any:
    """The document without prose, so that only the contract is compared."""
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in PROSE}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def test_openapi_matches_the_snapshot() -> None:
    before = _shape(json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    now = _shape(create_app(make_settings("sqlite:///:memory:")).openapi())
    assert sorted(now["paths"]) == sorted(before["paths"])
    for path, operations in before["paths"].items():
        assert now["paths"][path] == operations, path
    assert now["components"] == before["components"]
    assert now == before


def test_the_comparison_sees_a_changed_contract() -> None:
    doc = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(doc))
    first = next(iter(changed["paths"].values()))
    next(iter(first.values()))["operationId"] = "renamed"
    assert _shape(changed) != _shape(doc)
    prose_only = json.loads(json.dumps(doc))
    next(iter(next(iter(prose_only["paths"].values())).values()))["description"] = "better words"
    assert _shape(prose_only) == _shape(doc)
