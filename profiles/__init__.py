"""Micro-credential descriptor profiles (pure): the rules engine that says whether a credential meets a
profile level (:mod:`profiles.descriptors`), JSON Schema validation of credentials and descriptor blocks
(:mod:`profiles.validation`), and the reading of the sha256-pinned profile files both use
(:mod:`profiles.pinned`)."""

from __future__ import annotations

__all__: list[str] = []
