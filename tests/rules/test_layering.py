"""The dependency direction of architecture.md §1, checked on the source (imports are parsed, not run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import ROOT

FORBIDDEN_FOR_PURE = {"fastapi", "starlette", "sqlalchemy", "alembic", "httpx", "app", "uvicorn", "typer"}
RULES = {
    "proofs": FORBIDDEN_FOR_PURE | {"issuer", "verifier"},
    "schemas": FORBIDDEN_FOR_PURE | {"issuer", "verifier", "proofs"},
    "issuer": FORBIDDEN_FOR_PURE | {"verifier"},
    "verifier": FORBIDDEN_FOR_PURE | {"issuer"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_pure_packages_do_not_import_outer_layers(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    offenders = {
        str(f.relative_to(ROOT)): sorted(_imports(f) & RULES[package])
        for f in files
        if _imports(f) & RULES[package]
    }
    assert offenders == {}


def test_hazmat_is_imported_in_one_module_only() -> None:
    users = [
        str(f.relative_to(ROOT))
        for pkg in ("app", "issuer", "verifier", "proofs", "schemas")
        for f in (ROOT / pkg).rglob("*.py")
        if "cryptography.hazmat" in f.read_text(encoding="utf-8")
    ]
    # proofs/x509.py builds and checks the X.509 chains of the `x5c` header (HAIP: SD-JWT VC issuer
    # keys, Status List Tokens). cryptography.x509 takes hash/key objects from the hazmat layer, and
    # proofs/keys.py stays the only home of key handling, so this one module is allowed as well.
    assert sorted(users) == ["proofs/keys.py", "proofs/x509.py"]


def test_the_checker_itself_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "mod.py"
    bad.write_text("import sqlalchemy\nfrom fastapi import FastAPI\nfrom . import sibling\n")
    assert _imports(bad) == {"sqlalchemy", "fastapi"}
