"""Micro-credential descriptor profiles: the rules engine and JSON Schema validation (pure)."""
