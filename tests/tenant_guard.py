"""The tenant guard: a pytest plugin (loaded by tests/conftest.py) that watches every SQL statement the app runs
during the test session and fails the session when one reads, changes or deletes rows of a tenant-owned table
(``app.db.tenancy.TENANT_OWNED``) without a ``tenant_id`` criterion on that table, outside
``cross_tenant(reason)``.

On for every test run (``SHOMEI_TENANT_GUARD=0`` turns it off, e.g. to debug). What is watched: ORM executions (``Session`` ``do_orm_execute``), and
Core statements on connections no session owns (``Engine`` ``before_execute``); a session's own flushes (its
unit of work writes rows it already holds, by primary key) and its refreshes of loaded rows are not queries
and pass. What counts as the app's: a statement whose Python stack has a frame in app/ (the first such frame
is reported as its call site) and none in migrations/. What counts as a criterion: in the WHERE clause or a
JOIN's ON clause, ANDed (an OR does not filter), ``table.tenant_id`` compared (``=``, ``IN``, ``IS``) with a
value, or with the tenant_id of a table so compared, or with ``tenants.id`` where ``tenants.id`` or
``tenants.slug`` is compared with a value. A criterion on one table covers that table only. A subquery is
checked on its own (a correlated table keeps the outer statement's criterion); textual SQL that names a
tenant-owned table must mention ``tenant_id``.
"""

from __future__ import annotations

import json
import os
import re
import sys
import weakref
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import (
    BinaryExpression,
    BooleanClauseList,
    ClauseElement,
    ColumnClause,
    Grouping,
    TextClause,
)
from sqlalchemy.sql.selectable import Alias, CompoundSelect, FromClause, Join, Select, TableClause

from app.db.tenancy import TENANT_OWNED, crossing_reason
from tests.paths import ROOT

__all__ = ["ENABLED", "TenantGuard", "Violation", "uncovered_tables"]

ENABLED = os.environ.get("SHOMEI_TENANT_GUARD", "1") != "0"
_COMPARISONS = (operators.eq, operators.in_op, operators.is_)
_TENANT_KEYS = frozenset({"id", "slug"})  # the columns of `tenants` that pin one tenant
_WORKER_OUTPUT = "tenant_guard"


# --- the clause walk -----------------------------------------------------------------------------------


def _name(from_: FromClause) -> str:
    return str(getattr(from_, "name", "") or "")


def _base_table(from_: FromClause) -> str | None:
    """The table name behind a FROM element (a table or an alias of one), else None."""
    if isinstance(from_, TableClause):
        return from_.name
    if isinstance(from_, Alias) and isinstance(from_.element, TableClause):
        return from_.element.name
    return None


@dataclass
class _Scope:
    """One SELECT / UPDATE / DELETE: its FROM elements by name, and its ANDed criteria."""

    tables: dict[str, str] = field(default_factory=dict)  # FROM name -> table name
    conjuncts: list[ClauseElement] = field(default_factory=list)
    inner: list[Select[Any]] = field(default_factory=list)  # FROM subqueries, checked on their own

    def add_from(self, from_: FromClause) -> None:
        if isinstance(from_, Join):
            self.add_from(from_.left)
            self.add_from(from_.right)
            self.add_criteria(from_.onclause)
        elif (table := _base_table(from_)) is not None:
            self.tables[_name(from_)] = table
        elif isinstance(from_, Alias) and isinstance(from_.element, Select):
            self.inner.append(from_.element)

    def add_criteria(self, clause: Any) -> None:
        if clause is None:
            return
        if isinstance(clause, Grouping):
            self.add_criteria(clause.element)
        elif isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
            for part in clause.clauses:
                self.add_criteria(part)
        else:
            self.conjuncts.append(clause)


def _unwrap(element: Any) -> Any:
    while isinstance(element, Grouping):
        element = element.element
    return element


def _columns(element: ClauseElement) -> Iterator[ColumnClause[Any]]:
    stack = [element]
    while stack:
        e = stack.pop()
        if isinstance(e, ColumnClause):
            yield e
        stack.extend(e.get_children())


