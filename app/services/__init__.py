"""Orchestration: transactions end here."""
