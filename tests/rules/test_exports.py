"""``__all__`` says what a module offers, and nothing reaches past it (read from the source with ``ast``; nothing
is imported or run):

(a) every module other modules import names from has ``__all__`` (a package's ``__init__`` and an endpoints
    module, whose one export is its ``router`` for app/main.py, may go without);
(b) ``__all__`` names only what the module defines or imports;
(c) ``__all__`` holds every name that another module (of the product, its tests, benchmarks or migrations)
    imports from it with ``from module import name``: what is not listed is private, and stays inside.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.paths import ROOT
from tests.rules.source import CHECKED, IMPORTERS, modules, package_of, parse

_EXEMPT_FROM_A = ("__init__.py", "endpoints.py")


def _resolve(node: ast.ImportFrom, importer: str, path: Path) -> str:
    if not node.level:
        return node.module or ""
    base = package_of(importer, path).split(".")
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements run at import time: the module's own, and those inside if / try / with blocks."""
    found: list[ast.stmt] = []
    for stmt in body:
        found.append(stmt)
        if isinstance(stmt, ast.If | ast.For | ast.While):
            found += _top_level(stmt.body) + _top_level(stmt.orelse)
        elif isinstance(stmt, ast.With):
            found += _top_level(stmt.body)
        elif isinstance(stmt, ast.Try):
            found += _top_level(stmt.body) + _top_level(stmt.orelse) + _top_level(stmt.finalbody)
            for handler in stmt.handlers:
                found += _top_level(handler.body)
    return found


def _target_names(target: ast.expr) -> set[str]:
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Tuple | ast.List):
        return {name for element in target.elts for name in _target_names(element)}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return set()


def defined_names(tree: ast.Module) -> set[str] | None:
    """The names a module binds at import time (or through ``global`` in a function); None when a
    ``from … import *`` makes them unknowable."""
    names: set[str] = set()
    for stmt in _top_level(tree.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names.update(n for target in stmt.targets for n in _target_names(target))
        elif isinstance(stmt, ast.AnnAssign | ast.AugAssign) and (
            not isinstance(stmt, ast.AnnAssign) or stmt.value is not None
        ):
            names.update(_target_names(stmt.target))
        elif isinstance(stmt, ast.Import):
            names.update(alias.asname or alias.name.split(".")[0] for alias in stmt.names)
        elif isinstance(stmt, ast.ImportFrom):
            if any(alias.name == "*" for alias in stmt.names):
                return None
            names.update(alias.asname or alias.name for alias in stmt.names)
    names.update(n for node in ast.walk(tree) if isinstance(node, ast.Global) for n in node.names)
    return names


def declared_all(tree: ast.Module) -> list[str] | str | None:
    """The names in ``__all__`` (assigned, annotated or extended with ``+=``), None without one, or a
    message when it is not a literal list or tuple of strings."""
    declared: list[str] | None = None
    for stmt in _top_level(tree.body):
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
                continue
            value = stmt.value
            if not isinstance(value, ast.List | ast.Tuple) or not all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                return f"__all__ is not a literal list of strings (line {stmt.lineno})"
            names = [str(e.value) for e in value.elts if isinstance(e, ast.Constant)]
            declared = (declared or []) + names if isinstance(stmt, ast.AugAssign) else names
    return declared


def export_problems(root: Path, checked: tuple[str, ...], importers: tuple[str, ...]) -> list[str]:
    """Every breach of (a), (b) and (c) among the modules of ``checked`` under ``root``, with the modules of
    ``importers`` as the importing side."""
    targets = modules(root, checked)
    everything = {**modules(root, importers), **targets}
    # module -> imported name -> the places that import it
    imported: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for importer, path in everything.items():
        for node in ast.walk(parse(path)):
            if not isinstance(node, ast.ImportFrom):
                continue
            source = _resolve(node, importer, path)
            if source not in targets or source == importer:
                continue
            for alias in node.names:
                if alias.name != "*" and f"{source}.{alias.name}" not in everything:
                    imported[source][alias.name].append(f"{path.relative_to(root)}:{node.lineno}")

    problems: list[str] = []
    for name, path in sorted(targets.items()):
        where = str(path.relative_to(root))
        tree = parse(path)
        declared = declared_all(tree)
        if isinstance(declared, str):
            problems.append(f"{where}: {declared}")
            continue
        uses = imported.get(name, {})
        if declared is None:
            if uses and path.name not in _EXEMPT_FROM_A:
                problems.append(f"{where}: no __all__, yet other modules import {', '.join(sorted(uses))}")
            continue
        defined = defined_names(tree)
        if defined is not None:
            problems += [
                f"{where}: __all__ names {n!r}, which it does not define"
                for n in declared
                if n not in defined
            ]
        problems += [
            f"{where}: {n!r} is imported by {', '.join(places)} but is not in __all__"
            for n, places in sorted(uses.items())
            if n not in declared
        ]
    return problems


def test_all_lists_what_other_modules_import() -> None:
    assert export_problems(ROOT, CHECKED, IMPORTERS) == []


def test_the_check_catches_each_breach(tmp_path: Path) -> None:
    def write(path: str, text: str) -> None:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)

    write("pkg/__init__.py", "from pkg.good import public\n")  # a package may go without __all__
    write(
        "pkg/good.py", "__all__ = ['public', 'Alias']\nfrom typing import Any as Alias\ndef public(): ...\n"
    )
    write("pkg/no_all.py", "def helper(): ...\n")
    write("pkg/unused.py", "def alone(): ...\n")  # nobody imports from it: no __all__ needed
    write("pkg/endpoints.py", "router = object()\n")
    write("pkg/ghost.py", "__all__ = ['present', 'absent']\npresent = 1\n")
    write("pkg/private.py", "__all__: list[str] = ['shown']\nshown = 1\n_hidden = 2\n")
    write("pkg/computed.py", "__all__ = sorted(['x'])\nx = 1\n")
    write("pkg/starred.py", "from pkg.good import *\n__all__ = ['anything']\n")
    write("pkg/sub/__init__.py", "")
    write(
        "pkg/sub/user.py",
        "from .. import no_all\nfrom ..private import _hidden\nfrom ..no_all import helper\n",
    )
    write("pkg/sub/more.py", "from pkg import good\nfrom pkg.endpoints import router\n__all__ = []\n")
    write("tests/test_it.py", "from pkg.private import shown, _hidden\nfrom pkg.good import public\n")

    assert export_problems(tmp_path, ("pkg",), ("pkg", "tests")) == [
        "pkg/computed.py: __all__ is not a literal list of strings (line 1)",
        "pkg/ghost.py: __all__ names 'absent', which it does not define",
        "pkg/no_all.py: no __all__, yet other modules import helper",
        "pkg/private.py: '_hidden' is imported by pkg/sub/user.py:2, tests/test_it.py:1 but is not in __all__",
    ]
