"""The profile files pinned by sha256 (profiles.pinned)."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiles.descriptors import RULES_FILE
from profiles.pinned import load_pinned_json


def test_a_tampered_copy_of_the_rules_file_is_refused(tmp_path: Path) -> None:
    copy_ = tmp_path / "profile-rules.json"
    copy_.write_bytes(RULES_FILE.read_bytes() + b"\n")
    with pytest.raises(ValueError, match="sha256"):
        load_pinned_json(copy_)


def test_a_file_the_manifest_does_not_list_is_refused(tmp_path: Path) -> None:
    stray = tmp_path / "stray.json"
    stray.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="not listed"):
        load_pinned_json(stray)
