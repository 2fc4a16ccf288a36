"""Open Badges 3.0 baked badges (OB 3.0 §5.3 "Baked Badge"; standards.md §1.5).

* **PNG**: one ``iTXt`` chunk, keyword ``openbadgecredential``, compression flag 0, empty language tag
  and translated keyword; its text is the credential (the JSON of a credential with an embedded proof,
  or the compact JWS of a VC-JWT). It is inserted before ``IEND``; an existing one is replaced, since
  the chunk MUST NOT appear more than once.
* **SVG**: the root ``<svg>`` gets ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` and, directly
  after its start tag, one ``<openbadges:credential>`` element: a JWS goes into its ``verify`` attribute,
  JSON into its body as CDATA. Existing credential elements are removed first.

The SVG is parsed with the standard library's expat (not ``xml.etree``; ``defusedxml`` is not a
dependency) with the guards defusedxml would add: a document type declaration with an internal subset is
refused before that subset is read, any entity declaration or reference to an undeclared entity is
refused, and no external DTD or entity is ever loaded, so nothing can be expanded or fetched (no billion
laughs, no XXE). A bare ``<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" ...>``, as drawing programs and
the 1EdTech validator's own samples write it, is accepted: it declares nothing. Expat only reports
where things are; the edits are splices of the original text, so the rest of the image is kept byte for byte.

Pure functions, no I/O. Every failure is a :class:`BakingError` with a stable ``code``.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Literal
from xml.parsers import expat

from media.errors import MediaError

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_PNG_CHUNKS",
    "MAX_SVG_ELEMENTS",
    "MAX_SVG_NAMESPACES",
    "OB3_SVG_NAMESPACE",
    "PNG_SIGNATURE",
    "BakingError",
    "bake_png",
    "bake_svg",
    "detect",
    "unbake_png",
    "unbake_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


_PNG_KEYWORD = b"openbadgecredential"


OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


_SVG_NAMESPACE = "http://www.w3.org/2000/svg"


MAX_IMAGE_BYTES = 10 * 1024 * 1024  # an input image, and a baked output


_MAX_CREDENTIAL_BYTES = 4 * 1024 * 1024  # UTF-8 length of the credential text


# The most elements an SVG may have, and chunks a PNG: each costs about a microsecond of CPU to read (a
# file of 1 MiB can hold 260,000 empty elements or 87,000 empty chunks: 0.2 s and 0.17 s before it was
# refused). Badge art holds hundreds of elements (a detailed drawing a few thousand) and tens of chunks
# (an encoder writes its image data in chunks of 8-64 KiB).
MAX_SVG_ELEMENTS = 20_000
MAX_SVG_NAMESPACES = 1_000
MAX_PNG_CHUNKS = 4_096


_MAX_PNG_CHUNK = 2**31 - 1  # PNG §5.3: chunk lengths are at most 2^31 - 1 (smaller here via MAX_IMAGE_BYTES)


_JWS_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


# XML 1.0 §2.2 Char: what may appear in a document at all (as text, CDATA or a character reference).
_XML_INVALID_RE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


_CredentialKind = Literal["json", "jwt"]


class BakingError(MediaError):
    """An image or credential cannot be baked or read; ``code`` is a stable machine-readable reason.

    Codes: ``credential_too_large``, ``credential_unrecognized``, ``credential_invalid_chars``,
    ``image_too_large``, ``png_signature``, ``png_truncated``, ``png_chunk``, ``png_crc``,
    ``png_structure``, ``png_credential_duplicate``, ``png_credential_compressed``,
    ``png_credential_encoding``, ``svg_doctype``, ``svg_entity``, ``svg_malformed``, ``svg_not_svg``,
    ``svg_namespace_conflict``, ``svg_credential_duplicate``, ``svg_credential_empty``,
    ``svg_credential_ambiguous``, ``svg_too_complex``.
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code


# --------------------------------------------------------------------------------------------- credential


