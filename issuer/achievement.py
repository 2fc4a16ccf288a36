"""Normalize an OB 3.0 Achievement for a template (OB 3.0 §B.2.1 Achievement, §B.2.2 Criteria)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["AchievementError", "normalize_achievement"]

_REQUIRED = ("name", "description", "criteria")


class AchievementError(ValueError):
    """The achievement is missing required OB 3.0 properties or has malformed ones."""

    def __init__(self, message: str, errors: list[dict[str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


def normalize_achievement(body: Mapping[str, Any], *, achievement_id: str, version: str) -> dict[str, Any]:
    """Give the achievement our ``id``, ``type`` and ``version``; default ``achievementType`` to
    ``MicroCredential``; check the properties OB 3.0 requires."""
    errors: list[dict[str, str]] = []
    for field in _REQUIRED:
        if field not in body or body[field] in (None, "", {}):
            errors.append({"path": f"$.{field}", "message": f"'{field}' is required"})
    criteria = body.get("criteria")
    if criteria is not None and not (
        isinstance(criteria, dict) and (criteria.get("narrative") or criteria.get("id"))
    ):
        errors.append({"path": "$.criteria", "message": "criteria needs a narrative or an id"})
    for field in ("name", "description"):
        if field in body and not isinstance(body[field], str):
            errors.append({"path": f"$.{field}", "message": f"'{field}' must be a string"})
    if errors:
        raise AchievementError("the achievement is not a valid OB 3.0 Achievement", errors)
    achievement: dict[str, Any] = {"id": achievement_id, "type": ["Achievement"]}
    achievement.update({k: v for k, v in body.items() if k not in ("id", "type", "@context")})
    achievement.setdefault("achievementType", "MicroCredential")
    achievement["version"] = version
    if isinstance(achievement.get("image"), str):
        achievement["image"] = {"id": achievement["image"], "type": "Image"}
    return achievement
