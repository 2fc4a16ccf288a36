"""Reading the profile files pinned by sha256 in ``schemas/profiles/manifest.json`` (the design's rules
and descriptor schema, copied byte for byte): a file whose digest differs is refused."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from schemas import PROFILES_DIR

__all__ = ["load_pinned_json"]


def load_pinned_json(path: Path) -> Any:
    """Read a file listed in ``schemas/profiles/manifest.json``, refusing it if its sha256 differs."""
    manifest = json.loads((PROFILES_DIR / "manifest.json").read_text(encoding="utf-8"))
    entry = manifest["files"].get(path.name)
    if entry is None:
        raise ValueError(f"{path.name} is not listed in schemas/profiles/manifest.json")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != entry["sha256"]:
        raise ValueError(f"{path.name}: sha256 {digest} does not match the manifest ({entry['sha256']})")
    return json.loads(data)
