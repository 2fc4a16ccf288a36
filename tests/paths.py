"""Where the tests' files are: the repository root, shared test data and published test vectors."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA", "ROOT", "VECTORS"]

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
VECTORS = DATA / "vectors"
