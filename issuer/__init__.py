"""Credential building and securing (pure: no HTTP, no database)."""
