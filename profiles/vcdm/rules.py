"""The rules of the VC Data Model for a credential's own members (VCDM 2.0 §4, §5.3; VCDM 1.1 §4 where a
credential declares the 1.1 context), each appending :class:`~profiles.vcdm.violations.Violation` s.

Only the data model is judged here: whether every term is defined and every context processable is the
JSON-LD expansion's business (:mod:`proofs.jsonld`), the proof the securing mechanism's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from profiles.vcdm.integrity import check_related_resources
from profiles.vcdm.iri import is_absolute_iri
from profiles.vcdm.numbers import check_numbers
from profiles.vcdm.violations import Violation, pointer
from proofs.datetimes import date_time_stamp

__all__ = ["validate_credential"]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
_VC_TYPES = frozenset(("VerifiableCredential", "https://www.w3.org/2018/credentials#VerifiableCredential"))
# VCDM 2.0 §4.5: the objects that MUST have a type (credentials aside).
_TYPED = ("credentialStatus", "termsOfUse", "evidence", "refreshService", "credentialSchema")
_LANGUAGE_KEYS = frozenset(("@value", "@language", "@direction"))

_STATUS_INDEX = re.compile(r"0|[1-9][0-9]*")


def _strings(value: Any) -> list[str]:
    """The strings of a member that holds one string or a list (anything else: none)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _items(value: Any) -> list[tuple[tuple[int, ...], Any]]:
    """Each value of a member that holds one value or a list, with its pointer tokens."""
    if isinstance(value, list):
        return [((i,), item) for i, item in enumerate(value)]
    return [((), value)]


def _check_context(credential: Mapping[str, Any], out: list[Violation]) -> str | None:
    """§4.3: an ordered set, first the base context, then URLs and objects. Returns the data model the
    first context names ("2.0", "1.1") or None."""
    if "@context" not in credential:
        out.append(Violation("vcdm-missing-property", "/@context", "@context is required"))
        return None
    contexts = credential["@context"]
    if not isinstance(contexts, list) or not contexts:
        out.append(Violation("vcdm-invalid-context", "/@context", "@context must be a non-empty array"))
        return None
    for i, item in enumerate(contexts):
        if isinstance(item, str):
            if not is_absolute_iri(item):
                out.append(Violation("vcdm-invalid-url", f"/@context/{i}", "a context must be a URL"))
        elif not isinstance(item, Mapping):
            out.append(Violation("vcdm-invalid-context", f"/@context/{i}", "a context is a URL or an object"))
    if contexts[0] == VC_V2:
        return "2.0"
    if contexts[0] == VC_V1:
        return "1.1"
    out.append(
        Violation("vcdm-invalid-context", "/@context/0", f"the first context must be {VC_V2} (or {VC_V1})")
    )
    return None


def _check_id(node: Mapping[str, Any], at: str, out: list[Violation]) -> None:
    """§4.4: an ``id``, when present, is one URL."""
    if "id" in node and not is_absolute_iri(node["id"]):
        out.append(Violation("vcdm-invalid-url", pointer(at, "id"), "id must be a single URL"))


def _type_ok(value: Any) -> bool:
    """§4.5: one or more terms or absolute URLs."""
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, list) and bool(value) and all(isinstance(t, str) and t for t in value)


def _check_type(credential: Mapping[str, Any], out: list[Violation]) -> None:
    if "type" not in credential:
        out.append(Violation("vcdm-missing-property", "/type", "type is required"))
        return
    value = credential["type"]
    if not _type_ok(value):
        out.append(Violation("vcdm-invalid-type", "/type", "type must be one or more strings"))
    elif not _VC_TYPES & set(_strings(value)):
        out.append(Violation("vcdm-invalid-type", "/type", "type must include VerifiableCredential"))


def _language_value_ok(value: Any) -> bool:
    """§4.6 / §11.1: a string, a language value object, or a list of them."""
    if isinstance(value, list):
        return bool(value) and all(_language_value_ok(v) and not isinstance(v, list) for v in value)
    if isinstance(value, Mapping):
        return (
            isinstance(value.get("@value"), str)
            and set(value) <= _LANGUAGE_KEYS
            and all(isinstance(value[k], str) for k in value)
        )
    return isinstance(value, str)


