"""``/docs`` and ``/redoc`` work offline: the pages reference only this service's own URLs, and the assets
they reference are served (from the packaged fastapi-offline files)."""

from __future__ import annotations

import re

import pytest

from app.apidocs.endpoints import ASSETS
from app.errors import problem_type
from app.testing import SyncClient

_URL_ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_JS_URL = re.compile(r"""(?:url|spec-url)\s*[:=]\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_references_no_other_host_and_its_assets_are_served(client: SyncClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert re.search(r"(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html) is None, html
    referenced = set(_URL_ATTRIBUTE.findall(html)) | set(_JS_URL.findall(html))
    assert "/openapi.json" in referenced
    assets = {u for u in referenced if u.startswith("/docs/assets/")}
    assert len(assets) >= 2, referenced
    for url in referenced:
        assert url.startswith("/"), url
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.headers["content-type"].split(";")[0] in ("text/javascript", "text/css", "image/png")
        assert len(served.content) > 1000
    assert client.get("/openapi.json").status_code == 200


def test_every_packaged_asset_is_served_and_nothing_else(client: SyncClient) -> None:
    for name in ASSETS:
        assert client.get(f"/docs/assets/{name}").status_code == 200
    # The ReDoc bundle's one unconditional fetch from another host (its menu logo) points here instead.
    assert b"cdn.redoc.ly" not in client.get("/docs/assets/redoc.standalone.js").content
    for name in ("core.py", "..%2F__init__.py", "nope.js"):
        r = client.get(f"/docs/assets/{name}")
        assert r.status_code == 404 and r.json()["type"] == problem_type("not-found")


def test_the_swagger_ui_oauth2_redirect_page(client: SyncClient) -> None:
    r = client.get("/docs/oauth2-redirect")
    assert r.status_code == 200 and "oauth2" in r.text.lower()
