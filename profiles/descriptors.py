"""Descriptor completeness profiles for micro-credentials: the rules engine (pure).

The rules are the design's ``profile-rules.json`` (copied byte for byte to
``schemas/profiles/profile-rules.json``, pinned by sha256 in ``schemas/profiles/manifest.json``); their
meaning is descriptors.md §4. The file is loaded and compiled once; anything in it this module does not
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
  (:data:`LEVEL_INCLUDES`).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeAlias

import schemas
from profiles import validation

RULES_FILE = Path(schemas.__file__).resolve().parent / "profiles" / "profile-rules.json"


#: descriptors.md §4: "Levels are cumulative: eu-microcredential and jp-mc-framework each include
#: ob3-minimal." The rules file itself does not say so, hence this table.
LEVEL_INCLUDES: Mapping[str, tuple[str, ...]] = {
    "eu-microcredential": ("ob3-minimal",),
    "jp-mc-framework": ("ob3-minimal",),
}


ACHIEVEMENT_PATH = "$.credentialSubject.achievement"


Status = Literal["pass", "fail", "not-applicable"]


Severity = Literal["error", "warning"]


Stage = Literal["unsigned", "signed"]


Presence = Literal["required", "recommended", "optional", "conditional"]


class RuleFileError(ValueError):
    """The rules document uses something this engine does not implement, or is malformed."""


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule. ``path`` is where the problem is (a concrete JSONPath such as
    ``$.credentialSubject.identifier[1].identityHash``) or the rule's path; ``message`` is plain
    English for employers. ``severity`` is ``warning`` for *recommended* rules: their failures are
    reported but do not make the profile fail."""

    id: str
    status: Status
    path: str | None
    message: str
    severity: Severity = "error"


@dataclass(frozen=True)
class ProfileResult:
    profile: str
    rules: tuple[RuleResult, ...]

    @property
    def failed_rules(self) -> tuple[str, ...]:
        """Ids of the failed rules that make the profile fail (warnings excluded)."""
        return tuple(r.id for r in self.rules if r.status == "fail" and r.severity == "error")

    @property
    def warnings(self) -> tuple[str, ...]:
        """Ids of failed *recommended* rules."""
        return tuple(r.id for r in self.rules if r.status == "fail" and r.severity == "warning")

    @property
    def passed(self) -> bool:
        return not self.failed_rules

    @property
    def outcome(self) -> Literal["pass", "pass-with-warnings", "fail"]:
        """descriptors.md §4: "Report each level as pass | pass-with-warnings | fail"."""
        if self.failed_rules:
            return "fail"
        return "pass-with-warnings" if self.warnings else "pass"


# --------------------------------------------------------------------------------------------------
# JSONPath subset


@dataclass(frozen=True)
class _Field:
    name: str


@dataclass(frozen=True)
class _Index:
    index: int


@dataclass(frozen=True)
class _Wildcard:
    pass


@dataclass(frozen=True)
class _Filter:
    key: str
    value: Any


_Segment: TypeAlias = _Field | _Index | _Wildcard | _Filter


_TOKEN = re.compile(
    r"""\.(?P<field>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*'(?P<sq>[^']*)'\s*\]
      | \[\s*"(?P<dq>[^"]*)"\s*\]
      | \[(?P<index>[0-9]+)\]
      | \[(?P<star>\*)\]
      | \[\?(?P<fkey>[A-Za-z_@][A-Za-z0-9_@]*)=(?P<fval>[^\]]*)\]""",
    re.VERBOSE,
)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false", "null") or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return json.loads(text)
    return text


@functools.cache
def parse_path(path: str) -> tuple[_Segment, ...]:
    """Parse a path of the subset; raises :class:`RuleFileError` on anything else."""
    if not path.startswith("$"):
        raise RuleFileError(f"path {path!r} does not start with '$'")
    segments: list[_Segment] = []
    pos = 1
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None:
            raise RuleFileError(f"path {path!r}: unsupported syntax at {path[pos:]!r}")
        if m["field"] is not None:
            segments.append(_Field(m["field"]))
        elif m["sq"] is not None or m["dq"] is not None:
            segments.append(_Field(m["sq"] if m["sq"] is not None else m["dq"]))
        elif m["index"] is not None:
            segments.append(_Index(int(m["index"])))
        elif m["star"] is not None:
            segments.append(_Wildcard())
        else:
            segments.append(_Filter(m["fkey"], _literal(m["fval"])))
        pos = m.end()
    return tuple(segments)


