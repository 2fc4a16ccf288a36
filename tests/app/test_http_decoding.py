"""A response's content coding is undone within the size cap: a small compressed body that decodes to far
more than the cap is refused without ever being decoded whole (RFC 9110 §8.4.1)."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import httpx
import pytest

from app.http_client import FetchError, GuardedClient

_JSON = {"content-type": "application/json"}


def _client(body: bytes, encoding: str, *, max_bytes: int = 10_000) -> GuardedClient:
    def handler(req: httpx.Request) -> httpx.Response:
        # streamed: an httpx.Response made of bytes would be decoded whole here, in the test's server
        return httpx.Response(200, headers={**_JSON, "content-encoding": encoding}, content=iter([body]))

    return GuardedClient(
        timeout=2, max_bytes=max_bytes, allow_private=True, transport=httpx.MockTransport(handler)
    )


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (gzip.compress(b" " * 40_000_000, mtime=0), "gzip"),
        (zlib.compress(b" " * 40_000_000), "deflate"),
        (gzip.compress(gzip.compress(b" " * 40_000_000, mtime=0), mtime=0), "gzip, gzip"),
    ],
    ids=["gzip", "deflate", "gzip-gzip"],  # not the bytes: parallel workers must collect the same names
)
def test_a_compression_bomb_is_refused_without_being_decoded(body: bytes, encoding: str) -> None:
    client = _client(body, encoding)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as err:
            client.get("https://a.example/")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.code in ("too-large", "unsupported-encoding")
    assert peak < 5_000_000  # the cap is 10 kB; 40 MB were packed


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (gzip.compress(b'{"a": 1}', mtime=0), "gzip"),
        (gzip.compress(b'{"a": 1}', mtime=0), "x-gzip"),
        (zlib.compress(b'{"a": 1}'), "deflate"),
        (zlib.compress(b'{"a": 1}')[2:-4], "deflate"),  # raw DEFLATE, as some servers send it
        (b'{"a": 1}', "identity"),
        (b'{"a": 1}', ""),
    ],
    ids=["gzip", "x-gzip", "deflate", "raw-deflate", "identity", "none"],
)
def test_a_coded_body_within_the_cap_is_decoded(body: bytes, encoding: str) -> None:
    assert _client(body, encoding).get("https://a.example/").body == b'{"a": 1}'


@pytest.mark.parametrize("encoding", ["br", "zstd", "compress", "gzip, br"])
def test_a_coding_not_asked_for_is_refused(encoding: str) -> None:
    with pytest.raises(FetchError) as err:
        _client(b"xx", encoding).get("https://a.example/")
    assert err.value.code == "unsupported-encoding"


def test_a_corrupt_coded_body_is_a_fetch_error() -> None:
    with pytest.raises(FetchError) as err:
        _client(b"not gzip at all", "gzip").get("https://a.example/")
    assert err.value.code == "bad-encoding"
