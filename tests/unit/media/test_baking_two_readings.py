"""A baked image that two readers read differently is refused (found by an outside round on the parsing
layers): a PNG with a ``tEXt`` or ``zTXt`` chunk keyed ``openbadgecredential`` beside the ``iTXt`` one
(Pillow's ``Image.text`` gives the later chunk, we read the ``iTXt``), and an SVG credential element
with a JWS in ``verify`` and a credential in its text (we read the attribute; a reader of the text, the
other form OB 3.0 §5.3.2 allows, sees the other one)."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image

from media.baking import OB3_SVG_NAMESPACE, BakingError, bake_png, bake_svg, unbake_png, unbake_svg

GENUINE = json.dumps({"type": ["VerifiableCredential"], "name": "genuine"})
FORGED = json.dumps({"type": ["VerifiableCredential"], "name": "forged"})
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUuZWR1In0.c2lnbmF0dXJl"


def _chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2, 2)).save(out, "PNG")
    return out.getvalue()


def _pillow_text(png: bytes) -> str:
    """What Pillow, a reader that collects a PNG's text by keyword, gives for the credential's keyword."""
    image = Image.open(io.BytesIO(png))
    image.load()
    return str(image.info["openbadgecredential"])


def _before_iend(png: bytes, extra: bytes) -> bytes:
    at = png.rindex(b"IEND") - 4
    return png[:at] + extra + png[at:]


@pytest.mark.parametrize(
    "extra",
    [
        _chunk(b"tEXt", b"openbadgecredential\0" + FORGED.encode()),
        _chunk(b"zTXt", b"openbadgecredential\0\0" + zlib.compress(FORGED.encode())),
    ],
    ids=["tEXt", "zTXt"],
)
def test_a_png_with_another_text_chunk_of_the_keyword_is_refused(extra: bytes) -> None:
    image = _before_iend(bake_png(_png(), GENUINE), extra)
    assert _pillow_text(image) == FORGED  # what another reader shows
    with pytest.raises(BakingError) as excinfo:
        unbake_png(image)
    assert excinfo.value.code == "png_credential_duplicate"
    # Baked again, the image holds the one credential: no other chunk of the keyword is kept.
    rebaked = bake_png(image, GENUINE)
    assert unbake_png(rebaked) == GENUINE
    assert _pillow_text(rebaked) == GENUINE


def test_other_text_chunks_are_still_read_past() -> None:
    image = _before_iend(bake_png(_png(), GENUINE), _chunk(b"tEXt", b"Comment\0" + FORGED.encode()))
    assert unbake_png(image) == GENUINE


def test_an_svg_credential_with_both_verify_and_text_is_refused() -> None:
    svg = bake_svg('<svg xmlns="http://www.w3.org/2000/svg"></svg>', JWS)
    both = svg.replace("></openbadges:credential>", f"><![CDATA[{FORGED}]]></openbadges:credential>")
    assert f'xmlns:openbadges="{OB3_SVG_NAMESPACE}"' in both and both != svg
    with pytest.raises(BakingError) as excinfo:
        unbake_svg(both)
    assert excinfo.value.code == "svg_credential_ambiguous"
    # Each form alone is read; whitespace beside the attribute is no second credential.
    assert unbake_svg(svg) == JWS
    assert unbake_svg(svg.replace("></openbadges:credential>", ">\n  </openbadges:credential>")) == JWS
    assert unbake_svg(bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', GENUINE)) == GENUINE


def test_an_openbadges_credential_element_in_another_namespace_is_refused() -> None:
    # Read by its qualified name (minidom's getElementsByTagName, a bakery matching the tag), the forged
    # element is the credential; read by namespace, only the genuine one is.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:example:not-ob">'
        f'<openbadges:credential verify="{JWS}x"/>'
        f'<ob:credential xmlns:ob="{OB3_SVG_NAMESPACE}" verify="{JWS}"/></svg>'
    )
    for image in (svg, svg.replace(f'<ob:credential xmlns:ob="{OB3_SVG_NAMESPACE}" verify="{JWS}"/>', "")):
        with pytest.raises(BakingError) as excinfo:
            unbake_svg(image)
        assert excinfo.value.code == "svg_namespace_conflict"
    # The OB 3.0 namespace under any prefix, the SVG one under a prefix: read as before.
    prefixed = (
        '<s:svg xmlns:s="http://www.w3.org/2000/svg">'
        f'<ob:credential xmlns:ob="{OB3_SVG_NAMESPACE}" verify="{JWS}"/></s:svg>'
    )
    assert unbake_svg(prefixed) == JWS


def test_a_credential_chunk_after_iend_is_refused() -> None:
    forged = _chunk(b"iTXt", b"openbadgecredential\0\0\0\0\0" + FORGED.encode())
    for image in (bake_png(_png(), GENUINE) + forged, _png() + forged):
        with pytest.raises(BakingError) as excinfo:
            unbake_png(image)
        assert excinfo.value.code == "png_credential_duplicate"
    # Other bytes after IEND are still ignored.
    assert unbake_png(bake_png(_png(), GENUINE) + b"trailing bytes") == GENUINE