def _check_names(node: Mapping[str, Any], at: str, out: list[Violation]) -> None:
    for key in ("name", "description"):
        if key in node and not _language_value_ok(node[key]):
            out.append(
                Violation(
                    "vcdm-language-value",
                    pointer(at, key),
                    f"{key} must be a string or a language value object (@value, @language, @direction)",
                )
            )


def _check_issuer(credential: Mapping[str, Any], out: list[Violation]) -> None:
    """§4.7: a URL, or an object whose ``id`` is one."""
    if "issuer" not in credential:
        out.append(Violation("vcdm-missing-property", "/issuer", "issuer is required"))
        return
    issuer = credential["issuer"]
    if isinstance(issuer, str):
        if not is_absolute_iri(issuer):
            out.append(Violation("vcdm-invalid-url", "/issuer", "issuer must be a URL"))
    elif isinstance(issuer, Mapping):
        if "id" not in issuer:
            out.append(Violation("vcdm-missing-property", "/issuer/id", "an issuer object needs an id"))
        _check_id(issuer, "/issuer", out)
        _check_names(issuer, "/issuer", out)
    else:
        out.append(
            Violation("vcdm-invalid-issuer", "/issuer", "issuer must be a URL or an object with an id")
        )


def _check_subjects(credential: Mapping[str, Any], out: list[Violation]) -> None:
    """§4.8: one or more objects, each with at least one claim."""
    if "credentialSubject" not in credential:
        out.append(Violation("vcdm-missing-property", "/credentialSubject", "credentialSubject is required"))
        return
    raw = credential["credentialSubject"]
    if isinstance(raw, list) and not raw:
        out.append(Violation("vcdm-invalid-subject", "/credentialSubject", "credentialSubject is empty"))
    for tokens, subject in _items(raw):
        at = pointer("/credentialSubject", *tokens)
        if not isinstance(subject, Mapping):
            out.append(Violation("vcdm-invalid-subject", at, "a credentialSubject must be an object"))
        elif not subject:
            out.append(Violation("vcdm-invalid-subject", at, "a credentialSubject must make a claim"))
        else:
            _check_id(subject, at, out)


def _parse(value: str) -> dt.datetime | None:
    """A matched dateTimeStamp as an aware datetime (no offset: UTC); None beyond datetime's range."""
    text = value.replace("Z", "+00:00")
    next_day = "T24:00:00" in text
    if next_day:
        text = re.sub(r"T24:00:00(?:\.0+)?", "T00:00:00", text)
    try:
        parsed = dt.datetime.fromisoformat(text)
        parsed = parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
        return parsed + dt.timedelta(days=1) if next_day else parsed
    except (ValueError, OverflowError):  # beyond what datetime holds (year 10000, say): not compared
        return None


def _check_dates(
    credential: Mapping[str, Any], model: str | None, issuing: bool, out: list[Violation]
) -> None:
    """§4.9 (2.0: ``validFrom`` ≤ ``validUntil``) or VCDM 1.1 §4.6-4.7 (``issuanceDate`` required,
    ``expirationDate``): date-time stamps; an issuer must give the offset."""
    start, end = ("issuanceDate", "expirationDate") if model == "1.1" else ("validFrom", "validUntil")
    if model == "1.1" and start not in credential:
        out.append(
            Violation("vcdm-missing-property", "/issuanceDate", "a VCDM 1.1 credential needs issuanceDate")
        )
    parsed: dict[str, dt.datetime | None] = {}
    for key in (start, end):
        if key not in credential:
            continue
        value = credential[key]
        # VCDM 2.0 §4.9 (a dateTimeStamp); the offset is optional when reading (VCDM 2.0 §5.8: a value
        # "incorrectly serialized without an offset MUST be interpreted as UTC")
        match = date_time_stamp(value, offset=False)
        if match is None or (issuing and match["offset"] is None):
            out.append(
                Violation("vcdm-invalid-datetime", f"/{key}", f"{key} must be an XML Schema dateTimeStamp")
            )
            continue
        parsed[key] = _parse(value)
    begins, ends = parsed.get(start), parsed.get(end)
    if begins is not None and ends is not None and ends < begins:
        out.append(Violation("vcdm-validity-period", f"/{end}", f"{end} is earlier than {start}"))