def _nested_selects(element: ClauseElement) -> Iterator[Select[Any]]:
    """The subqueries of a clause (not those inside them: each checks its own)."""
    stack = list(element.get_children())
    while stack:
        e = stack.pop()
        if isinstance(e, Select):
            yield e
        else:
            stack.extend(e.get_children())


def _check(scope: _Scope, outer: dict[str, str], outer_covered: set[str], found: list[str]) -> None:
    """Append to ``found`` the tenant-owned tables of ``scope`` without a tenant criterion."""
    own = {name: table for name, table in scope.tables.items() if name not in outer}  # correlation
    known = {**outer, **own}

    def key(e: ClauseElement) -> str | None:
        """The FROM name when ``e`` is a column that pins a tenant (tenant_id; tenants.id or slug)."""
        e = _unwrap(e)
        if not isinstance(e, ColumnClause) or e.table is None:
            return None
        name = _name(e.table)
        if name not in known:
            return None
        if e.name == "tenant_id" or (known[name] == "tenants" and e.name in _TENANT_KEYS):
            return name
        return None

    def is_value(e: ClauseElement) -> bool:
        return not any(c.table is not None and _name(c.table) in known for c in _columns(e))

    covered = set(outer_covered)
    links: list[tuple[str, str]] = []
    for clause in scope.conjuncts:
        if not isinstance(clause, BinaryExpression) or clause.operator not in _COMPARISONS:
            continue
        left, right = key(clause.left), key(clause.right)
        if left and right:
            links.append((left, right))
        elif left and is_value(clause.right):
            covered.add(left)
        elif right and is_value(clause.left):
            covered.add(right)
    changed = True
    while changed:
        changed = False
        for a, b in links:
            if (a in covered) != (b in covered):
                covered.update((a, b))
                changed = True
    found += sorted({table for name, table in own.items() if table in TENANT_OWNED and name not in covered})
    for clause in scope.conjuncts:
        for select in _nested_selects(clause):
            _check(_select_scope(select), known, covered, found)
    for select in scope.inner:
        _check(_select_scope(select), {}, set(), found)


def _select_scope(select: Select[Any]) -> _Scope:
    scope = _Scope()
    for from_ in select.get_final_froms():
        scope.add_from(from_)
    scope.add_criteria(select.whereclause)
    return scope


def uncovered_tables(statement: Any) -> list[str]:
    """The tenant-owned tables a statement reads, changes or deletes without a tenant criterion."""
    found: list[str] = []
    if isinstance(statement, Select):
        _check(_select_scope(statement), {}, set(), found)
    elif isinstance(statement, CompoundSelect):
        for select in statement.selects:
            found += uncovered_tables(select)
    elif getattr(statement, "is_dml", False) and not getattr(statement, "is_insert", False):
        scope = _Scope()
        scope.add_from(statement.table)
        scope.add_criteria(statement.whereclause)
        _check(scope, {}, set(), found)
    elif isinstance(statement, TextClause):
        sql = statement.text
        if re.match(r"\s*(select|update|delete|with)\b", sql, re.IGNORECASE) and "tenant_id" not in sql:
            found += sorted(t for t in TENANT_OWNED if re.search(rf"\b{t}\b", sql, re.IGNORECASE))
    return sorted(set(found))


# --- the listeners -------------------------------------------------------------------------------------


@dataclass
class Violation:
    """One unfiltered query, by call site and statement; ``count`` times, first in ``test``."""

    site: str
    tables: list[str]
    statement: str
    test: str
    count: int = 1

    def describe(self) -> str:
        return (
            f"{self.site}: {', '.join(self.tables)} without a tenant_id criterion "
            f"({self.count}x, first in {self.test or 'set-up'})\n      {self.statement}"
        )


