"""The ``shomei`` CLI run as a subprocess, the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.conftest import TEST_KEK
from tests.paths import ROOT

__all__ = ["run_cli"]


def run_cli(env: Mapping[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m app.cli ARGS`` from the repository root (or ``cwd``), its output captured as text. None of
    the caller's ``SHOMEI_*`` variables reach it: only ``SHOMEI_KEK`` (the tests' KEK) and ``env``."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SHOMEI_")},
        "SHOMEI_KEK": TEST_KEK,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
