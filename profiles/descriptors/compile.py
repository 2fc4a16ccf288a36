"""Compiling a rules document (the shape of ``profile-rules.json``) into a :class:`RuleSet`: every keyword,
path, condition and placeholder is checked at load time, and anything unknown raises
:class:`~profiles.descriptors.results.RuleFileError` instead of being ignored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from profiles.descriptors.checks import CHECK_BUILDERS, Check
from profiles.descriptors.conditions import Condition, parse_when
from profiles.descriptors.evaluation import RuleSet
from profiles.descriptors.paths import parse_path
from profiles.descriptors.results import RuleFileError
from profiles.descriptors.rules import ENVELOPE_ALTERNATIVE, Rule

__all__ = ["RULE_KEYWORDS", "load_rules"]


#: descriptors.md §4: "Levels are cumulative: eu-microcredential and jp-mc-framework each include
#: ob3-minimal." The rules file itself does not say so, hence this table.
_LEVEL_INCLUDES: Mapping[str, tuple[str, ...]] = {
    "eu-microcredential": ("ob3-minimal",),
    "jp-mc-framework": ("ob3-minimal",),
}


_STRUCTURAL = frozenset({"id", "path", "anyOf", "presence", "when", "stage", "note"})


#: Every rule keyword the engine implements; any other key in a rule is a load error.
RULE_KEYWORDS: frozenset[str] = _STRUCTURAL | frozenset(CHECK_BUILDERS)


_PRESENCES = frozenset({"required", "recommended", "optional", "conditional"})


_STAGES = frozenset({"signed"})


_TOP_LEVEL = frozenset({"profileVersion", "paths", "levels"})


def _compile_rule(raw: Any, level: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleFileError(f"{level}: a rule must be an object, got {raw!r}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RuleFileError(f"{level}: a rule has no id: {raw!r}")
    unknown = sorted(set(raw) - RULE_KEYWORDS)
    if unknown:
        raise RuleFileError(f"rule {rule_id}: unknown keyword(s) {unknown}")
    presence = raw.get("presence")
    if presence not in _PRESENCES:
        raise RuleFileError(f"rule {rule_id}: presence must be one of {sorted(_PRESENCES)}, got {presence!r}")
    if ("path" in raw) == ("anyOf" in raw):
        raise RuleFileError(f"rule {rule_id}: exactly one of path and anyOf is needed")
    if "path" in raw:
        alternatives: tuple[str, ...] = (raw["path"],)
    else:
        if not isinstance(raw["anyOf"], list) or len(raw["anyOf"]) < 1:
            raise RuleFileError(f"rule {rule_id}: anyOf must be a non-empty array")
        alternatives = tuple(raw["anyOf"])
    for alt in alternatives:
        if not isinstance(alt, str):
            raise RuleFileError(f"rule {rule_id}: paths must be strings, got {alt!r}")
        if alt.startswith("<"):
            if alt != ENVELOPE_ALTERNATIVE:
                raise RuleFileError(f"rule {rule_id}: unknown placeholder {alt!r}")
        else:
            try:
                parse_path(alt)
            except RuleFileError as exc:
                raise RuleFileError(f"rule {rule_id}: {exc}") from None
    condition: Condition | None = None
    if presence == "conditional" or "when" in raw:
        if presence != "conditional" or "when" not in raw:
            raise RuleFileError(f"rule {rule_id}: 'when' goes with presence 'conditional' and vice versa")
        if len(alternatives) != 1:
            raise RuleFileError(f"rule {rule_id}: conditional anyOf rules are not supported")
        condition = parse_when(raw["when"], parse_path(alternatives[0]))
    stage = raw.get("stage")
    if stage is not None and stage not in _STAGES:
        raise RuleFileError(f"rule {rule_id}: unknown stage {stage!r}")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise RuleFileError(f"rule {rule_id}: note must be a string")
    checks = []
    for keyword, spec in raw.items():
        if keyword in CHECK_BUILDERS:
            try:
                checks.append(Check(keyword, CHECK_BUILDERS[keyword](spec)))
            except RuleFileError as exc:
                raise RuleFileError(f"rule {rule_id}: {exc}") from None
    return Rule(rule_id, level, presence, alternatives, tuple(checks), condition, stage, note)


def load_rules(
    document: Mapping[str, Any], includes: Mapping[str, Sequence[str]] = _LEVEL_INCLUDES
) -> RuleSet:
    """Compile a rules document (the shape of ``profile-rules.json``). ``includes`` maps a level to the
    levels whose rules it also applies (entries for levels the document lacks are ignored)."""
    if not isinstance(document, Mapping):
        raise RuleFileError("the rules document must be an object")
    unknown = sorted(set(document) - _TOP_LEVEL)
    if unknown:
        raise RuleFileError(f"unknown top-level key(s) {unknown}")
    raw_levels = document.get("levels")
    if not isinstance(raw_levels, Mapping) or not raw_levels:
        raise RuleFileError("'levels' must be a non-empty object")
    own: dict[str, tuple[Rule, ...]] = {}
    seen: set[str] = set()
    for level, rules in raw_levels.items():
        if not isinstance(rules, list):
            raise RuleFileError(f"level {level!r} must be an array of rules")
        compiled = tuple(_compile_rule(r, level) for r in rules)
        for rule in compiled:
            if rule.id in seen:
                raise RuleFileError(f"duplicate rule id {rule.id}")
            seen.add(rule.id)
        own[level] = compiled
    levels: dict[str, tuple[Rule, ...]] = {}
    for level, rules in own.items():
        included: list[Rule] = []
        for base in includes.get(level, ()):
            if base not in own:
                raise RuleFileError(f"level {level!r} includes unknown level {base!r}")
            if includes.get(base):
                raise RuleFileError(f"level {base!r} is included by {level!r} and includes others itself")
            included.extend(own[base])
        levels[level] = (*included, *rules)
    version = document.get("profileVersion")
    return RuleSet(version if isinstance(version, str) else None, levels)
