"""Data and pydantic models, no engines: the HTTP API's bodies (:mod:`schemas.api`), problem type URIs
(:mod:`schemas.problems`), and the bundled files the engines read: JSON-LD contexts (``contexts/``,
pinned by sha256 in its ``manifest.json``), the OB 3.0 AchievementCredential JSON Schema (``json/``) and
the descriptor profiles' rules and schema (``profiles/``, pinned likewise)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CONTEXTS_DIR", "JSON_SCHEMAS_DIR", "PROFILES_DIR"]

_HERE = Path(__file__).resolve().parent

CONTEXTS_DIR = _HERE / "contexts"
"""The bundled JSON-LD contexts and their ``manifest.json`` (URL -> file, sha256)."""

JSON_SCHEMAS_DIR = _HERE / "json"
"""JSON Schemas for whole credentials (the OB 3.0 AchievementCredential transcription)."""

PROFILES_DIR = _HERE / "profiles"
"""The descriptor profiles' rules and schema, and their ``manifest.json`` (file -> sha256)."""
