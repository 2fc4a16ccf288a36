"""Request and response bodies of bulk issuance jobs (``/v1/issuers/{slug}/jobs``, :mod:`app.jobs`).

A job's rows are flat like a CSV row: the recipient's fields (``id`` | ``email`` | ``identifier`` with
``identifier_type``, ``given_name``, ``family_name``) beside the credential's (``template_id``, ``result``,
the dates, ``credits_earned``, ``narrative``, ``term``) and an optional ``idempotency_key``. Each becomes
the body of ``POST /v1/issuers/{slug}/credentials`` (:class:`schemas.api.CredentialIssueIn`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.api import CredentialFormat, StorableModel

__all__ = [
    "CREDENTIAL_FIELDS",
    "RECIPIENT_FIELDS",
    "ROW_FIELDS",
    "JobDryRunOut",
    "JobListOut",
    "JobOfferIn",
    "JobOptionsIn",
    "JobOut",
    "JobRowProblem",
    "JobStatus",
]

RECIPIENT_FIELDS = ("id", "email", "identifier", "identifier_type", "given_name", "family_name")
CREDENTIAL_FIELDS = (
    "result",
    "evidence",
    "valid_from",
    "valid_until",
    "awarded_date",
    "activity_start_date",
    "activity_end_date",
    "credits_earned",
    "narrative",
    "term",
)
# Every field a row may carry (the targets of a column mapping).
ROW_FIELDS = (*RECIPIENT_FIELDS, *CREDENTIAL_FIELDS, "template_id", "idempotency_key")

JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOfferIn(StorableModel):
    """A wallet offer (OpenID4VCI) for every issued row, without a transaction code (a code is shown once,
    and a job's results are read later)."""

    model_config = ConfigDict(extra="forbid")

    formats: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=lambda: ["ldp_vc", "jwt_vc_json"], min_length=1, max_length=5
    )


class JobOptionsIn(StorableModel):
    """What applies to every row: the template (a row's ``template_id`` wins), the formats, a column
    mapping (row field -> the upload's column name), ``dry_run`` and an optional wallet offer per row."""

    model_config = ConfigDict(extra="forbid")

    template_id: uuid.UUID | None = None
    formats: list[CredentialFormat] = Field(default=["ldp_vc"], min_length=1, max_length=8)
    mapping: dict[
        Annotated[str, StringConstraints(max_length=40)], Annotated[str, StringConstraints(max_length=200)]
    ] = Field(default_factory=dict, max_length=len(ROW_FIELDS))
    dry_run: bool = False
    offer: JobOfferIn | None = None


class JobLinks(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    self_: str = Field(alias="self")
    results: str


class JobOut(BaseModel):
    """A job and its progress: ``done`` rows are finished (``issued`` + ``failed``); ``rate_per_s`` is rows
    finished per second since the job started, ``eta_s`` the seconds left at that rate (None before the
    first row and once finished)."""

    id: uuid.UUID
    status: JobStatus
    total: int
    done: int
    issued: int
    failed: int
    cancelled: int
    pending: int
    rate_per_s: float | None
    eta_s: float | None
    template_id: uuid.UUID | None
    formats: list[str]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    links: JobLinks


class JobListOut(BaseModel):
    items: list[JobOut]
    next_offset: int | None


class JobRowProblem(BaseModel):
    """A row that would fail, and why (an RFC 9457 problem: ``type`` names the case)."""

    row: int
    problem: dict[str, Any]


class JobDryRunOut(BaseModel):
    """A dry run's report: every row checked as a real run would issue it, nothing issued or stored."""

    dry_run: Literal[True] = True
    total: int
    valid: int
    failed: int
    errors: list[JobRowProblem]
