"""A domain's repository belongs to its domain: another domain reaches those rows through that domain's
service (ARCHITECTURE.md). import-linter's contracts (pyproject.toml) cannot say "another domain" with their
wildcards, so this rule reads the import graph itself."""

from __future__ import annotations

import uuid
from pathlib import Path

import grimp
import pytest


def foreign_repository_imports(package: str) -> list[str]:
    """``importer -> imported`` for each module of ``package`` that imports the repository (a module named
    repository, or one inside a repository package) of another subpackage of ``package``."""
    graph = grimp.build_graph(package, cache_dir=None)
    found: list[str] = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            parts = imported.split(".")
            if "repository" in parts[2:] and importer.split(".")[:2] != parts[:2]:
                found.append(f"{importer} -> {imported}")
    return found


def test_no_domain_imports_another_domains_repository() -> None:
    assert foreign_repository_imports("app") == []


def test_the_check_finds_a_foreign_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = f"domains_{uuid.uuid4().hex[:8]}"
    files = {
        "__init__.py": "",
        "main.py": f"from {package}.a import service\n",
        "a/__init__.py": "",
        "a/repository.py": "",
        "a/service.py": f"from {package}.a import repository\nfrom {package}.b import service\n",
        "b/__init__.py": "",
        "b/repository/__init__.py": "",
        "b/repository/rows.py": "",
        "b/service.py": f"from {package}.b.repository import rows\nfrom {package}.a import repository\n",
    }
    for name, text in files.items():
        (tmp_path / package / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / package / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert foreign_repository_imports(package) == [f"{package}.b.service -> {package}.a.repository"]
