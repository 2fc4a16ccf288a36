"""VC-API (VCALM) ``POST /presentations/verify``: a verifiable presentation, signed or not, and every
credential it holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.deps import ClockDep, ReadSessionDep, StateDep
from app.errors import BadRequest, SafeJSONResponse
from app.presentations import service as presentations
from app.presentations.report import vc_api_answer
from app.verification.service import is_writable_json, strict_json_body

__all__ = ["router"]

router = APIRouter(tags=["vc-api"])


class VerifyPresentationIn(BaseModel):
    """``verifiablePresentation`` (VerifyPresentationRequest) or ``presentation`` (the proofless form), and
    the ``options`` (``challenge``, ``domain``, ``returnPresentation``)."""

    model_config = ConfigDict(extra="ignore")

    verifiablePresentation: Any = None
    presentation: Any = None
    options: dict[str, Any] = Field(default_factory=dict)


def _option(options: dict[str, Any], name: str) -> str | None:
    value = options.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"options.{name} must be a string", type_name="invalid-options", option=name)
    return value


@router.post(
    "/presentations/verify",
    dependencies=[Depends(strict_json_body)],  # a member named twice: 400 duplicate-member
    responses={
        status.HTTP_400_BAD_REQUEST: {"description": "The request is malformed (problem+json)."},
        status.HTTP_422_UNPROCESSABLE_CONTENT: {"description": "The presentation does not verify."},
    },
)
def vc_api_verify_presentation(
    body: VerifyPresentationIn, session: ReadSessionDep, state: StateDep, clock: ClockDep
) -> JSONResponse:
    """W3C VC-API verify presentation: 200 when it and every credential in it verify, else 422."""
    given = [name for name in ("verifiablePresentation", "presentation") if name in body.model_fields_set]
    if len(given) != 1:
        raise BadRequest(
            "send the presentation as verifiablePresentation (or, unsigned, as presentation)",
            type_name="malformed-request",
        )
    presentation = getattr(body, given[0])
    if not isinstance(presentation, dict):
        raise BadRequest("the presentation must be a JSON object", type_name="malformed-presentation")
    if not is_writable_json(presentation):
        raise BadRequest(
            "the presentation holds a lone surrogate or a number that is not finite (NaN, Infinity, 1e400): "
            "it is not JSON that can be canonicalized or signed",
            type_name="malformed-presentation",
        )
    challenge, domain = _option(body.options, "challenge"), _option(body.options, "domain")
    result = presentations.verify(
        state, session, presentation, challenge=challenge, domain=domain, now=clock.now()
    )
    answer = vc_api_answer(
        result,
        presentation,
        challenge=challenge,
        domain=domain,
        return_presentation=body.options.get("returnPresentation") is True,
    )
    code = status.HTTP_200_OK if result.verified else status.HTTP_422_UNPROCESSABLE_CONTENT
    return SafeJSONResponse(answer, status_code=code)