def _format_segment(segment: _Segment) -> str:
    if isinstance(segment, _Field):
        return f".{segment.name}" if _NAME.match(segment.name) else f"[{segment.name!r}]"
    if isinstance(segment, _Index):
        return f"[{segment.index}]"
    if isinstance(segment, _Wildcard):
        return "[*]"
    return f"[?{segment.key}={segment.value}]"


def _format_path(segments: Sequence[_Segment], base: str = "$") -> str:
    return base + "".join(_format_segment(s) for s in segments)


@dataclass(frozen=True)
class _Node:
    value: Any
    loc: str
    parent: Any = None  # the object (or array) that holds the value


def _items(node: _Node) -> list[_Node]:
    if isinstance(node.value, list):
        return [_Node(v, f"{node.loc}[{i}]", node.value) for i, v in enumerate(node.value)]
    if node.value is None:
        return []
    return [node]  # a compacted single value


def _filter_matches(item: Any, key: str, value: Any) -> bool:
    if not isinstance(item, Mapping) or key not in item:
        return False
    found = item[key]
    if isinstance(found, list):
        return value in found
    return bool(found == value and type(found) is type(value))


def _step(nodes: Sequence[_Node], segment: _Segment) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        if isinstance(segment, _Field):
            if isinstance(node.value, Mapping) and segment.name in node.value:
                out.append(_Node(node.value[segment.name], node.loc + _format_segment(segment), node.value))
        elif isinstance(segment, _Index):
            if isinstance(node.value, list) and segment.index < len(node.value):
                out.append(_Node(node.value[segment.index], f"{node.loc}[{segment.index}]", node.value))
        elif isinstance(segment, _Wildcard):
            out.extend(_items(node))
        else:
            out.extend(n for n in _items(node) if _filter_matches(n.value, segment.key, segment.value))
    return out


def _resolve_nodes(segments: Sequence[_Segment], start: _Node) -> list[_Node]:
    nodes = [start]
    for segment in segments:
        nodes = _step(nodes, segment)
    return nodes


def resolve(document: Any, path: str) -> list[Any]:
    """The values ``path`` selects in ``document`` (no flattening, nulls kept)."""
    return [n.value for n in _resolve_nodes(parse_path(path), _Node(document, "$"))]


def _present(nodes: Sequence[_Node]) -> list[_Node]:
    """Flatten arrays one level and drop ``null``/``false``: what counts as "resolves"."""
    out: list[_Node] = []
    for node in nodes:
        if isinstance(node.value, list):
            out.extend(
                _Node(v, f"{node.loc}[{i}]", node.parent)
                for i, v in enumerate(node.value)
                if v is not None and v is not False
            )
        elif node.value is not None and node.value is not False:
            out.append(node)
    return out


# --------------------------------------------------------------------------------------------------
# Values


_DATETIME_Z = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+\Z")


