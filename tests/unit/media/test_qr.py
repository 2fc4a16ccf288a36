"""proofs.qr: the PNG is decoded back to the URL by a small reader written here (no QR library decodes in
this environment), and the SVG is checked for its size and accessibility attributes.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.parsers import expat

import pytest

from media.qr import MAX_SCALE, QrError, qr_png, qr_svg

URL = "https://ex.org/v/7Qk2"  # byte mode, fits a version 2 symbol: one block, no interleaving
BORDER = 4


def read_png(png: bytes) -> tuple[int, int, list[list[int]]]:
    """Width, height and 0/1 pixels (1 = dark) of a 1-bit greyscale PNG, every chunk's CRC checked."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header = 8, b"", b""
    while True:
        length, ctype = struct.unpack_from(">I4s", png, pos)
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", png, pos + 8 + length)
        assert zlib.crc32(ctype + data) == crc
        pos += 12 + length
        if ctype == b"IHDR":
            header = data
        elif ctype == b"IDAT":
            idat += data
        elif ctype == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, colour, interlace) == (1, 0, 0)
    raw = zlib.decompress(idat)
    stride = (width + 7) // 8
    previous = bytearray(stride)
    pixels = []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):  # PNG filters, one byte per "pixel" at depth 1
            left = line[i - 1] if i else 0
            up, up_left = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        pixels.append([0 if line[x // 8] >> (7 - x % 8) & 1 else 1 for x in range(width)])
        previous = line
    return width, height, pixels


def decode_qr(modules: list[list[int]]) -> str:
    """Read a byte-mode QR code of version 1 or 2 (single block) from its modules, ignoring EC codewords."""
    size = len(modules)
    version = (size - 17) // 4
    assert version in (1, 2)
    # Format information around the top-left finder (ISO/IEC 18004 §7.9), with its BCH check.
    coords = [(i, 8) for i in range(6)] + [(7, 8), (8, 8), (8, 7)] + [(8, 14 - i) for i in range(9, 15)]
    bits = sum(modules[r][c] << i for i, (r, c) in enumerate(coords)) ^ 0x5412
    data = bits >> 10
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    assert bits & 0x3FF == rem
    mask = data & 7
    # The modules that hold no data: finders with separators and format areas, timing, alignment.
    function = [[False] * size for _ in range(size)]
    for r in range(size):
        for c in range(size):
            if (
                (r < 9 and c < 9)
                or (r < 9 and c >= size - 8)
                or (r >= size - 8 and c < 9)
                or r == 6
                or c == 6
                or (version == 2 and abs(r - 18) <= 2 and abs(c - 18) <= 2)
            ):
                function[r][c] = True
    masks = [
        lambda r, c: (r + c) % 2 == 0,
        lambda r, c: r % 2 == 0,
        lambda r, c: c % 3 == 0,
        lambda r, c: (r + c) % 3 == 0,
        lambda r, c: (r // 2 + c // 3) % 2 == 0,
        lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
        lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
        lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
    ]
    stream: list[int] = []
    right = size - 1
    while right >= 1:  # two-column zigzag from the bottom right, skipping the vertical timing column
        if right == 6:
            right = 5
        upward = ((right + 1) & 2) == 0
        for vert in range(size):
            row = size - 1 - vert if upward else vert
            for col in (right, right - 1):
                if not function[row][col]:
                    stream.append(modules[row][col] ^ int(masks[mask](row, col)))
        right -= 2

    def take(n: int) -> int:
        value = 0
        for _ in range(n):
            value = value << 1 | stream.pop(0)
        return value

    assert take(4) == 0b0100  # byte mode
    count = take(8)
    return bytes(take(8) for _ in range(count)).decode("utf-8")


@pytest.mark.parametrize("scale", [1, 3, 4, 10])
def test_png_decodes_to_the_url_with_a_consistent_size(scale: int) -> None:
    width, height, pixels = read_png(qr_png(URL, scale=scale))
    assert width == height
    assert width % scale == 0
    size = width // scale - 2 * BORDER
    assert size in (21, 25)
    modules = [[pixels[(r + BORDER) * scale][(c + BORDER) * scale] for c in range(size)] for r in range(size)]
    # Each module is a solid scale×scale block, and the quiet zone is light.
    for r in range(size):
        for c in range(size):
            y, x = (r + BORDER) * scale, (c + BORDER) * scale
            assert {pixels[y + dy][x + dx] for dy in range(scale) for dx in range(scale)} == {modules[r][c]}
    assert not any(pixels[y][x] for y in range(BORDER * scale) for x in range(width))
    # Finder pattern corners.
    for r0, c0 in ((0, 0), (0, size - 7), (size - 7, 0)):
        assert [modules[r0 + 3][c0 + i] for i in range(7)] == [1, 0, 1, 1, 1, 0, 1]
    assert decode_qr(modules) == URL


def test_default_png_scale_is_four() -> None:
    width, _, _ = read_png(qr_png(URL))
    assert width == (25 + 2 * BORDER) * 4


def test_svg_is_accessible_and_sized() -> None:
    svg = qr_svg(URL, scale=4, title="Verify this badge")
    root: dict[str, str] = {}
    titles: list[str] = []
    depth = [0]
    in_title = [False]
    parser = expat.ParserCreate()

    def start(name: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        if depth[0] == 1:
            assert name == "svg"
            root.update(attrs)
        in_title[0] = name == "title"

    def end(name: str) -> None:
        depth[0] -= 1
        in_title[0] = False

    def text(data: str) -> None:
        if in_title[0]:
            titles.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.Parse(svg, True)

    side = (25 + 2 * BORDER) * 4
    assert root["xmlns"] == "http://www.w3.org/2000/svg"
    assert (root["width"], root["height"], root["viewBox"]) == (str(side), str(side), f"0 0 {side} {side}")
    assert root["role"] == "img"
    assert root["aria-label"] == "Verify this badge"
    assert "".join(titles) == "Verify this badge"
    assert not svg.startswith("<?xml")  # inlinable in HTML


def test_svg_default_title_is_escaped() -> None:
    url = "https://ex.org/v?a=1&b=<2>"
    svg = qr_svg(url)
    assert 'aria-label="QR code for https://ex.org/v?a=1&amp;b=&lt;2&gt;"' in svg
    assert "<title>QR code for https://ex.org/v?a=1&amp;b=&lt;2&gt;</title>" in svg
    assert re.search(r"<svg [^>]*>", svg)
    assert qr_svg(url, title="  ") == svg  # a blank title falls back to the default


@pytest.mark.parametrize(
    "call",
    [
        lambda: qr_png(""),
        lambda: qr_svg(""),
        lambda: qr_png("https://ex.org/" + "a" * 3000),
        lambda: qr_png(URL, scale=0),
        lambda: qr_svg(URL, scale=MAX_SCALE + 1),
        lambda: qr_png(URL, scale=True),
    ],
)
def test_bad_input_is_refused(call: object) -> None:
    with pytest.raises(QrError):
        call()  # type: ignore[operator]
