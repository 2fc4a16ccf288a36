"""The first-party source the rule tests read: which packages, their modules by dotted name, parsed once."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

__all__ = ["CHECKED", "IMPORTERS", "modules", "package_of", "parse"]

# The packages whose modules the rules hold to (the product).
CHECKED = ("app", "issuer", "verifier", "proofs", "media", "profiles", "schemas")
# Everything that imports from them: the product, its tests, benchmarks and migrations.
IMPORTERS = (*CHECKED, "tests", "bench", "migrations")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of ``packages`` under ``root`` (a package is named
    by its ``__init__.py``)."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def package_of(name: str, path: Path) -> str:
    """The package a module's relative imports start from."""
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


@cache
def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
