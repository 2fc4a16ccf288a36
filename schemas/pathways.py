"""The API models of stackable pathways (issue 17): a programme's requirements as an issuer defines them,
the credentials a learner sends to be evaluated against them, the progress, and the completion that
issues the programme's credential and its Comprehensive Learner Record (CLR 2.0)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas.api import CredentialOut, RecipientIn, StorableModel

__all__ = [
    "CompletionIn",
    "CompletionOut",
    "CredentialsIn",
    "LearnerIn",
    "PathwayEntryIn",
    "PathwayGroupIn",
    "PathwayIn",
    "PathwayOut",
    "ProgrammeIn",
    "ProgressOut",
]

_Iri = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", max_length=2000)]
_Name = Annotated[str, StringConstraints(min_length=1, max_length=500)]
_Text = Annotated[str, StringConstraints(max_length=4000)]
_GroupId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
_Credits = Annotated[float, Field(ge=0, le=100_000, allow_inf_nan=False)]


class _Strict(StorableModel):
    model_config = ConfigDict(extra="forbid")


class PathwayEntryIn(_Strict):
    """An achievement the group accepts: by its id (an IRI, of this issuer or another), or by the id of
    one of this issuer's templates; ``credits`` overrides the credential's; ``min_result`` is the lowest
    result accepted (a value of the achievement's ``allowedValue``, lowest first, or a number)."""

    achievement: _Iri | None = None
    template_id: uuid.UUID | None = None
    credits: _Credits | None = None
    min_result: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None

    @model_validator(mode="after")
    def _one_reference(self) -> PathwayEntryIn:
        if (self.achievement is None) == (self.template_id is None):
            raise ValueError("give exactly one of achievement and template_id")
        return self


class PathwayGroupIn(_Strict):
    """A requirement group: required or elective, met with ``min_credits`` and/or ``min_count``."""

    id: _GroupId
    name: _Name | None = None
    kind: Literal["required", "elective"] = "required"
    min_credits: _Credits | None = None
    min_count: Annotated[int, Field(ge=1, le=1000)] | None = None
    achievements: list[PathwayEntryIn] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _some_minimum(self) -> PathwayGroupIn:
        if self.min_credits is None and self.min_count is None:
            raise ValueError("a group needs min_credits or min_count")
        return self


class ProgrammeIn(_Strict):
    """The accredited programme the pathway leads to (the register's entry)."""

    id: _Iri | None = None
    name: _Name
    reference: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    qa_body: _Name | None = None


class PathwayIn(_Strict):
    name: _Name
    description: _Text | None = None
    achievement_type: Annotated[str, StringConstraints(pattern=r"^(ext:)?[A-Za-z]{1,60}$")] = "Degree"
    programme: ProgrammeIn | None = None
    credits_required: _Credits
    recency_years: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)] | None = None
    recognised_issuers: list[_Iri] = Field(default_factory=list, max_length=200)
    groups: list[PathwayGroupIn] = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _unique_groups(self) -> PathwayIn:
        ids = [g.id for g in self.groups]
        if len(set(ids)) != len(ids):
            raise ValueError("group ids must be unique")
        return self


class PathwayOut(BaseModel):
    id: uuid.UUID
    url: str
    issuer: str
    issuer_id: str
    name: str
    description: str | None
    achievement_type: str
    programme: dict[str, Any] | None
    credits_required: float
    recency_years: float | None
    recognised_issuers: list[str]
    groups: list[dict[str, Any]]
    created_at: dt.datetime


_Credential = dict[str, Any] | Annotated[str, StringConstraints(min_length=1, max_length=200_000)]


class LearnerIn(_Strict):
    """Whom the credentials must have been issued to: a DID, or an identifier (an email address, a
    student number) compared with the subjects' IdentityObjects, hashed or not."""

    value: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    type: Annotated[str, StringConstraints(max_length=100)] | None = None


class CredentialsIn(_Strict):
    """The learner's credentials: objects or VC-JWTs, URLs, and/or a verifiable presentation; with
    ``learner``, a credential issued to someone else does not count (``different-learner``)."""

    credentials: list[_Credential] = Field(default_factory=list, max_length=200)
    urls: list[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = Field(
        default_factory=list, max_length=100
    )
    presentation: dict[str, Any] | None = None
    learner: LearnerIn | None = None

    @model_validator(mode="after")
    def _something(self) -> CredentialsIn:
        if not self.credentials and not self.urls and self.presentation is None:
            raise ValueError("send credentials, urls or a presentation")
        return self


class CompletionIn(CredentialsIn):
    """The learner's credentials, and the learner the programme's credential and CLR are issued to; each
    credential must have been issued to that learner too (or to ``learner`` when given)."""

    recipient: RecipientIn


class ProgressOut(BaseModel):
    pathway: str
    complete: bool
    credits_earned: float
    credits_required: float
    groups: list[dict[str, Any]]
    not_counted: list[dict[str, Any]]


class CompletionOut(BaseModel):
    progress: ProgressOut
    programme_credential: CredentialOut
    clr: CredentialOut
