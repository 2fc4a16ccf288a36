"""Securing mechanisms shared by the issuer and the verifier (pure: no HTTP, no database)."""
