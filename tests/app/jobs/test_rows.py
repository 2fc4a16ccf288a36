"""Reading an upload into rows (app/jobs/rows.py): the kinds, trimmed and empty CSV cells, unreadable rows,
mappings and the row keys."""

from __future__ import annotations

import uuid

import pytest

from app.errors import BadRequest, ValidationFailed
from app.jobs.rows import check_mapping, read_rows, request_for, upload_kind
from schemas.jobs import JobOptionsIn

TEMPLATE = uuid.UUID("8b73a5df-a847-4d15-8cbb-4a8905ba559f")


@pytest.mark.parametrize(
    ("filename", "content_type", "raw", "kind"),
    [
        ("a.csv", None, b"[", "csv"),
        (None, "text/csv; charset=utf-8", b"{", "csv"),
        ("a.ndjson", None, b"", "jsonl"),
        (None, "application/x-ndjson", b"", "jsonl"),
        ("a.json", None, b"", "json"),
        (None, None, b"  [{}]", "json"),
        (None, None, b'{"a": 1}', "jsonl"),
        (None, None, b"email\n", "csv"),
    ],
)
def test_the_kind_of_an_upload(filename: str | None, content_type: str | None, raw: bytes, kind: str) -> None:
    assert upload_kind(filename, content_type, raw) == kind


def test_csv_cells_are_trimmed_and_empty_ones_absent() -> None:
    text = "\ufeffemail, given_name ,family_name\n  a@example.org , ,Tanaka\nb@example.org,x,y,z\n"
    rows = read_rows(text.encode(), "csv")
    assert rows[0].number == 1 and rows[0].fields == {"email": "a@example.org", "family_name": "Tanaka"}
    assert rows[1].fields is None and rows[1].problem is not None
    assert rows[1].problem.type_name == "unreadable-row"


def test_a_row_key_a_mapping_and_the_job_template() -> None:
    (row,) = read_rows(b"Mail,Key\na@example.org,sis-7\n", "csv")
    options = JobOptionsIn(template_id=TEMPLATE, mapping={"email": "Mail", "idempotency_key": "Key"})
    key, body, problem = request_for(row, options, "job-1")
    assert (key, problem) == ("sis-7", None) and body is not None
    assert body.achievement_id == TEMPLATE and body.recipient.email == "a@example.org"
    key, _, problem = request_for(row, JobOptionsIn(template_id=TEMPLATE), "job-1")
    assert (
        key == "job-1:1" and problem is not None and problem.type_name == "validation-error"
    )  # no recipient


def test_refusals_of_a_row() -> None:
    (row,) = read_rows(b'[{"email": "a@example.org", "idempotency_key": ""}]', "json")
    _, _, problem = request_for(row, JobOptionsIn(template_id=TEMPLATE), "job")
    assert problem is not None and problem.type_name == "invalid-row-key"
    (row,) = read_rows(b'{"email": "a@example.org"}\n', "jsonl")
    _, _, problem = request_for(row, JobOptionsIn(), "job")
    assert problem is not None and problem.type_name == "template-required"


@pytest.mark.parametrize(
    ("raw", "kind"), [(b"\xff", "csv"), (b"{}", "json"), (b"[", "json"), (b"", "csv"), (b"a,,b\n", "csv")]
)
def test_refused_uploads(raw: bytes, kind: str) -> None:
    with pytest.raises(BadRequest) as refused:
        read_rows(raw, kind)  # type: ignore[arg-type]
    assert refused.value.type_name == "invalid-upload"


def test_a_mapping_onto_a_field_rows_do_not_have() -> None:
    with pytest.raises(ValidationFailed) as invalid:
        check_mapping({"mail": "Email"})
    assert invalid.value.type_name == "invalid-mapping"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b'{"email": "a@example.org"}\n{"email": "forged@example.org", "email": "b@example.org"}\n', "jsonl"),
        (b'[{"email": "a@example.org"}, {"email": "b@example.org", "x": {"n": 1, "n": 2}}]', "json"),
    ],
)
def test_a_row_that_names_a_member_twice_is_refused_alone(raw: bytes, kind: str) -> None:
    """Issue 13: JSON parsers disagree on which duplicate counts, so the row is refused rather than read
    as its last value; the other rows go on."""
    first, second = read_rows(raw, kind)  # type: ignore[arg-type]
    assert first.problem is None and first.fields == {"email": "a@example.org"}
    assert second.fields is None and second.problem is not None
    assert second.problem.type_name == "duplicate-member"
    _, body, problem = request_for(second, JobOptionsIn(template_id=TEMPLATE), "job")
    assert body is None and problem is not None and problem.type_name == "duplicate-member"


def test_a_json_cell_that_names_a_member_twice_is_refused() -> None:
    (row,) = read_rows(b'email,result\na@example.org,"{""value"": ""A"", ""value"": ""F""}"\n', "csv")
    _, body, problem = request_for(row, JobOptionsIn(template_id=TEMPLATE), "job")
    assert body is None and problem is not None and problem.type_name == "duplicate-member"
