"""An in-process client for tests and benchmarks: the app served over ASGI, its lifespan included, without a
server or a socket; and the settings such an app runs with."""

from __future__ import annotations

from functools import partial
from typing import Any

import anyio.from_thread
import httpx
from fastapi import FastAPI

from app.settings import Settings

__all__ = ["BASE_URL", "SyncClient", "in_process_settings"]

# The public base URL of an app run in process (never resolved: requests go to the app itself).
BASE_URL = "https://shomei.test"


def in_process_settings(
    database_url: str, *, admin_token: str, kek: str, public_base_url: str = BASE_URL, **overrides: Any
) -> Settings:
    """Settings for an app run in process: test environment, migrations at start-up, quiet JSON logs, and
    outbound HTTP allowed to private addresses (the tests' mocked and loopback peers)."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "admin_token": admin_token,
        "public_base_url": public_base_url,
        "kek": kek,
        "auto_migrate": True,
        "log_json": True,
        "log_level": "WARNING",
        "http_allow_private": True,
        "rate_limit_per_minute": 0,  # the tests' many requests from one address are not throttled
    }
    values.update(overrides)
    return Settings(**values)


class SyncClient:
    """A synchronous facade over ``httpx.AsyncClient(transport=ASGITransport(app))`` that also runs the
    app's lifespan (start-up migrations, bootstrap) in a background event loop."""

    def __init__(self, app: FastAPI, *, base_url: str = BASE_URL) -> None:
        self.app = app
        self._portal_cm = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        self._lifespan = app.router.lifespan_context(app)
        self._portal.call(self._lifespan.__aenter__)
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._portal.call(self._lifespan.__aexit__, None, None, None)
        self._portal_cm.__exit__(None, None, None)