def _credential_kind(credential: str) -> _CredentialKind:
    """Classify the text to bake: a compact JWS (``jwt``) or the JSON of one credential (``json``)."""
    try:
        size = len(credential.encode("utf-8"))
    except UnicodeEncodeError:
        raise BakingError("credential_invalid_chars", "the credential is not valid Unicode") from None
    if size > _MAX_CREDENTIAL_BYTES:
        raise BakingError("credential_too_large")
    if _JWS_RE.fullmatch(credential):
        return "jwt"
    if credential.strip().startswith("{"):
        try:
            parsed = json.loads(credential)
        except (ValueError, RecursionError):
            raise BakingError("credential_unrecognized", "the credential is not valid JSON") from None
        if isinstance(parsed, dict):
            return "json"
    raise BakingError("credential_unrecognized", "the credential is neither a JSON object nor a compact JWS")


# ------------------------------------------------------------------------------------------------------ PNG


@dataclass(frozen=True, slots=True)
class _Chunk:
    type: bytes
    data: bytes


def _png_chunks(image: bytes) -> list[_Chunk]:
    """Parse and check a whole PNG datastream up to ``IEND`` (signature, lengths, types, CRCs, order).

    Bytes after ``IEND`` are ignored (and dropped when baking).
    """
    if len(image) > MAX_IMAGE_BYTES:
        raise BakingError("image_too_large")
    if not image.startswith(PNG_SIGNATURE):
        raise BakingError("png_signature")
    chunks: list[_Chunk] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 8 > len(image):
            raise BakingError("png_truncated")
        length, ctype = struct.unpack_from(">I4s", image, pos)
        if length > _MAX_PNG_CHUNK or not all(65 <= c <= 90 or 97 <= c <= 122 for c in ctype):
            raise BakingError("png_chunk", f"invalid chunk header at offset {pos}")
        end = pos + 8 + length + 4
        if end > len(image):
            raise BakingError("png_truncated")
        data = image[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", image, pos + 8 + length)
        if zlib.crc32(ctype + data) != crc:
            raise BakingError("png_crc", f"CRC mismatch in {ctype.decode('ascii')} chunk at offset {pos}")
        if not chunks and (ctype != b"IHDR" or length != 13):
            raise BakingError("png_structure", "the first chunk is not a 13-byte IHDR")
        chunks.append(_Chunk(ctype, data))
        if len(chunks) > MAX_PNG_CHUNKS:
            raise BakingError("png_structure", f"the PNG has more than {MAX_PNG_CHUNKS} chunks")
        pos = end
        if ctype == b"IEND":
            return chunks


def _is_credential_chunk(chunk: _Chunk) -> bool:
    return chunk.type == b"iTXt" and chunk.data.startswith(_PNG_KEYWORD + b"\0")


def _names_credential(chunk: _Chunk) -> bool:
    """A text chunk of any kind (``tEXt``, ``zTXt``, ``iTXt``) with the credential's keyword: readers that
    collect a PNG's text by keyword (Pillow's ``Image.text``, for one) give the last of them."""
    return chunk.type in (b"tEXt", b"zTXt", b"iTXt") and chunk.data.startswith(_PNG_KEYWORD + b"\0")


def _encode_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def bake_png(image: bytes, credential: str) -> bytes:
    """Return ``image`` with ``credential`` in an ``openbadgecredential`` iTXt chunk (replacing any)."""
    _credential_kind(credential)
    chunks = _png_chunks(image)
    # iTXt: keyword NUL, compression flag 0, method 0, language tag "" NUL, translated keyword "" NUL, text.
    payload = _PNG_KEYWORD + b"\0\0\0\0\0" + credential.encode("utf-8")
    out = [PNG_SIGNATURE]
    for chunk in chunks:
        if _names_credential(chunk):  # any text chunk with the keyword, lest a second one remain
            continue
        if chunk.type == b"IEND":
            out.append(_encode_chunk(b"iTXt", payload))
        out.append(_encode_chunk(chunk.type, chunk.data))
    baked = b"".join(out)
    if len(baked) > MAX_IMAGE_BYTES:
        raise BakingError("image_too_large")
    return baked


def unbake_png(image: bytes) -> str | None:
    """The credential text baked into a PNG, or ``None`` if there is none.

    The whole datastream is checked (CRCs included); a second ``openbadgecredential`` chunk (a MUST NOT
    of the spec, and an ambiguity) and a compressed one are refused rather than guessed at. A ``tEXt`` or
    ``zTXt`` chunk with that keyword beside the ``iTXt`` one is a second one too: a reader that collects
    text by keyword would show it instead of the credential verified here, and so would one after
    ``IEND`` to a reader that walks chunks to the end of the file.
    """
    chunks = _png_chunks(image)
    if sum(_names_credential(chunk) for chunk in chunks) > 1:  # two readings: which one is meant?
        raise BakingError("png_credential_duplicate")
    # After IEND nothing is read; a reader that walks chunks to the end of the file would find one there.
    if _PNG_KEYWORD + b"\0" in image[len(PNG_SIGNATURE) + sum(12 + len(c.data) for c in chunks) :]:
        raise BakingError("png_credential_duplicate", "a credential chunk after IEND")
    found: str | None = None
    for chunk in chunks:
        if not _is_credential_chunk(chunk):
            continue
        rest = chunk.data[len(_PNG_KEYWORD) + 1 :]
        if len(rest) < 2:
            raise BakingError("png_chunk", "truncated iTXt header")
        if rest[0] != 0:
            raise BakingError("png_credential_compressed", "the credential iTXt chunk must not be compressed")
        parts = rest[2:].split(b"\0", 2)  # language tag, translated keyword, text
        if len(parts) != 3:
            raise BakingError("png_chunk", "malformed iTXt chunk")
        try:
            found = parts[2].decode("utf-8")
        except UnicodeDecodeError:
            raise BakingError("png_credential_encoding", "the iTXt text is not UTF-8") from None
    return found


# ------------------------------------------------------------------------------------------------------ SVG


def _check_doctype(_name: str, _system_id: str | None, _public_id: str | None, internal_subset: int) -> None:
    # Called before the internal subset is read: refusing here means no declaration in it is ever seen.
    if internal_subset:
        raise BakingError("svg_doctype", "SVG documents with an internal DTD subset are refused")


def _refuse_entity(*_args: object) -> None:
    raise BakingError("svg_entity", "SVG documents declaring or using entities are refused")


def _refuse_external(_context: str, _base: str | None, _system_id: str | None, _public_id: str | None) -> int:
    raise BakingError("svg_entity", "SVG documents referring to external entities are refused")


@dataclass(slots=True)
class _SvgScan:
    """What one expat pass learned; offsets are into the UTF-8 encoding of the document."""

    data: bytes
    root_start: int = -1
    root_name: str = ""
    root_prefixes: dict[str, str] = field(default_factory=dict)
    credentials: list[tuple[int, int]] = field(default_factory=list)  # [start, end) of each (outermost)
    first_verify: str | None = None
    first_text: list[str] = field(default_factory=list)


def _start_tag_end(data: bytes, start: int) -> tuple[int, bool]:
    """Offset just past the start tag at ``start`` (``data[start] == b"<"``), and whether it is ``/>``.

    Only called on text expat has accepted, so attribute values are properly quoted; they may contain
    ``>`` but never the quote that opened them.
    """
    quote = 0
    for i in range(start + 1, len(data)):
        c = data[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):  # " '
            quote = c
        elif c == 0x3E:  # >
            return i + 1, data[i - 1] == 0x2F  # /
    raise BakingError("svg_malformed", "unterminated start tag")  # pragma: no cover - expat rejects it


def _split_name(name: str) -> tuple[str, str]:
    """Expat's ``uri local prefix``: the expanded name (``uri local``, or ``local``) and the prefix."""
    parts = name.split(" ")
    return (" ".join(parts[:2]), parts[2]) if len(parts) == 3 else (name, "")


def _scan_svg(svg: str) -> _SvgScan:
    try:
        data = svg.encode("utf-8")
    except UnicodeEncodeError:
        raise BakingError("svg_malformed", "the SVG text is not valid Unicode") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError("image_too_large")
    # Namespace declarations cost expat more than elements (60,000 of them: 56-94 ms); a drawing declares
    # a handful. Counted in the bytes: a declaration's name is never written with a reference.
    if data.count(b"xmlns") > MAX_SVG_NAMESPACES:
        raise BakingError("svg_too_complex", f"the SVG declares more than {MAX_SVG_NAMESPACES} namespaces")
    scan = _SvgScan(data)
    # The text was encoded here, so UTF-8 it is, whatever an XML declaration says.
    parser = expat.ParserCreate(encoding="utf-8", namespace_separator=" ")
    parser.namespace_prefixes = True  # names come as "uri local prefix": the prefix is judged too
    parser.buffer_text = True
    # A bare <!DOCTYPE svg PUBLIC ...> (as editors write it) is accepted, its DTD never read; an internal
    # subset, where entities would be declared, is refused, and so is any entity declaration or use.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _check_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.SkippedEntityHandler = _refuse_entity
    credential_name = f"{OB3_SVG_NAMESPACE} credential"
    pending: dict[str, str] = {}
    state = {"depth": 0, "inside": 0, "start": -1, "empty": 0, "first": 0, "count": 0}

    def start_ns(prefix: str | None, uri: str | None) -> None:
        pending[prefix or ""] = uri or ""

    ours = f"{OB3_SVG_NAMESPACE} "

    def start(qualified: str, attrs: dict[str, str]) -> None:
        state["count"] += 1
        if state["count"] > MAX_SVG_ELEMENTS:
            raise BakingError("svg_too_complex", f"the SVG has more than {MAX_SVG_ELEMENTS} elements")
        if state["depth"] and not qualified.startswith(ours) and not qualified.endswith(" openbadges"):
            state["depth"] += 1  # an element of the drawing: nothing more to learn (most of them)
            return
        name, prefix = _split_name(qualified)
        if prefix == "openbadges" and name.endswith(" credential") and name != credential_name:
            # Read by its qualified name (getElementsByTagName, a bakery's tag match), this element is
            # the credential; read by namespace, as here, it is not there: two readings.
            raise BakingError(
                "svg_namespace_conflict", "an openbadges:credential element outside the OB 3.0 namespace"
            )
        state["depth"] += 1
        if state["depth"] == 1:
            scan.root_start = parser.CurrentByteIndex
            scan.root_name = name
            scan.root_prefixes = dict(pending)
            parser.StartNamespaceDeclHandler = None  # only the root's declarations are kept
        if name == credential_name and state["inside"]:  # one inside another: two credentials all the same
            raise BakingError("svg_credential_duplicate", "an openbadges:credential element inside another")
        if name == credential_name and state["depth"] > 1:
            state["inside"] = state["depth"]
            state["start"] = parser.CurrentByteIndex
            state["first"] = int(not scan.credentials)
            if state["first"]:
                scan.first_verify = attrs.get("verify")
                parser.CharacterDataHandler = text  # text is read inside the first credential only
            tag_end, empty = _start_tag_end(data, parser.CurrentByteIndex)
            state["empty"] = int(empty)
            if empty:  # <x/>: the element ends with its start tag
                scan.credentials.append((parser.CurrentByteIndex, tag_end))

    def end(_qualified: str) -> None:
        if state["inside"] == state["depth"]:
            state["inside"] = 0
            state["first"] = 0
            parser.CharacterDataHandler = None
            if not state["empty"]:  # expat points at "</"; an end tag holds no quoted ">"
                close = data.index(b">", parser.CurrentByteIndex) + 1
                scan.credentials.append((state["start"], close))
        state["depth"] -= 1

    def text(content: str) -> None:
        if state["first"]:
            scan.first_text.append(content)

    parser.StartNamespaceDeclHandler = start_ns
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise BakingError("svg_malformed", f"not well-formed XML: {exc}") from None
    if scan.root_name not in ("svg", f"{_SVG_NAMESPACE} svg"):
        raise BakingError("svg_not_svg", "the root element is not <svg>")
    return scan


def _xml_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _cdata(text: str) -> str:
    """``text`` as CDATA that parses back to exactly ``text``.

    ``]]>`` would end the section and a CR would be turned into LF by end-of-line handling (XML §2.11),
    so both are split out (the CR as a character reference between two sections).
    """
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


def bake_svg(svg: str, credential: str) -> str:
    """Return ``svg`` with ``credential`` baked in (OB 3.0 §5.3.2), replacing any credential element."""
    kind = _credential_kind(credential)
    if _XML_INVALID_RE.search(credential):
        raise BakingError("credential_invalid_chars", "the credential holds characters XML cannot carry")
    scan = _scan_svg(svg)
    bound = scan.root_prefixes.get("openbadges")
    if bound is not None and bound != OB3_SVG_NAMESPACE:
        raise BakingError(
            "svg_namespace_conflict", f"the prefix 'openbadges' is already bound to {bound!r} on <svg>"
        )
    if kind == "jwt":
        element = f'<openbadges:credential verify="{_xml_attr(credential)}"></openbadges:credential>'
    else:
        element = f"<openbadges:credential>{_cdata(credential)}</openbadges:credential>"
    data = scan.data
    tag_end, empty_root = _start_tag_end(data, scan.root_start)
    declaration = "" if bound is not None else f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"'
    edits: list[tuple[int, int, bytes]] = [(start, end, b"") for start, end in scan.credentials]
    if empty_root:  # <svg .../> becomes <svg ...>element</svg>
        edits.append((tag_end - 2, tag_end, f"{declaration}>{element}</svg>".encode()))
    else:
        edits.append((tag_end, tag_end, element.encode()))
        edits.append((tag_end - 1, tag_end - 1, declaration.encode()))
    # Right to left, so earlier offsets stay valid; at one offset, the removal goes before the insertion.
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        data = data[:start] + replacement + data[end:]
    if len(data) > MAX_IMAGE_BYTES:
        raise BakingError("image_too_large")
    return data.decode("utf-8")


def unbake_svg(svg: str) -> str | None:
    """The credential baked into an SVG (its ``openbadges:credential`` element), or ``None``.

    The element is matched by namespace, whatever its prefix. It holds a VC-JWT in its ``verify``
    attribute or JSON in its text (usually CDATA, returned without surrounding whitespace), not both: a
    reader taking the text would show another credential than the one verified (OB 3.0 §5.3.2 puts a JWS
    in ``verify``, "otherwise" the JSON in CDATA).
    """
    scan = _scan_svg(svg)
    if not scan.credentials:
        return None
    if len(scan.credentials) > 1:
        raise BakingError("svg_credential_duplicate", "more than one openbadges:credential element")
    body = "".join(scan.first_text).strip()
    if scan.first_verify is not None and scan.first_verify.strip():
        if body:  # a JWS in the attribute and a credential in the text: two readings
            raise BakingError(
                "svg_credential_ambiguous", "the openbadges:credential element has both verify and text"
            )
        return scan.first_verify.strip()
    if not body:
        raise BakingError("svg_credential_empty", "the openbadges:credential element is empty")
    return body


# --------------------------------------------------------------------------------------------------- detect

# The prolog: whitespace, XML declaration, processing instructions, comments, a DOCTYPE (sniffed, not read).
_XML_PROLOG_RE = re.compile(rb"(?:\s|<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.S)


_SVG_ROOT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?svg[\s/>]")


def detect(data: bytes) -> Literal["png", "svg", "json", "jwt", "unknown"]:
    """Sniff what an uploaded document is: a PNG, an SVG, a credential as JSON, a compact JWS, or unknown.

    A sniff only (for SVG: the first element after the prolog is ``svg``); the functions above check.
    """
    if data.startswith(PNG_SIGNATURE):
        return "png"
    text = data.removeprefix(b"\xef\xbb\xbf").strip()
    if text.startswith(b"<"):
        prolog = _XML_PROLOG_RE.match(text, 0, min(len(text), 65536))
        root = prolog.end() if prolog else 0
        return "svg" if _SVG_ROOT_RE.match(text, root) else "unknown"
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    if _JWS_RE.fullmatch(decoded):
        return "jwt"
    if decoded.startswith("{"):
        try:
            return "json" if isinstance(json.loads(decoded), dict) else "unknown"
        except (ValueError, RecursionError):
            return "unknown"
    return "unknown"
