"""A printable certificate (PDF, A4 landscape) of a credential: the badge art, the achievement, the
learner, the issuer, the dates, the credential's QR code and its verification URL (fpdf2).

Text is set in an embedded TrueType font, subset to the characters used: the first of ``fonts`` that
exists (a Japanese face such as IPAex Gothic for CJK text; ``fonts-ipaexfont-gothic`` in Debian), else
PDF's core Helvetica, whose Latin-1 cannot show other characters (they print as "?").
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

__all__ = ["CERTIFICATE_FONTS", "CertificateText", "certificate_pdf"]

CERTIFICATE_FONTS = (
    Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
    Path("/usr/share/fonts/truetype/fonts-japanese-gothic.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)


@dataclass(frozen=True, slots=True)
class CertificateText:
    """The words on the certificate, already in the reader's language."""

    lang: str
    heading: str  # "Certificate" / "修了証"
    achievement: str
    awarded_to: str  # "This certifies that" line with the learner's name
    issuer: str
    dates: str
    verify_line: str  # "Verify at"
    url: str


def _font(pdf: FPDF, fonts: Sequence[Path]) -> str:
    for path in fonts:
        if path.is_file():
            pdf.add_font("body", "", str(path))
            return "body"
    return "helvetica"


def _safe(text: str, family: str) -> str:
    return text if family != "helvetica" else text.encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(
    text: CertificateText,
    *,
    badge_png: bytes,
    qr_png: bytes,
    created: dt.datetime,
    fonts: Sequence[Path] = CERTIFICATE_FONTS,
) -> bytes:
    """The certificate as PDF bytes, dated ``created`` (the same input gives the same bytes)."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_creation_date(created)
    pdf.set_lang(text.lang)
    pdf.set_title(f"{text.heading}: {text.achievement}")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    family = _font(pdf, fonts)
    pdf.set_draw_color(31, 78, 121)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.image(io.BytesIO(badge_png), x=20, y=22, w=60, h=60)
    pdf.set_text_color(26, 26, 26)
    pdf.set_xy(90, 24)
    pdf.set_font(family, size=14)
    pdf.cell(180, 10, _safe(text.heading, family))
    pdf.set_xy(90, 36)
    pdf.set_font(family, size=24)
    pdf.multi_cell(180, 11, _safe(text.achievement, family), align="L")
    pdf.set_xy(90, pdf.get_y() + 6)
    pdf.set_font(family, size=16)
    pdf.multi_cell(180, 9, _safe(text.awarded_to, family), align="L")
    pdf.set_xy(90, pdf.get_y() + 4)
    pdf.set_font(family, size=13)
    pdf.multi_cell(180, 7, _safe(text.issuer, family), align="L")
    pdf.set_x(90)
    pdf.multi_cell(180, 7, _safe(text.dates, family), align="L")
    pdf.image(io.BytesIO(qr_png), x=20, y=138, w=48, h=48)
    pdf.set_xy(74, 160)
    pdf.set_font(family, size=11)
    pdf.cell(200, 6, _safe(text.verify_line, family))
    pdf.set_xy(74, 167)
    pdf.set_text_color(11, 79, 156)
    pdf.cell(200, 6, _safe(text.url, family), link=text.url)
    return bytes(pdf.output())
