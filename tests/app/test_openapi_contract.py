"""The HTTP API is a contract: today's /openapi.json against the committed snapshot (tests/data/openapi.json).

Paths, methods, operation ids, parameters (in order), request bodies, responses, security and component schemas
must match; prose (descriptions, summaries) and tags may change. The snapshot was first taken before the
restructure of issue 11, which moved everything and changed none of it. A change that means to change the API
re-takes it in the same commit (``.venv/bin/python -m tests.app.test_openapi_contract``), so that the diff of
tests/data/openapi.json shows a reviewer exactly what changed.
"""

from __future__ import annotations

import json
from typing import Any

from app.main import create_app
from tests.conftest import make_settings
from tests.paths import DATA

SNAPSHOT = DATA / "openapi.json"
PROSE = {"description", "summary", "tags"}


def _shape(node: Any) -> Any:
    """The document without prose, so that only the contract is compared."""
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items() if k not in PROSE}
    if isinstance(node, list):
        return [_shape(v) for v in node]
    return node


def _document() -> dict[str, Any]:
    document: dict[str, Any] = create_app(make_settings("sqlite:///:memory:")).openapi()
    return document


def test_openapi_matches_the_snapshot() -> None:
    before = _shape(json.loads(SNAPSHOT.read_text(encoding="utf-8")))
    now = _shape(_document())
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


if __name__ == "__main__":
    SNAPSHOT.write_text(json.dumps(_document(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
