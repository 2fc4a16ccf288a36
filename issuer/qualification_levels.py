"""The EQF level (1-8) of an achievement, from its qualifications-framework level alignment
(``alignment[?targetType=ext:QualificationsFrameworkLevel]``, descriptors.md §2 row 8): what the EU
Learning Credential's ``level_of_learning_experience`` carries (an integer, mandatory in the EUDI
reference issuer). Pure.

How each framework is read (the first alignment that maps wins):

- **EQF**: ``targetUrl`` ``http(s)://data.europa.eu/snb/eqf/{1-8}``, or a ``targetFramework`` naming
  the EQF with ``targetCode`` 1-8: the level itself.
- **QF-EHEA** (Bologna cycles): short cycle -> 5, first -> 6, second -> 7, third -> 8, the
  correspondence the EQF Recommendation (2017/C 189/03) states. ``targetCode`` is the cycle
  (``short``/``0``, ``1``/``first``, ``2``/``second``, ``3``/``third``).
- **National frameworks referenced to the EQF**: a level is an EQF level through the country's
  referencing report only. :data:`NATIONAL_FRAMEWORKS` holds the frameworks whose report we apply: the
  8-level frameworks referenced level for level (DQR, NQR Austria, NLQF, PRK Poland) and Ireland's
  10-level NFQ.
- **MQF** (Malaysian Qualifications Framework, 2nd edition, 8 levels): taken level for level. The MQF
  is referenced to the ASEAN Qualifications Reference Framework, not to the EQF; neither the EUDI
  rulebook nor the reference issuer says how a non-European level is expressed, so this is Shomei's
  choice (the level numbers describe the same ladder of 8 levels, certificate to doctorate).

Anything else (``levelNotApplicable``, an unknown framework) has no EQF level: None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["NATIONAL_FRAMEWORKS", "eqf_level"]

_EQF_URL = re.compile(r"^https?://data\.europa\.eu/snb/eqf/([1-8])$")
_EQF = re.compile(r"\bEQF\b|European Qualifications Framework", re.IGNORECASE)
_QF_EHEA = re.compile(
    r"QF[- ]EHEA|Qualifications Frameworks? (?:in|of|for) the European Higher Education Area|Bologna",
    re.IGNORECASE,
)
_CYCLES = {"short": 5, "short cycle": 5, "short-cycle": 5, "0": 5, "1": 6, "first": 6, "first cycle": 6}
_CYCLES |= {"2": 7, "second": 7, "second cycle": 7, "3": 8, "third": 8, "third cycle": 8}
_MQF = re.compile(r"\bMQF\b|Malaysian Qualifications Framework", re.IGNORECASE)
_LEVEL_FOR_LEVEL = {str(n): n for n in range(1, 9)}

# framework name pattern -> {targetCode: EQF level}, from each country's EQF referencing report
NATIONAL_FRAMEWORKS: tuple[tuple[re.Pattern[str], Mapping[str, int]], ...] = (
    (
        re.compile(r"\bDQR\b|Deutscher Qualifikationsrahmen|German Qualifications Framework", re.I),
        _LEVEL_FOR_LEVEL,
    ),
    (re.compile(r"\bNLQF\b|Dutch Qualifications Framework", re.I), _LEVEL_FOR_LEVEL),
    (re.compile(r"\bPRK\b|Polish Qualifications Framework|Polska Rama Kwalifikacji", re.I), _LEVEL_FOR_LEVEL),
    (
        re.compile(r"Austrian (?:National )?Qualifications Framework|Nationaler Qualifikationsrahmen", re.I),
        _LEVEL_FOR_LEVEL,
    ),
    (
        re.compile(r"National Framework of Qualifications|\bNFQ\b.*Ireland|Irish National Framework", re.I),
        {"1": 1, "2": 2, "3": 3, "4": 4, "5": 4, "6": 5, "7": 6, "8": 6, "9": 7, "10": 8},
    ),
)


def _level(alignment: Mapping[str, Any]) -> int | None:
    url_match = _EQF_URL.match(str(alignment.get("targetUrl", "")))
    if url_match:
        return int(url_match.group(1))
    framework = str(alignment.get("targetFramework", ""))
    code = str(alignment.get("targetCode", "")).strip().lower()
    if _QF_EHEA.search(framework):
        return _CYCLES.get(code)
    if _EQF.search(framework) or _MQF.search(framework):
        return _LEVEL_FOR_LEVEL.get(code)
    for pattern, levels in NATIONAL_FRAMEWORKS:
        if pattern.search(framework):
            return levels.get(code)
    return None


def eqf_level(achievement: Mapping[str, Any]) -> int | None:
    """The EQF level (1-8) of the achievement's first level alignment that maps to one, else None."""
    for alignment in achievement.get("alignment") or []:
        if not isinstance(alignment, Mapping):
            continue
        if alignment.get("targetType") != "ext:QualificationsFrameworkLevel":
            continue
        level = _level(alignment)
        if level is not None:
            return level
    return None
