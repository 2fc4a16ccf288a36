"""All SQL of app/ lives in repository modules (``app/**/repository.py``, or a ``repository/`` package) and in
app/db/: SQLAlchemy's statement builders and the session's query and unit-of-work calls appear nowhere else.
Read from the source with ``ast``.

A call counts as a session call when its receiver is named like one (``session``, ``db``, ``conn``,
``connection``, anything with "session" in its name) or is annotated with a Session or Connection type in
the module. Types (``Session``), exceptions (``IntegrityError``) and transaction control (``commit``,
``begin_nested``) may appear anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.paths import ROOT
from tests.rules.source import modules, parse

BUILDERS = frozenset(
    {
        "select",
        "update",
        "delete",
        "insert",
        "func",
        "text",
        "and_",
        "or_",
        "not_",
        "exists",
        "case",
        "cast",
        "literal",
        "literal_column",
        "column",
        "table",
        "union",
        "union_all",
        "bindparam",
        "tuple_",
        "null",
        "true",
        "false",
        "desc",
        "asc",
        "values",
    }
)
SESSION_CALLS = frozenset(
    {
        "execute",
        "scalars",
        "scalar",
        "get",
        "get_one",
        "query",
        "add",
        "add_all",
        "delete",
        "flush",
        "refresh",
        "merge",
    }
)
SESSION_NAMES = frozenset({"session", "db", "conn", "connection"})
SESSION_TYPES = ("Session", "Connection")


def is_sql_home(relative: Path) -> bool:
    return (
        relative.parts[:2] == ("app", "db")
        or relative.name == "repository.py"
        or "repository" in relative.parts
    )


def _receiver_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _session_typed_names(tree: ast.Module) -> set[str]:
    """Names annotated (as arguments or variables) with a type that mentions Session or Connection."""
    names: set[str] = set()
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.expr | None]] = []
        if isinstance(node, ast.arg):
            pairs.append((node.arg, node.annotation))
        elif isinstance(node, ast.AnnAssign):
            name = _receiver_name(node.target)
            if name:
                pairs.append((name, node.annotation))
        names.update(n for n, a in pairs if a is not None and any(t in ast.unparse(a) for t in SESSION_TYPES))
    return names


def sql_sites(path: Path, shown_as: str) -> list[str]:
    """The builders and session calls in one module, as ``path:line what``."""
    tree = parse(path)
    sites: list[str] = []
    sqlalchemy_aliases: set[str] = set()
    sessions = _session_typed_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            for alias in node.names:
                if alias.name in BUILDERS:
                    sites.append(f"{shown_as}:{node.lineno} imports {alias.name} from {node.module}")
                elif alias.name in {"sql", "postgresql", "sqlite", "dialects"}:
                    sqlalchemy_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            sqlalchemy_aliases.update(
                alias.asname or alias.name.split(".")[0]
                for alias in node.names
                if alias.name.split(".")[0] == "sqlalchemy"
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in BUILDERS
            and isinstance(node.value, ast.Name | ast.Attribute)
            and ast.unparse(node.value).split(".")[0] in sqlalchemy_aliases
        ):
            sites.append(f"{shown_as}:{node.lineno} {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SESSION_CALLS
        ):
            receiver = _receiver_name(node.func.value)
            if receiver and (
                receiver in SESSION_NAMES or "session" in receiver.lower() or receiver in sessions
            ):
                sites.append(f"{shown_as}:{node.lineno} {ast.unparse(node.func)}()")
    return sorted(set(sites), key=lambda s: (s.split(":")[0], int(s.split(":")[1].split()[0]), s))


def sql_outside_repositories(root: Path, package: str = "app") -> list[str]:
    found: list[str] = []
    for path in modules(root, (package,)).values():
        relative = path.relative_to(root)
        if not is_sql_home(relative):
            found += sql_sites(path, str(relative))
    return found


def test_sql_lives_in_repositories_and_app_db() -> None:
    assert sql_outside_repositories(ROOT) == []


def test_the_check_finds_builders_and_session_calls(tmp_path: Path) -> None:
    body = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy import select, Integer\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "from sqlalchemy.orm import Session\n"
        "def f(session: Session, s: Session | None, cache: dict[str, int], tx: 'Connection') -> None:\n"
        "    session.execute(select(1))\n"
        "    self.session.get(Model, 1)\n"
        "    cache.get('k')\n"
        "    s.add(object())\n"
        "    tx.scalar(sa.func.count())\n"
        "    session.commit()\n"
        "    items.add(1)\n"
    )
    for where in (
        "app/dom/service.py",
        "app/dom/repository.py",
        "app/db/helpers.py",
        "app/dom/repository/x.py",
    ):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / where).write_text(body)
    assert sql_outside_repositories(tmp_path) == [
        "app/dom/service.py:2 imports select from sqlalchemy",
        "app/dom/service.py:6 session.execute()",
        "app/dom/service.py:7 self.session.get()",
        "app/dom/service.py:9 s.add()",
        "app/dom/service.py:10 sa.func",
        "app/dom/service.py:10 tx.scalar()",
    ]
