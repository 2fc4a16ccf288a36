"""What an image costs to read before it is refused is bounded (found by an outside round on the parsing
layers): an upload of 1 MiB (the body limit) holding 87,000 empty PNG chunks, 260,000 empty SVG elements
or 60,000 namespace declarations cost 0.1-0.35 s of CPU before it was refused as carrying no credential.
Such images are refused by count, with their own problem codes; badge art far below the bounds is read as
before. The cost itself is a benchmark, not a test: ``bench/refusal_cost.py`` prints it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from media.baking import (
    MAX_PNG_CHUNKS,
    MAX_SVG_ELEMENTS,
    MAX_SVG_NAMESPACES,
    PNG_SIGNATURE,
    BakingError,
    bake_png,
    bake_svg,
    unbake_png,
    unbake_svg,
)

JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUuZWR1In0.c2lnbmF0dXJl"
MIB = 1024 * 1024
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg">'


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _png(extra: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + extra
        + _chunk(b"IDAT", zlib.compress(b"\0\0"))
        + _chunk(b"IEND", b"")
    )


def _refused_cheaply(read: Callable[[Any], object], image: Any, code: str) -> None:
    with pytest.raises(BakingError) as excinfo:
        read(image)
    assert excinfo.value.code == code


def test_a_png_of_many_chunks_is_refused_cheaply() -> None:
    _refused_cheaply(unbake_png, _png(_chunk(b"teXt", b"") * (MIB // 12)), "png_structure")
    # Image data split into many chunks, below the bound, is read.
    data = zlib.compress(b"\0\0")
    split = b"".join(_chunk(b"IDAT", data[i : i + 1]) for i in range(len(data)))
    assert unbake_png(bake_png(_png(split), JWS)) == JWS
    assert MAX_PNG_CHUNKS >= 1024


@pytest.mark.parametrize("element", ["<g/>", "<g> </g>", '<a:g xmlns:a="urn:x"/>'])
def test_an_svg_of_many_elements_is_refused_cheaply(element: str) -> None:
    svg = SVG_OPEN + element * (MIB // len(element)) + "</svg>"
    _refused_cheaply(unbake_svg, svg, "svg_too_complex")


def test_an_svg_of_many_namespace_declarations_is_refused_cheaply() -> None:
    declarations = " ".join(f'xmlns:a{i}="urn:x"' for i in range(60_000))
    for svg in (f"{SVG_OPEN[:-1]} {declarations}/>", f"{SVG_OPEN}<g {declarations}/></svg>"):
        _refused_cheaply(unbake_svg, svg, "svg_too_complex")


def test_a_large_drawing_below_the_bounds_is_read() -> None:
    drawing = SVG_OPEN + '<path d="M0 0L1 1"/>' * (MAX_SVG_ELEMENTS - 10) + "</svg>"
    assert unbake_svg(bake_svg(drawing, JWS)) == JWS
    assert MAX_SVG_NAMESPACES >= 100
