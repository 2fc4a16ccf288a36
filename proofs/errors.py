"""The one exception base of ``proofs/``: every error a securing mechanism raises is a ``ProofsError``.

Callers that only need "this did not verify or could not be read" catch ``ProofsError``; the subclasses
(listed in each module, documented where they are raised) say which mechanism refused and why. Like
``ValueError``, it means the *input* was wrong, never that the library broke.
"""

from __future__ import annotations

__all__ = ["ProofsError"]


class ProofsError(ValueError):
    """Base of every exception raised by ``proofs/``."""
