"""The default badge fits CJK titles, renders to PNG (resvg) and prints on the PDF certificate."""

from __future__ import annotations

import datetime as dt
import re
import struct
from pathlib import Path

import pytest

from media.badge_image import MAX_ISSUER_CHARS, MAX_TITLE_CHARS, default_badge_svg, shorten, text_width
from media.certificate import CertificateText, certificate_pdf
from media.errors import MediaError
from media.qr import qr_png
from media.render import svg_to_png

LONG_JA = "航空一般知識のマイクロ認定資格（航空経営学ディプロマから分割された科目群の修了証明）"
TOO_LONG = LONG_JA * 3


def _lines(svg: str) -> tuple[int, list[str]]:
    size = re.search(r'font-weight="700" font-size="(\d+)"', svg)
    assert size
    return int(size.group(1)), re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)


@pytest.mark.parametrize(
    "title",
    ["航空一般知識のマイクロ認定資格", LONG_JA, "Micro-Certification in Aircraft General Knowledge", "Data"],
)
def test_titles_fit_the_seal(title: str) -> None:
    size, lines = _lines(default_badge_svg(title, "東京工業大学", lang="ja"))
    assert 1 <= len(lines) <= 3
    assert all(text_width(line) * size <= 370 + 1e-6 for line in lines), (lines, size)
    assert len(lines) * round(size * 1.2) <= 150  # between the star and the issuer band
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")  # shrunk, nothing cut
    if any(ord(c) > 0x2E80 for c in title):
        assert size < 48 or len(lines) == 1


def test_a_title_too_long_for_the_smallest_size_is_cut() -> None:
    size, lines = _lines(default_badge_svg(TOO_LONG, "東京工業大学"))
    assert size == 24 and len(lines) == 3 and lines[-1].endswith("…")


def test_japanese_description_and_language() -> None:
    svg = default_badge_svg("航空一般知識", "東京工業大学", lang="ja")
    assert 'xml:lang="ja"' in svg and "バッジ「航空一般知識」（発行者: 東京工業大学）" in svg


def test_svg_renders_to_a_png_of_the_asked_width() -> None:
    png = svg_to_png(default_badge_svg("航空一般知識", "東京工業大学", lang="ja"), width=256)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", png[16:24]) == (256, 256)
    with pytest.raises(MediaError):
        svg_to_png("<svg")
    with pytest.raises(MediaError):
        svg_to_png("   ")


def test_certificate_embeds_its_font_or_falls_back(tmp_path: Path) -> None:
    text = CertificateText(
        "ja",
        "修了証",
        "航空一般知識",
        "田中愛子 殿",
        "発行者: 東京工業大学",
        "発行日: 2026年12月7日",
        "検証:",
        "https://x.example/c/1",
    )
    png = svg_to_png(default_badge_svg("航空一般知識", "東京工業大学"), width=128)
    when = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    pdf = certificate_pdf(text, badge_png=png, qr_png=qr_png(text.url), created=when)
    assert pdf.startswith(b"%PDF-") and b"/Lang (ja)" in pdf and b"https://x.example/c/1" in pdf
    assert pdf == certificate_pdf(text, badge_png=png, qr_png=qr_png(text.url), created=when)  # deterministic
    fallback = certificate_pdf(
        text, badge_png=png, qr_png=qr_png(text.url), created=when, fonts=[tmp_path / "none.ttf"]
    )
    assert b"/Helvetica" in fallback and b"/FontFile2" not in fallback


def test_a_long_title_or_issuer_is_cut_before_it_is_measured() -> None:
    """Found by an outside fuzzing round: a 15 KB issuer name took 10 s of CPU to shorten (a character
    dropped and the rest measured again, each time), and a pasted credential's badge is drawn before it is
    verified. What shows is the same whatever follows the part that can show."""
    long_title, long_issuer = "Data Analysis " * 20_000, "University of Tokyo " * 20_000
    cut = default_badge_svg(long_title[:MAX_TITLE_CHARS], long_issuer[:MAX_ISSUER_CHARS])
    assert default_badge_svg(long_title, long_issuer) == cut
    for text, width in (
        ("University of Tokyo, Faculty of Letters", 12.0),
        ("東京大学大学院", 4.5),
        ("ab", 1.0),
    ):
        short = shorten(text, width)
        assert short.endswith("…") and text_width(short) <= width and text.startswith(short[:-1])
        kept = len(short) - 1
        while kept < len(text) and text[kept] == " ":  # the cut is made before trailing spaces go
            kept += 1
        assert text_width(text[: kept + 1] + "…") > width  # one more character would not fit