def _check_status_entry(entry: Mapping[str, Any], at: str, out: list[Violation]) -> None:
    """Bitstring Status List v1.0 §2.1: a BitstringStatusListEntry's members."""
    if "BitstringStatusListEntry" not in _strings(entry.get("type")):
        return
    purpose, index = entry.get("statusPurpose"), entry.get("statusListIndex")
    if not isinstance(purpose, str) or not purpose:
        out.append(
            Violation("bitstring-status-entry", pointer(at, "statusPurpose"), "statusPurpose is required")
        )
    if not isinstance(index, str) or not _STATUS_INDEX.fullmatch(index):
        out.append(
            Violation(
                "bitstring-status-entry",
                pointer(at, "statusListIndex"),
                "statusListIndex must be a non-negative integer written as a string",
            )
        )
    if "statusListCredential" not in entry:
        out.append(
            Violation(
                "bitstring-status-entry",
                pointer(at, "statusListCredential"),
                "statusListCredential is required",
            )
        )
    elif not is_absolute_iri(entry["statusListCredential"]):
        out.append(
            Violation(
                "vcdm-invalid-url", pointer(at, "statusListCredential"), "statusListCredential must be a URL"
            )
        )
    size = entry.get("statusSize", 1)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        out.append(
            Violation(
                "bitstring-status-entry", pointer(at, "statusSize"), "statusSize must be a positive integer"
            )
        )


def _check_typed_objects(credential: Mapping[str, Any], out: list[Violation]) -> None:
    """§4.5 table, §4.10, §4.11, §5.4-5.6: objects that MUST have a type; a schema also an id."""
    for key in _TYPED:
        if key not in credential:
            continue
        raw = credential[key]
        if isinstance(raw, list) and not raw:
            out.append(Violation("vcdm-invalid-object", f"/{key}", f"{key} must hold one or more objects"))
        for tokens, node in _items(raw):
            at = pointer(f"/{key}", *tokens)
            if not isinstance(node, Mapping):
                out.append(Violation("vcdm-invalid-object", at, f"each {key} value must be an object"))
                continue
            if "type" not in node:
                out.append(
                    Violation("vcdm-missing-type", pointer(at, "type"), f"a {key} object needs a type")
                )
            elif not _type_ok(node["type"]):
                out.append(
                    Violation("vcdm-invalid-type", pointer(at, "type"), "type must be one or more strings")
                )
            if key == "credentialSchema" and "id" not in node:
                out.append(
                    Violation("vcdm-missing-property", pointer(at, "id"), "a credentialSchema needs an id")
                )
            _check_id(node, at, out)
            if key == "credentialStatus":
                _check_status_entry(node, at, out)


def validate_credential(credential: Any, *, issuing: bool = False) -> list[Violation]:
    """Every violation of the data model in ``credential``, in document order of the rules (none: valid).

    ``issuing``: judge it as an issuer produces it (date-times need their offset; no number that verifiers
    read otherwise, :mod:`profiles.vcdm.numbers`); a verifier reads a missing offset as UTC.
    """
    if not isinstance(credential, Mapping):
        return [Violation("vcdm-not-an-object", "", "a credential is a JSON object")]
    out: list[Violation] = []
    model = _check_context(credential, out)
    _check_id(credential, "", out)
    _check_type(credential, out)
    _check_names(credential, "", out)
    _check_issuer(credential, out)
    _check_subjects(credential, out)
    _check_dates(credential, model, issuing, out)
    _check_typed_objects(credential, out)
    check_related_resources(credential, out)
    if issuing:
        check_numbers(credential, out)
    return out
