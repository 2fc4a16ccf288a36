"""No source module over 500 lines: a longer one holds more than one responsibility and is split by them.
Data files (JSON, JSON-LD, templates) are not modules and do not count; tests are not held to it."""

from __future__ import annotations

from pathlib import Path

from tests.paths import ROOT
from tests.rules.source import CHECKED, modules

MAX_LINES = 500
SOURCE = (*CHECKED, "migrations", "bench")


def oversized(root: Path, packages: tuple[str, ...]) -> dict[str, int]:
    """Path -> line count of every module of ``packages`` over MAX_LINES lines."""
    counts = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules(root, packages).values()
    }
    return {path: n for path, n in sorted(counts.items()) if n > MAX_LINES}


def test_no_source_module_is_over_500_lines() -> None:
    assert oversized(ROOT, SOURCE) == {}


def test_the_check_counts_lines(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "sub" / "long.py").write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "pkg" / "short.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "pkg" / "data.json").write_text("[\n" + "1,\n" * 1000 + "1]\n")
    assert oversized(tmp_path, ("pkg",)) == {"pkg/sub/long.py": MAX_LINES + 1}
