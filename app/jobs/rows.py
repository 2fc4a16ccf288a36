"""A job's upload read into rows, and each row made into the body of ``POST /v1/issuers/{slug}/credentials``.

An upload is a CSV file (a header line, then one row per line; UTF-8, a BOM allowed), JSON Lines (one object
per line) or a JSON array of objects. A column mapping renames the upload's columns to row fields first
(``{"email": "Student e-mail"}``). CSV cells are trimmed, and empty ones count as absent; ``result`` and
``evidence`` in a CSV cell are JSON text. A row that cannot be read or does not validate is a problem of that
row, never of the upload: the other rows go on. JSON is read strictly: a row (or a JSON cell) that names a
member twice in one object is refused as ``duplicate-member``, not read as one of its values. Row numbers
start at 1 (the CSV header is not a row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from pydantic import ValidationError

from app.errors import BadRequest, ServiceError, ValidationFailed
from proofs import strict_json
from schemas.api import CredentialIssueIn
from schemas.jobs import CREDENTIAL_FIELDS, RECIPIENT_FIELDS, ROW_FIELDS, JobOptionsIn

__all__ = ["UploadKind", "UploadRow", "check_mapping", "json_rows", "read_rows", "request_for", "upload_kind"]

UploadKind = Literal["csv", "jsonl", "json"]
_JSON_CELLS = ("result", "evidence")


class UploadRow(NamedTuple):
    """A row of the upload: its number and fields, or why it could not be read."""

    number: int
    fields: dict[str, Any] | None
    problem: ServiceError | None


def upload_kind(filename: str | None, content_type: str | None, raw: bytes) -> UploadKind:
    """The upload's kind by its file name, then its media type, then its first character."""
    name = (filename or "").lower()
    media = (content_type or "").split(";")[0].strip().lower()
    if name.endswith(".csv") or media in ("text/csv", "application/csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")) or media in ("application/jsonl", "application/x-ndjson"):
        return "jsonl"
    if name.endswith(".json") or media == "application/json":
        return "json"
    start = raw.lstrip()[:1]
    return "json" if start == b"[" else "jsonl" if start == b"{" else "csv"


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("the upload is not UTF-8 text", type_name="invalid-upload") from None


def _unreadable(number: int, why: str) -> UploadRow:
    return UploadRow(number, None, BadRequest(why, type_name="unreadable-row"))


