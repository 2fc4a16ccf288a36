"""The vocabulary credentials name: the micro-credential JSON-LD context, its JSON Schemas and the SD-JWT
VC type metadata."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from app.credentials import sd_jwt_vc
from app.deps import SettingsDep, StateDep
from app.errors import NotFound
from issuer.build import MC_CONTEXT
from issuer.sd_jwt_vc import MICRO_CREDENTIAL_VCT_PATH
from profiles.validation import schema_document

__all__ = ["router"]

router = APIRouter(tags=["public"])


_CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


@router.get("/contexts/mc/v1/context.jsonld")
def mc_context(state: StateDep) -> JSONResponse:
    """Our micro-credential descriptor JSON-LD context (``https://w3id.org/shomei/mc/v1/context.jsonld``)."""
    document = state.loader.document(MC_CONTEXT)
    return JSONResponse(document, media_type="application/ld+json", headers=_CORS)


@router.get("/schemas/mc/v1/{name}")
def mc_schema(name: str) -> JSONResponse:
    """Our descriptor JSON Schemas (``https://w3id.org/shomei/mc/v1/schema/{name}``), as credentials
    name them in ``credentialSchema``: ``descriptor.json`` (the shape) and ``jp-mc-framework.json``."""
    document = schema_document(f"https://w3id.org/shomei/mc/v1/schema/{name}")
    if document is None:
        raise NotFound("no such schema", type_name="schema-not-found")
    return JSONResponse(dict(document), media_type="application/schema+json", headers=_CORS)


@router.get(MICRO_CREDENTIAL_VCT_PATH)
def micro_credential_type_metadata(settings: SettingsDep) -> Response:
    """SD-JWT VC Type Metadata of our own ``vct`` (this URL): the exact bytes that the
    ``vct#integrity`` of every credential of this type commits to."""
    _vct, body, integrity = sd_jwt_vc.type_metadata(settings.public_base_url)
    headers = {**_CORS, "ETag": f'"{integrity}"'}
    return Response(body, media_type="application/json", headers=headers)
