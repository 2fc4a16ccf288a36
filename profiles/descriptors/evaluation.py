"""Evaluating compiled rules on a document: each rule's alternatives, condition anchors and checks give one
:class:`~profiles.descriptors.results.RuleResult`; a :class:`RuleSet` evaluates a profile level's rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from profiles.descriptors.checks import Context
from profiles.descriptors.conditions import condition_anchors
from profiles.descriptors.labels import rule_label
from profiles.descriptors.paths import Node, format_path, parse_path, present, resolve_nodes
from profiles.descriptors.results import ProfileResult, RuleResult, Stage, Status
from profiles.descriptors.rules import ENVELOPE_ALTERNATIVE, Rule

__all__ = ["RuleSet"]


@dataclass(frozen=True)
class _Outcome:
    status: Status
    path: str | None
    problem: str | None = None  # None with status fail: missing


def _evaluate_alternative(rule: Rule, alternative: str, ctx: Context) -> _Outcome:
    if alternative == ENVELOPE_ALTERNATIVE:
        if ctx.enveloped:
            return _Outcome("pass", None)
        required = rule.presence in ("required", "recommended")
        return _Outcome("fail" if required else "not-applicable", None)
    segments = parse_path(alternative)
    root = Node(ctx.root, "$")
    if rule.condition is not None:
        anchors = condition_anchors(rule.condition, segments, root)
        if not anchors:
            return _Outcome("not-applicable", alternative)
        required = True
    else:
        anchors = [(root, segments)]
        required = rule.presence in ("required", "recommended")
    applied = False
    for anchor, rest in anchors:
        values = present(resolve_nodes(rest, anchor))
        if not values:
            if required:
                return _Outcome("fail", format_path(rest, anchor.loc))
            continue
        applied = True
        for check in rule.checks:
            problem = check.run(values, ctx)
            if problem is not None:
                location, text = problem
                return _Outcome("fail", location or format_path(rest, anchor.loc), text)
    if not applied and not required:
        return _Outcome("not-applicable", alternative)
    return _Outcome("pass", alternative if len(anchors) == 1 and anchors[0][0] is root else None)


def _evaluate_rule(rule: Rule, ctx: Context) -> RuleResult:
    label, plural = rule_label(rule)
    verb = "are" if plural else "is"
    if rule.stage == "signed" and ctx.stage != "signed":
        return RuleResult(
            rule.id, "not-applicable", None, f"{label}: checked once the credential is signed", rule.severity
        )
    outcomes = [_evaluate_alternative(rule, alt, ctx) for alt in rule.alternatives]
    for outcome in outcomes:
        if outcome.status == "pass":
            return RuleResult(
                rule.id, "pass", outcome.path, f"{label} {verb} present and valid", rule.severity
            )
    failures = [o for o in outcomes if o.status == "fail"]
    if not failures:
        reason = "the condition does not apply" if rule.condition is not None else "not stated"
        return RuleResult(rule.id, "not-applicable", None, f"{label}: {reason}", rule.severity)
    invalid = [o for o in failures if o.problem is not None]
    if invalid:
        return RuleResult(rule.id, "fail", invalid[0].path, f"{label}: {invalid[0].problem}", rule.severity)
    path = " | ".join(o.path for o in failures if o.path) or None
    return RuleResult(rule.id, "fail", path, f"{label} {verb} missing", rule.severity)


@dataclass(frozen=True)
class RuleSet:
    """A compiled rules document: the rules of each level, included levels first."""

    version: str | None
    levels: Mapping[str, tuple[Rule, ...]]

    @property
    def profiles(self) -> tuple[str, ...]:
        return tuple(self.levels)

    def rules_for(self, profile: str) -> tuple[Rule, ...]:
        if profile not in self.levels:
            raise ValueError(f"unknown profile {profile!r}; known: {', '.join(self.levels)}")
        return self.levels[profile]

    def evaluate(
        self,
        document: Mapping[str, Any],
        profile: str,
        *,
        stage: Stage = "signed",
        enveloped: bool = False,
        now: dt.datetime | None = None,
        only: Callable[[Rule], bool] | None = None,
    ) -> ProfileResult:
        rules = self.rules_for(profile)
        if now is None:
            now = dt.datetime.now(dt.UTC)
        elif now.tzinfo is None:
            raise ValueError("now must carry a time zone")
        ctx = Context(document, now, stage, enveloped)
        return ProfileResult(profile, tuple(_evaluate_rule(r, ctx) for r in rules if only is None or only(r)))
