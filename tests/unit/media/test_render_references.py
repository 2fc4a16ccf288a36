"""Badge art rendered to PNG reads nothing from the server's disk (found by an outside fuzzing round: an
``<image href="/path">`` in a tenant's SVG art put a file of the server into badge.png and the
certificate): every href that is not ``data:`` or ``#id`` is dropped before resvg sees the SVG."""

from __future__ import annotations

from pathlib import Path

from media.render import svg_to_png, without_external_references

_SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40">{}</svg>'
_RED = '<rect width="40" height="40" fill="#ff0000"/>'


def test_a_file_on_the_server_is_not_rendered(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(svg_to_png(_SVG.format(_RED), width=40))
    blank = svg_to_png(_SVG.format(""), width=40)
    for attribute in ("href", "xlink:href"):
        image = f'<image {attribute}="{secret}" width="40" height="40"/>'
        assert svg_to_png(_SVG.format(image), width=40) == blank, attribute
        file_url = f'<image {attribute}="file://{secret}" width="40" height="40"/>'
        assert svg_to_png(_SVG.format(file_url), width=40) == blank, attribute


def test_data_urls_and_local_references_stay() -> None:
    kept = '<use href="#a"/><image href="data:image/png;base64,AAAA"/><image xlink:href=\'#b\'/>'
    assert without_external_references(kept) == kept
    assert without_external_references('<image href="/etc/x.png"/>') == "<image />"
    assert without_external_references('<image x:HREF = "&secret;"/>') == "<image />"
