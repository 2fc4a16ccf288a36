"""Descriptor completeness profiles for micro-credentials: the rules engine (pure).

The package: :mod:`~profiles.descriptors.paths` (the JSONPath subset), :mod:`~profiles.descriptors.values`
and :mod:`~profiles.descriptors.checks` (the constraint keywords), :mod:`~profiles.descriptors.conditions`
(``when``), :mod:`~profiles.descriptors.rules` and :mod:`~profiles.descriptors.compile` (a rules document
compiled into a :class:`RuleSet`), :mod:`~profiles.descriptors.evaluation` and
:mod:`~profiles.descriptors.labels` (rule results in plain English), :mod:`~profiles.descriptors.results`,
and :mod:`~profiles.descriptors.bundled` (the bundled rules file and :func:`evaluate`).

The rules are the design's ``profile-rules.json`` (copied byte for byte to
``schemas/profiles/profile-rules.json``, pinned by sha256 in ``schemas/profiles/manifest.json``); their
meaning is descriptors.md §4. The file is loaded and compiled once; anything in it this engine does not
understand (a rule keyword, a ``type`` name, a ``when`` condition, an ``action``, a path) raises
:class:`RuleFileError` at load time instead of being ignored.

Paths are a JSONPath subset: ``$``, ``.name``, ``['name']`` / ``["name"]``, ``[n]``, ``[*]`` (every array
item) and ``[?key=value]`` (array items whose ``key`` equals ``value``, or whose ``key`` is an array
containing it). ``[*]`` and ``[?…]`` treat a single non-array value as a one-item array, because OB 3.0
allows some arrays to be compacted to one value.

Rule semantics (descriptors.md §4):

- A path *resolves* when it yields at least one value; arrays are flattened one level, and ``null`` and
  ``false`` count as absent (``levelNotApplicable: false`` states nothing).
- ``presence``: ``required`` fails when the path does not resolve; ``recommended`` does the same but
  with ``severity="warning"`` (it does not make the profile fail); ``optional`` is ``not-applicable``
  when absent; ``conditional`` applies only where its ``when`` condition holds, and is then required.
  Whatever the presence, values that are present must satisfy the rule's constraints.
- ``anyOf``: the rule passes when at least one alternative resolves and satisfies the constraints.
- ``stage: signed``: the rule is ``not-applicable`` unless the credential is evaluated as signed.
- Levels are cumulative: ``eu-microcredential`` and ``jp-mc-framework`` each include ``ob3-minimal``
  (a table in :mod:`~profiles.descriptors.compile`: the rules file does not say so).
"""

from __future__ import annotations

from profiles.descriptors.bundled import PROFILES, RULES_FILE, default_rules, evaluate, evaluate_achievement
from profiles.descriptors.compile import RULE_KEYWORDS, load_rules
from profiles.descriptors.evaluation import RuleSet
from profiles.descriptors.paths import parse_path, pointer_of, resolve
from profiles.descriptors.results import ProfileResult, RuleFileError, RuleResult

__all__ = [
    "PROFILES",
    "RULES_FILE",
    "RULE_KEYWORDS",
    "ProfileResult",
    "RuleFileError",
    "RuleResult",
    "RuleSet",
    "default_rules",
    "evaluate",
    "evaluate_achievement",
    "load_rules",
    "parse_path",
    "pointer_of",
    "resolve",
]
