"""Verification: ordered checks producing a per-check report (pure: no HTTP, no database)."""