class TenantGuard:
    """Listens to the SQL of sessions and engines and records the unfiltered queries run by code under
    ``origins`` (by default app/), except those run from ``skipped`` (migrations/) or in ``cross_tenant``."""

    def __init__(
        self,
        *,
        origins: tuple[Path, ...] = (ROOT / "app",),
        skipped: tuple[Path, ...] = (ROOT / "migrations",),
    ) -> None:
        self.origins = tuple(str(p) + os.sep for p in origins)
        self.skipped = tuple(str(p) + os.sep for p in skipped)
        self.test = ""
        self.found: dict[tuple[str, str], Violation] = {}
        self._session_connections: weakref.WeakSet[Connection] = weakref.WeakSet()
        self._targets: list[tuple[Any, str, Any]] = []

    @property
    def violations(self) -> list[Violation]:
        return sorted(self.found.values(), key=lambda v: (v.site, v.statement))

    def install(
        self,
        sessions: type[Session] | sessionmaker[Session] = Session,
        engine: type[Engine] | Engine = Engine,
    ) -> None:
        self._targets = [
            (sessions, "do_orm_execute", self._orm_execute),
            (sessions, "after_begin", self._session_began),
            (engine, "before_execute", self._before_execute),
        ]
        for target, name, fn in self._targets:
            event.listen(target, name, fn)

    def uninstall(self) -> None:
        for target, name, fn in self._targets:
            event.remove(target, name, fn)
        self._targets = []

    def _session_began(
        self, _session: Session, _transaction: SessionTransaction, connection: Connection
    ) -> None:
        self._session_connections.add(connection)

    def _orm_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_column_load or state.is_relationship_load):
            self.check(state.statement)

    def _before_execute(self, conn: Connection, statement: Any, *_args: Any) -> None:
        if conn not in self._session_connections:
            self.check(statement)

    def check(self, statement: Any) -> None:
        if crossing_reason() is not None:
            return
        tables = uncovered_tables(statement)
        if not tables:
            return
        site = self._call_site()
        if site is None:
            return
        text = " ".join(str(statement).split())
        text = text if len(text) <= 400 else text[:400] + " …"
        violation = self.found.get((site, text))
        if violation is None:
            self.found[(site, text)] = Violation(site=site, tables=tables, statement=text, test=self.test)
        else:
            violation.count += 1

    def _call_site(self) -> str | None:
        """The first frame in ``origins`` (innermost), or None when there is none or a frame is skipped."""
        site: str | None = None
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.startswith(self.skipped):
                return None
            if site is None and filename.startswith(self.origins):
                relative = os.path.relpath(filename, ROOT)
                site = f"{relative}:{frame.f_lineno} in {frame.f_code.co_name}"
            frame = frame.f_back
        return site


# --- the plugin ----------------------------------------------------------------------------------------


_active: TenantGuard | None = None  # the session's guard, unless SHOMEI_TENANT_GUARD=0


def pytest_configure(config: pytest.Config) -> None:
    global _active
    if ENABLED and _active is None:
        _active = TenantGuard()
        _active.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    global _active
    if _active is not None:
        _active.uninstall()
        _active = None


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    guard = _active
    if guard is not None:
        guard.test = nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: merge what a worker found."""
    guard = _active
    if guard is None:
        return
    for raw in json.loads(node.workeroutput.get(_WORKER_OUTPUT, "[]")):
        found = Violation(**raw)
        known = guard.found.get((found.site, found.statement))
        if known is None:
            guard.found[(found.site, found.statement)] = found
        else:
            known.count += found.count


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    guard = _active
    if guard is None:
        return
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput[_WORKER_OUTPUT] = json.dumps([asdict(v) for v in guard.violations])
    elif guard.found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    guard = _active
    if guard is None or not guard.found or hasattr(config, "workeroutput"):
        return
    terminalreporter.section("tenant guard", sep="=", red=True)
    terminalreporter.line(
        f"{len(guard.found)} queries on tenant-owned tables without a tenant_id criterion, outside "
        "cross_tenant(reason):"
    )
    for violation in guard.violations:
        terminalreporter.line("  " + violation.describe())