def _parse_datetime_z(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not _DATETIME_Z.match(value):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_TYPES: Mapping[str, Callable[[Any], bool]] = {
    "uri": lambda v: isinstance(v, str) and bool(_URI.match(v)),
    "object": lambda v: isinstance(v, Mapping),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "nonEmptyString": lambda v: isinstance(v, str) and v.strip() != "",
    "number": _is_number,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "dateTimeZ": lambda v: _parse_datetime_z(v) is not None,
}


_TYPE_WORDS: Mapping[str, str] = {
    "uri": "a web address or other URI",
    "object": "a structured entry",
    "array": "a list",
    "string": "text",
    "nonEmptyString": "non-empty text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "dateTimeZ": "a date and time with a time zone",
}


#: Named enumerations for ``enumOrExt`` (OB 3.0 AchievementType; extensions start with ``ext:``).
ENUMERATIONS: Mapping[str, frozenset[str]] = {
    "AchievementType": frozenset(
        {
            "Achievement", "ApprenticeshipCertificate", "Assessment", "Assignment", "AssociateDegree",
            "Award", "Badge", "BachelorDegree", "Certificate", "CertificateOfCompletion", "Certification",
            "CommunityService", "Competency", "Course", "CoCurricular", "Degree", "Diploma",
            "DoctoralDegree", "Fieldwork", "GeneralEducationDevelopment", "JourneymanCertificate",
            "LearningProgram", "License", "Membership", "ProfessionalDoctorate",
            "QualityAssuranceCredential", "MasterCertificate", "MasterDegree", "MicroCredential",
            "ResearchDoctorate", "SecondarySchoolDiploma",
        }
    ),
}  # fmt: skip


_EXT_TERM = re.compile(r"ext:[A-Za-z0-9.\-_]+\Z")


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------------------------------
# Constraints


@dataclass(frozen=True)
class _Context:
    root: Any
    now: dt.datetime
    stage: Stage
    enveloped: bool


_Problem: TypeAlias = tuple[str | None, str]  # (location, what is wrong)


_CheckFn: TypeAlias = Callable[[Sequence[_Node], _Context], _Problem | None]


@dataclass(frozen=True)
class _Check:
    keyword: str
    run: _CheckFn


def _each(test: Callable[[_Node, _Context], str | None]) -> _CheckFn:
    def run(nodes: Sequence[_Node], ctx: _Context) -> _Problem | None:
        for node in nodes:
            problem = test(node, ctx)
            if problem is not None:
                return node.loc, problem
        return None

    return run


def _reference_datetime(path: str, ctx: _Context) -> dt.datetime | None:
    for node in _present(_resolve_nodes(parse_path(path), _Node(ctx.root, "$"))):
        return _parse_datetime_z(node.value)
    return None


def _check_equals(expected: Any) -> _CheckFn:
    return _each(
        lambda n, _c: (
            None
            if n.value == expected and type(n.value) is type(expected)
            else f"should be {_show(expected)}"
        )
    )


def _check_pattern(pattern: Any) -> _CheckFn:
    regex = _compile(pattern)
    return _each(
        lambda n, _c: (
            None
            if isinstance(n.value, str) and regex.fullmatch(n.value)
            else f"{_show(n.value)} is not in the expected format"
        )
    )


def _check_type(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"type must be a string, got {spec!r}")
    names = spec.split("|")
    unknown = [n for n in names if n not in _TYPES]
    if unknown:
        raise RuleFileError(f"unknown type name(s) {unknown} in {spec!r}")
    wanted = " or ".join(_TYPE_WORDS[n] for n in names)
    return _each(lambda n, _c: None if any(_TYPES[t](n.value) for t in names) else f"should be {wanted}")


def _string_list(keyword: str, spec: Any) -> list[Any]:
    if not isinstance(spec, list) or not spec:
        raise RuleFileError(f"{keyword} must be a non-empty array, got {spec!r}")
    return spec


def _check_contains(spec: Any) -> _CheckFn:
    wanted = _string_list("contains", spec)

    def run(nodes: Sequence[_Node], _ctx: _Context) -> _Problem | None:
        values = [n.value for n in nodes]
        missing = [w for w in wanted if w not in values]
        return None if not missing else (None, "does not include " + ", ".join(map(_show, missing)))

    return run


def _check_contains_any(spec: Any) -> _CheckFn:
    wanted = _string_list("containsAny", spec)

    def run(nodes: Sequence[_Node], _ctx: _Context) -> _Problem | None:
        values = [n.value for n in nodes]
        if any(w in values for w in wanted):
            return None
        return None, "includes none of " + ", ".join(map(_show, wanted))

    return run


def _check_enum(spec: Any) -> _CheckFn:
    allowed = _string_list("enum", spec)
    return _each(
        lambda n, _c: (
            None
            if n.value in allowed and isinstance(n.value, str)
            else f"{_show(n.value)} is not one of: " + ", ".join(allowed)
        )
    )


def _check_enum_or_ext(spec: Any) -> _CheckFn:
    if spec not in ENUMERATIONS:
        raise RuleFileError(f"enumOrExt names an unknown enumeration {spec!r}")
    allowed = ENUMERATIONS[spec]
    return _each(
        lambda n, _c: (
            None
            if isinstance(n.value, str) and (n.value in allowed or _EXT_TERM.match(n.value))
            else f"{_show(n.value)} is not an {spec} value or an ext: extension term"
        )
    )


def _check_min_items(spec: Any) -> _CheckFn:
    if not isinstance(spec, int) or isinstance(spec, bool) or spec < 0:
        raise RuleFileError(f"minItems must be a non-negative integer, got {spec!r}")

    def run(nodes: Sequence[_Node], _ctx: _Context) -> _Problem | None:
        return None if len(nodes) >= spec else (None, f"needs at least {spec} entries, found {len(nodes)}")

    return run


def _check_minimum(spec: Any) -> _CheckFn:
    if not _is_number(spec):
        raise RuleFileError(f"minimum must be a number, got {spec!r}")
    return _each(
        lambda n, _c: (
            None
            if _is_number(n.value) and n.value >= spec
            else f"{_show(n.value)} should be a number of at least {spec}"
        )
    )


def _check_required_keys(spec: Any) -> _CheckFn:
    keys = _string_list("requiredKeys", spec)

    def test(node: _Node, _ctx: _Context) -> str | None:
        if not isinstance(node.value, Mapping):
            return "should be a structured entry"
        missing = [k for k in keys if node.value.get(k) is None]
        return None if not missing else "lacks " + ", ".join(missing)

    return _each(test)


def _check_after(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"after must be a path, got {spec!r}")
    parse_path(spec)

    def test(node: _Node, ctx: _Context) -> str | None:
        mine, other = _parse_datetime_z(node.value), _reference_datetime(spec, ctx)
        if mine is None or other is None:  # the date's own format / presence is other rules' concern
            return None
        return None if mine > other else f"should be later than {spec}"

    return _each(test)


def _check_not_after(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"notAfter must be 'now' or a path, got {spec!r}")
    if spec != "now":
        parse_path(spec)

    def test(node: _Node, ctx: _Context) -> str | None:
        mine = _parse_datetime_z(node.value)
        other = ctx.now if spec == "now" else _reference_datetime(spec, ctx)
        if mine is None or other is None:
            return None
        if mine <= other:
            return None
        return "is in the future" if spec == "now" else f"should not be later than {spec}"

    return _each(test)


_EQF_PREFIX = re.compile(r"https?://data\.europa\.eu/snb/eqf")


_EQF_NAME = re.compile(r"\bEQF\b|European Qualifications Framework", re.IGNORECASE)


def _check_pattern_if_eqf(spec: Any) -> _CheckFn:
    regex = _compile(spec)

    def test(node: _Node, _ctx: _Context) -> str | None:
        framework = node.parent.get("targetFramework") if isinstance(node.parent, Mapping) else None
        is_eqf = (isinstance(node.value, str) and _EQF_PREFIX.match(node.value)) or (
            isinstance(framework, str) and _EQF_NAME.search(framework)
        )
        if not is_eqf:
            return None
        ok = isinstance(node.value, str) and regex.fullmatch(node.value)
        return None if ok else f"{_show(node.value)} is not an EQF level IRI"

    return _each(test)


def _check_refers_to(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"refersTo must be a path, got {spec!r}")
    target = parse_path(spec)

    def test(node: _Node, ctx: _Context) -> str | None:
        targets = [n.value for n in _present(_resolve_nodes(target, _Node(ctx.root, "$")))]
        return None if node.value in targets else f"{_show(node.value)} does not refer to an entry at {spec}"

    return _each(test)


def _decimal(value: Any) -> float | None:
    if _is_number(value):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _check_in_allowed_values_of(spec: Any) -> _CheckFn:
    if not isinstance(spec, str):
        raise RuleFileError(f"inAllowedValuesOf must be a path, got {spec!r}")
    target = parse_path(spec)

    def test(node: _Node, ctx: _Context) -> str | None:
        ref = node.parent.get("resultDescription") if isinstance(node.parent, Mapping) else None
        descriptions = [n.value for n in _present(_resolve_nodes(target, _Node(ctx.root, "$")))]
        matching = [d for d in descriptions if isinstance(d, Mapping) and d.get("id") == ref]
        if ref is None or not matching:
            return None  # nothing to compare with; a dangling link is OB-20's concern
        description = matching[0]
        allowed = description.get("allowedValue")
        if isinstance(allowed, list):
            return None if node.value in allowed else f"{_show(node.value)} is not one of the allowed values"
        low, high = _decimal(description.get("valueMin")), _decimal(description.get("valueMax"))
        if low is None and high is None:
            return None
        value = _decimal(node.value)
        if value is None or (low is not None and value < low) or (high is not None and value > high):
            return f"{_show(node.value)} is outside the allowed range"
        return None

    return _each(test)


def _schema_action(nodes: Sequence[_Node], ctx: _Context) -> _Problem | None:
    """OB-21: validate the credential against each declared 1EdTechJsonSchemaValidator2019 schema that
    is available offline (schemas.validation); others cannot be fetched here and are skipped."""
    for node in nodes:
        entry = node.value
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
            return node.loc, "should be an entry with an id and a type"
        if entry.get("type") != "1EdTechJsonSchemaValidator2019":
            continue
        errors = validation.validate_against(entry["id"], ctx.root)
        if errors:
            first = errors[0]
            where = first.path or "/"
            return node.loc, f"the credential does not match {entry['id']} ({where}: {first.message})"
    return None


def _proof_action(_nodes: Sequence[_Node], _ctx: _Context) -> _Problem | None:
    """OB-22: this engine checks that a proof is present; the signature itself is verified by the
    verifier (proofs package) before the profiles are evaluated (descriptors.md §4, last note)."""
    return None


#: ``action`` texts this engine knows, and what it does for each.
ACTIONS: Mapping[str, _CheckFn] = {
    "if type == 1EdTechJsonSchemaValidator2019: validate against schema at id": _schema_action,
    "verify proof per OB 3.0 verification section": _proof_action,
}


def _check_action(spec: Any) -> _CheckFn:
    if spec not in ACTIONS:
        raise RuleFileError(f"unknown action {spec!r}")
    return ACTIONS[spec]


def _compile(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise RuleFileError(f"pattern must be a string, got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RuleFileError(f"invalid pattern {pattern!r}: {exc}") from None


_CHECK_BUILDERS: Mapping[str, Callable[[Any], _CheckFn]] = {
    "equals": _check_equals,
    "pattern": _check_pattern,
    "type": _check_type,
    "contains": _check_contains,
    "coversAll": _check_contains,
    "containsAny": _check_contains_any,
    "enum": _check_enum,
    "enumOrExt": _check_enum_or_ext,
    "minItems": _check_min_items,
    "minimum": _check_minimum,
    "requiredKeys": _check_required_keys,
    "after": _check_after,
    "notAfter": _check_not_after,
    "patternIfEQF": _check_pattern_if_eqf,
    "refersTo": _check_refers_to,
    "inAllowedValuesOf": _check_in_allowed_values_of,
    "action": _check_action,
}


_STRUCTURAL = frozenset({"id", "path", "anyOf", "presence", "when", "stage", "note"})


#: Every rule keyword the engine implements; any other key in a rule is a load error.
RULE_KEYWORDS: frozenset[str] = _STRUCTURAL | frozenset(_CHECK_BUILDERS)


_PRESENCES = frozenset({"required", "recommended", "optional", "conditional"})


_STAGES = frozenset({"signed"})


_TOP_LEVEL = frozenset({"profileVersion", "paths", "levels"})


_ENVELOPE_ALTERNATIVE = "<enveloping JWS / VC-JOSE>"


# --------------------------------------------------------------------------------------------------
# Conditions (``when``)


@dataclass(frozen=True)
class _KeyEquals:
    """``key == value``: applies to the nearest objects along the path that have ``key``."""

    key: str
    value: Any

    def select(self, nodes: Sequence[_Node], segments: Sequence[_Segment], depth: int) -> list[_Node] | None:
        holders = [n for n in nodes if isinstance(n.value, Mapping) and self.key in n.value]
        if not holders:
            return None
        return [n for n in holders if _filter_matches(n.value, self.key, self.value)]


@dataclass(frozen=True)
class _IsType:
    """``name is object``: applies where the path's ``name`` member has that JSON type."""

    name: str
    type_name: str

    def select(self, nodes: Sequence[_Node], segments: Sequence[_Segment], depth: int) -> list[_Node] | None:
        if depth == 0 or segments[depth - 1] != _Field(self.name):
            return None
        return [n for n in nodes if _TYPES[self.type_name](n.value)]


@dataclass(frozen=True)
class _FilterExists:
    """``a … exists``: applies to each array item the path's filter selects."""

    def select(self, nodes: Sequence[_Node], segments: Sequence[_Segment], depth: int) -> list[_Node] | None:
        if depth == 0 or not isinstance(segments[depth - 1], _Filter):
            return None
        return list(nodes)


_Condition: TypeAlias = _KeyEquals | _IsType | _FilterExists


_WHEN_EQUALS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) == (\S.*)\Z")


_WHEN_IS = re.compile(r"([A-Za-z_][A-Za-z0-9_]*) is (object|array|string)\Z")


_WHEN_EXISTS = re.compile(r"an? [^\s].* exists\Z")


def _parse_when(text: Any, segments: Sequence[_Segment]) -> _Condition:
    if not isinstance(text, str):
        raise RuleFileError(f"when must be a string, got {text!r}")
    if m := _WHEN_EQUALS.match(text):
        return _KeyEquals(m[1], _literal(m[2]))
    if m := _WHEN_IS.match(text):
        if _Field(m[1]) not in segments:
            raise RuleFileError(f"when {text!r}: {m[1]!r} is not a member on the rule's path")
        return _IsType(m[1], m[2])
    if _WHEN_EXISTS.match(text):
        if sum(isinstance(s, _Filter) for s in segments) != 1:
            raise RuleFileError(f"when {text!r} needs exactly one [?k=v] filter on the rule's path")
        return _FilterExists()
    raise RuleFileError(f"unsupported when condition {text!r}")


def _anchors(
    condition: _Condition, segments: Sequence[_Segment], root: _Node
) -> list[tuple[_Node, tuple[_Segment, ...]]]:
    """Where a conditional rule applies: (node, rest of the path) pairs; empty if nowhere."""
    nodes = [root]
    for depth in range(len(segments) + 1):
        selected = condition.select(nodes, segments, depth)
        if selected is not None:
            return [(n, tuple(segments[depth:])) for n in selected]
        if depth < len(segments):
            nodes = _step(nodes, segments[depth])
    return []


# --------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    presence: Presence
    alternatives: tuple[str, ...]  # paths (or the envelope token); one unless the rule uses anyOf
    checks: tuple[_Check, ...]
    condition: _Condition | None = None
    stage: str | None = None
    note: str | None = None

    @property
    def severity(self) -> Severity:
        return "warning" if self.presence == "recommended" else "error"

    @property
    def concerns_achievement(self) -> bool:
        """True when every path of the rule lies under ``$.credentialSubject.achievement``."""
        prefix = parse_path(ACHIEVEMENT_PATH)
        return all(
            p != _ENVELOPE_ALTERNATIVE and parse_path(p)[: len(prefix)] == prefix for p in self.alternatives
        )


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
            if alt != _ENVELOPE_ALTERNATIVE:
                raise RuleFileError(f"rule {rule_id}: unknown placeholder {alt!r}")
        else:
            try:
                parse_path(alt)
            except RuleFileError as exc:
                raise RuleFileError(f"rule {rule_id}: {exc}") from None
    condition: _Condition | None = None
    if presence == "conditional" or "when" in raw:
        if presence != "conditional" or "when" not in raw:
            raise RuleFileError(f"rule {rule_id}: 'when' goes with presence 'conditional' and vice versa")
        if len(alternatives) != 1:
            raise RuleFileError(f"rule {rule_id}: conditional anyOf rules are not supported")
        condition = _parse_when(raw["when"], parse_path(alternatives[0]))
    stage = raw.get("stage")
    if stage is not None and stage not in _STAGES:
        raise RuleFileError(f"rule {rule_id}: unknown stage {stage!r}")
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise RuleFileError(f"rule {rule_id}: note must be a string")
    checks = []
    for keyword, spec in raw.items():
        if keyword in _CHECK_BUILDERS:
            try:
                checks.append(_Check(keyword, _CHECK_BUILDERS[keyword](spec)))
            except RuleFileError as exc:
                raise RuleFileError(f"rule {rule_id}: {exc}") from None
    return Rule(rule_id, level, presence, alternatives, tuple(checks), condition, stage, note)


# Plain-English names of the elements the rules check: (label, plural).
_LABELS: Mapping[str, tuple[str, bool]] = {
    "OB-01": ("The Verifiable Credentials 2.0 context", False),
    "OB-02": ("The Open Badges 3.0 context", False),
    "OB-03": ("The credential's identifier", False),
    "OB-04": ("The VerifiableCredential type", False),
    "OB-05": ("The Open Badge credential type", False),
    "OB-06": ("The issuer", False),
    "OB-07": ("The issuer's profile type", False),
    "OB-08": ("The date the credential becomes valid", False),
    "OB-09": ("The expiry date", False),
    "OB-10": ("The achievement subject type", False),
    "OB-11": ("The learner's identification", False),
    "OB-12": ("The learner's identity details", True),
    "OB-13": ("The hashed learner identity", False),
    "OB-14": ("The achievement's identifier", False),
    "OB-15": ("The achievement type", False),
    "OB-16": ("The title", False),
    "OB-17": ("The description", False),
    "OB-18": ("The criteria for earning the credential", True),
    "OB-19": ("The kind of achievement", False),
    "OB-20": ("The links from results to result descriptions", True),
    "OB-21": ("The declared credential schemas", True),
    "OB-22": ("A digital signature", False),
    "EU-00": ("The micro-credential marker", False),
    "EU-01": ("The learner's identifier", False),
    "EU-01b": ("The learner's name", False),
    "EU-02": ("The title of the micro-credential", False),
    "EU-03": ("The issuer's country", False),
    "EU-04": ("The awarding body", False),
    "EU-05": ("The date of issuing", False),
    "EU-05b": ("The award date", False),
    "EU-06": ("Learning outcomes", True),
    "EU-07": ("The notional workload", False),
    "EU-07b": ("The workload in ECTS credits", False),
    "EU-08": ("The level of the learning experience", False),
    "EU-08b": ("The EQF level reference", False),
    "EU-09": ("The type of assessment", False),
    "EU-10": ("The form of participation", False),
    "EU-11": ("Quality assurance", False),
    "EU-11b": ("The name of the external quality assurance body", False),
    "EU-12": ("The prerequisites", True),
    "EU-13": ("Supervision and identity verification", False),
    "EU-14": ("The grade achieved", False),
    "EU-15": ("Integration and stackability", False),
    "EU-15b": ("What the micro-credential stacks towards", False),
    "EU-16": ("Further information", False),
    "EU-17": ("A revocation status entry", False),
    "JP-01": ("The learner's name", False),
    "JP-02": ("The issuing institution's name", False),
    "JP-03": ("The learning outcome types (knowledge, skill, competence)", True),
    "JP-03b": ("Coverage of knowledge, skills and competences", False),
    "JP-04": ("The assessment method", False),
    "JP-04b": ("The description of the assessment criteria", False),
    "JP-05": ("The total learning hours", True),
    "JP-06": ("Internal quality assurance", False),
    "JP-06b": ("External quality assurance", False),
    "JP-07": ("Credit or other recognition", False),
    "JP-08": ("A digital certificate form", False),
    "JP-09": ("Stackability", False),
    "JP-09b": ("The kind of credential it stacks towards", False),
    "JP-10": ("The position within the degree programme", False),
    "JP-11": ("A revocation status entry", False),
    "JP-12": ("The quality assurance class", False),
    "JP-12b": ("The co-awarding bodies", True),
}


def _label(rule: Rule) -> tuple[str, bool]:
    if rule.id in _LABELS:
        return _LABELS[rule.id]
    last = parse_path(rule.alternatives[0])[-1:] if not rule.alternatives[0].startswith("<") else ()
    name = last[0].name if last and isinstance(last[0], _Field) else rule.id
    return f"The element {name!r}", False


@dataclass(frozen=True)
class _Outcome:
    status: Status
    path: str | None
    problem: str | None = None  # None with status fail: missing


def _evaluate_alternative(rule: Rule, alternative: str, ctx: _Context) -> _Outcome:
    if alternative == _ENVELOPE_ALTERNATIVE:
        if ctx.enveloped:
            return _Outcome("pass", None)
        required = rule.presence in ("required", "recommended")
        return _Outcome("fail" if required else "not-applicable", None)
    segments = parse_path(alternative)
    root = _Node(ctx.root, "$")
    if rule.condition is not None:
        anchors = _anchors(rule.condition, segments, root)
        if not anchors:
            return _Outcome("not-applicable", alternative)
        required = True
    else:
        anchors = [(root, segments)]
        required = rule.presence in ("required", "recommended")
    applied = False
    for anchor, rest in anchors:
        values = _present(_resolve_nodes(rest, anchor))
        if not values:
            if required:
                return _Outcome("fail", _format_path(rest, anchor.loc))
            continue
        applied = True
        for check in rule.checks:
            problem = check.run(values, ctx)
            if problem is not None:
                location, text = problem
                return _Outcome("fail", location or _format_path(rest, anchor.loc), text)
    if not applied and not required:
        return _Outcome("not-applicable", alternative)
    return _Outcome("pass", alternative if len(anchors) == 1 and anchors[0][0] is root else None)


def _evaluate_rule(rule: Rule, ctx: _Context) -> RuleResult:
    label, plural = _label(rule)
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
        ctx = _Context(document, now, stage, enveloped)
        return ProfileResult(profile, tuple(_evaluate_rule(r, ctx) for r in rules if only is None or only(r)))


def load_rules(
    document: Mapping[str, Any], includes: Mapping[str, Sequence[str]] = LEVEL_INCLUDES
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


@functools.cache
def default_rules() -> RuleSet:
    """The bundled rules file, checked against its pinned sha256 and compiled once."""
    document = validation.load_pinned_json(RULES_FILE)
    return load_rules(document)


PROFILES: tuple[str, ...] = default_rules().profiles


def evaluate(
    credential: Mapping[str, Any],
    profile: str,
    *,
    stage: Stage = "signed",
    enveloped: bool = False,
    now: dt.datetime | None = None,
) -> ProfileResult:
    """Evaluate a full credential against a profile level (and the levels it includes).

    ``stage="unsigned"`` makes the ``stage: signed`` rules (proof, status) not-applicable;
    ``enveloped=True`` says the credential was secured by an enveloping JWS / VC-JOSE, which satisfies
    OB-22 without an embedded ``proof``; ``now`` is the reference time for "not in the future"."""
    return default_rules().evaluate(credential, profile, stage=stage, enveloped=enveloped, now=now)


def evaluate_achievement(achievement: Mapping[str, Any], profile: str) -> ProfileResult:
    """Evaluate only the rules about ``credentialSubject.achievement`` (for saving a course template):
    the achievement is placed in an otherwise empty credential, and the rules about the issuer,
    learner, dates, proof, status, context etc. are left out of the result."""
    skeleton = {"credentialSubject": {"achievement": achievement}}
    return default_rules().evaluate(
        skeleton, profile, stage="unsigned", only=lambda r: r.concerns_achievement
    )