def _csv_rows(text: str) -> list[UploadRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if not header:
            raise BadRequest("the CSV upload has no header line", type_name="invalid-upload")
        names = [h.strip() for h in header]
        if len(set(names)) != len(names) or "" in names:
            raise BadRequest("the CSV header names a column twice or not at all", type_name="invalid-upload")
        rows: list[UploadRow] = []
        for number, cells in enumerate(reader, start=1):
            if len(cells) > len(names):
                rows.append(_unreadable(number, "the row has more cells than the header has columns"))
                continue
            fields = {n: c.strip() for n, c in zip(names, cells, strict=False) if c.strip() != ""}
            rows.append(UploadRow(number, fields, None))
    except csv.Error as exc:
        raise BadRequest(f"the CSV upload cannot be read: {exc}", type_name="invalid-upload") from None
    return rows


def _twice(number: int, exc: strict_json.DuplicateMember) -> UploadRow:
    """A row that names a member twice: which value it means is not for us to guess (JSON parsers keep
    the first, the last or both), so it is refused as a credential sent to be verified would be."""
    return UploadRow(number, None, BadRequest(str(exc), type_name="duplicate-member"))


def _object_row(number: int, value: Any) -> UploadRow:
    if isinstance(value, strict_json.DuplicateMember):
        return _twice(number, value)
    if not isinstance(value, dict):
        return _unreadable(number, "a row must be a JSON object")
    return UploadRow(number, value, None)


def _jsonl_rows(text: str) -> list[UploadRow]:
    rows: list[UploadRow] = []
    for line in (line for line in text.splitlines() if line.strip()):
        number = len(rows) + 1
        try:
            rows.append(_object_row(number, strict_json.loads(line)))
        except strict_json.DuplicateMember as exc:
            rows.append(_twice(number, exc))
        except (ValueError, RecursionError):
            rows.append(_unreadable(number, "the line is not JSON"))
    return rows


def json_rows(values: Sequence[Any]) -> list[UploadRow]:
    """Rows given as a JSON array (an uploaded .json file, or ``rows`` of a JSON body)."""
    return [_object_row(number, value) for number, value in enumerate(values, start=1)]


def read_rows(raw: bytes, kind: UploadKind) -> list[UploadRow]:
    """The rows of an uploaded file; ``BadRequest`` (``invalid-upload``) when the file as a whole cannot
    be read (not UTF-8, a CSV without a header, a .json file that is not an array)."""
    text = _text(raw)
    if kind == "csv":
        return _csv_rows(text)
    if kind == "jsonl":
        return _jsonl_rows(text)
    try:
        values = strict_json.loads_items(text)  # a row naming a member twice is a problem of that row
    except (ValueError, RecursionError):
        raise BadRequest(
            "the JSON upload cannot be read as an array of row objects", type_name="invalid-upload"
        ) from None
    return json_rows(values)


def check_mapping(mapping: Mapping[str, str]) -> None:
    """Refuse a mapping onto a field rows do not have (``invalid-mapping``)."""
    unknown = sorted(set(mapping) - set(ROW_FIELDS))
    if unknown:
        raise ValidationFailed(
            f"the mapping names fields rows do not have: {', '.join(unknown)}",
            type_name="invalid-mapping",
            allowed=list(ROW_FIELDS),
        )


def _mapped(fields: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    sources = set(mapping.values())
    out = {k: v for k, v in fields.items() if k not in sources}
    for target, source in mapping.items():
        if source in fields:
            out[target] = fields[source]
    return out


def _error_list(exc: ValidationError) -> list[dict[str, Any]]:
    """Each error's place, message and type; never the input value (it may name the learner)."""
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in errors]


def _row_body(fields: Mapping[str, Any], options: JobOptionsIn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "recipient": {k: fields[k] for k in RECIPIENT_FIELDS if k in fields},
        "achievement_id": fields.get("template_id") or options.template_id,
        "formats": list(options.formats),
    }
    for name in CREDENTIAL_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name in _JSON_CELLS and isinstance(value, str):
            try:
                value = strict_json.loads(value)
            except strict_json.DuplicateMember as exc:
                raise ValidationFailed(f"{name}: {exc}", type_name="duplicate-member") from None
            except (ValueError, RecursionError):
                raise ValidationFailed(
                    f"{name} must be JSON",
                    errors=[{"loc": [name], "msg": "not JSON", "type": "json_invalid"}],
                ) from None
            value = value if isinstance(value, list) else [value]
        body[name] = value
    if options.offer is not None:
        body["offer"] = {"formats": list(options.offer.formats), "tx_code": False}
    return body


def request_for(
    row: UploadRow, options: JobOptionsIn, job_key: str
) -> tuple[str, CredentialIssueIn | None, ServiceError | None]:
    """The row's idempotency key and its credential request, or the problem that refuses it."""
    fields = _mapped(row.fields or {}, options.mapping)
    key = fields.get("idempotency_key", f"{job_key}:{row.number}")
    if not isinstance(key, str) or not 1 <= len(key) <= 200:
        refused = ValidationFailed("idempotency_key is 1 to 200 characters", type_name="invalid-row-key")
        return f"{job_key}:{row.number}", None, refused
    if row.problem is not None:
        return key, None, row.problem
    if not (fields.get("template_id") or options.template_id):
        return key, None, ValidationFailed("the row names no template", type_name="template-required")
    try:
        return key, CredentialIssueIn.model_validate(_row_body(fields, options)), None
    except ValidationFailed as exc:
        return key, None, exc
    except ValidationError as exc:
        return key, None, ValidationFailed("the row did not pass validation", errors=_error_list(exc))
