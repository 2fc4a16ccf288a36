"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from packaged assets: the JavaScript, CSS and icon come from
the ``fastapi-offline`` package (pinned in pyproject.toml) and are served here, so the pages work offline and
load nothing from another host (no CDN, no web fonts, no validator badge)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Final

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

from app.errors import NotFound

__all__ = ["ASSETS", "router"]

router = APIRouter(include_in_schema=False)

_PREFIX = "/docs/assets/"
# Every file served, with its media type: nothing else of the package is reachable.
ASSETS: Final = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
_CACHE = "public, max-age=86400"
# What an asset would fetch from another host, pointed at our own files: ReDoc's menu shows the Redocly
# logo from cdn.redoc.ly whatever its options say.
_LOCAL: Final = {
    "redoc.standalone.js": (
        (b"https://cdn.redoc.ly/redoc/logo-mini.svg", _PREFIX.encode() + b"favicon.png"),
    ),
}
_OPENAPI = "/openapi.json"
_TITLE = "Shomei API"


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=_OPENAPI,
        title=_TITLE,
        swagger_js_url=_PREFIX + "swagger-ui-bundle.js",
        swagger_css_url=_PREFIX + "swagger-ui.css",
        swagger_favicon_url=_PREFIX + "favicon.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
        # No validator badge (it would load an image from validator.swagger.io).
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url=_OPENAPI,
        title=_TITLE,
        redoc_js_url=_PREFIX + "redoc.standalone.js",
        redoc_favicon_url=_PREFIX + "favicon.png",
        with_google_fonts=False,
    )


@router.get(_PREFIX + "{name}")
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound("no such documentation asset")
    return Response(_read(name), media_type=media_type, headers={"Cache-Control": _CACHE})


@cache
def _read(name: str) -> bytes:
    body = files("fastapi_offline").joinpath("static", name).read_bytes()
    for external, local in _LOCAL.get(name, ()):
        body = body.replace(external, local)
    return body
