"""No import cycle between any two first-party modules, wherever they are (imports inside functions and under
TYPE_CHECKING included: a function-level import hides a cycle, it does not break it).

import-linter's ``acyclic_siblings`` contract (pyproject.toml) checks the packages inside each domain and each
pure package; this test checks the module graph of everything first-party at once, app/ included.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

from tests.rules.source import IMPORTERS


def _strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative: the components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            if successors:
                nxt = successors.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def import_cycles(*packages: str) -> list[list[str]]:
    """Each group of modules that import one another in a circle, as its imports
    ``importer -> imported (l.N)``; empty when the graph of ``packages`` has no cycle."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    cycles: list[list[str]] = []
    for component in _strongly_connected(graph.modules, edges):
        members = set(component)
        cycles.append(
            [
                f"{importer} -> {imported} (l.{detail['line_number']})"
                for importer in component
                for imported in sorted(edges[importer] & members)
                for detail in graph.get_import_details(importer=importer, imported=imported)[:1]
            ]
        )
    return cycles


def test_no_import_cycles_between_first_party_modules() -> None:
    assert import_cycles(*IMPORTERS) == []


def test_the_check_finds_a_cycle_through_a_function_level_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = f"cycles_{uuid.uuid4().hex[:8]}"
    root = tmp_path / package
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("")
    (root / "a.py").write_text(f"from {package}.sub import b\n")
    (root / "sub" / "b.py").write_text(f"def late() -> None:\n    from {package} import c\n")
    (root / "c.py").write_text(f"import {package}.a\n")
    (root / "d.py").write_text(f"from {package} import a\n")  # imports the circle, is not part of it
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles(package) == [
        [
            f"{package}.a -> {package}.sub.b (l.1)",
            f"{package}.c -> {package}.a (l.1)",
            f"{package}.sub.b -> {package}.c (l.2)",
        ]
    ]
    (root / "c.py").write_text("")
    assert import_cycles(package) == []
