"""``relatedResource`` (VC Data Model 2.0 §5.3 Integrity of Related Resources) and the digests of the
resources this service holds.

Each ``relatedResource`` object needs an ``id`` (a URL, unique in the list) and at least a ``digestSRI``
(the Subresource Integrity ``hash-expression`` grammar: ``sha256``/``sha384``/``sha512``, ``-``, standard
base64 of a digest of that length; several separated by spaces) or a ``digestMultibase`` (VC Data
Integrity §2.6: a multibase-encoded multihash; ``z`` base58btc or ``u`` base64url, SHA-2 or SHA-3);
``mediaType``, when present, is a ``type/subtype`` media type. A malformed object is a
``vcdm-related-resource`` violation.

A resource we hold (a bundled JSON-LD context, ``schemas/contexts/manifest.json``) is "retrieved" from
that bundle, so its digest can be computed: a digest that matches none of its known revisions is a
``vcdm-digest-mismatch`` (§5.3: "the conforming verifier implementation MUST produce an error"). The
revisions are the bundled bytes and, for the two W3C base contexts, the bytes whose SHA-256 the
Recommendations publish (VCDM 2.0 §B.1: ``59955ced…2734``; VCDM 1.1 §B.1: ``ab4ddd9a…0cdcc``): the bundled
v2 file is the same context as the W3C's but not the same bytes, and an issuer that hashed the published
file must not be refused. Digests of other revisions (the June 2024 draft of the v2 context, say) do not
match. A resource we do not hold is not fetched, and its digest not checked.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from profiles.vcdm.iri import is_absolute_iri
from profiles.vcdm.violations import Violation, pointer
from proofs.multibase import MultibaseError, multibase_decode, varint_decode
from schemas import CONTEXTS_DIR

__all__ = ["check_related_resources", "held_resource_digests"]

# hashlib name -> digest length (bytes)
_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64}
# multihash code (the multicodec table) -> hashlib name
_MULTIHASH = {
    0x12: "sha256",
    0x20: "sha384",
    0x13: "sha512",
    0x16: "sha3_256",
    0x15: "sha3_384",
    0x14: "sha3_512",
}
_SRI = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(?:\?[\x21-\x7e]*)?")
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;.*)?")
_STRENGTH = {"sha256": 1, "sha384": 2, "sha512": 3}

# The digests of the files whose SHA-256 the W3C Recommendations publish (computed from those bytes).
_PUBLISHED: dict[str, dict[str, str]] = {
    "https://www.w3.org/ns/credentials/v2": {
        "sha256": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
        "sha384": (
            "97f1eb8e5042356c805fdd61afa2c557663785e0794dcafa21e138fd38def18cb360133c221aa31d6896a6bf3e65b614"
        ),
        "sha512": (
            "5d55452bd2dcf8a29f5a290473eb242b1c5fb77d4e68f1a0aa87baa4dba26948"
            "52d65ec63d48ac04a99d956f9f7153b9406f84d2d04c74869b02c239a1d81305"
        ),
        "sha3_256": "2a8b5cf27989b744186ea1116444575f3a6b429294bc6fe42b72b2534e4c43a5",
        "sha3_384": (
            "e1b6395adb97f7909919c919fa8aeda06b87e3c82a1fb60078f1a77427cd2522b7dafcb34772087e42cde07a8c812470"
        ),
        "sha3_512": (
            "9c2bfd29dd31c2fbf1f4cc9f85c5a77e049a78cda76c970b0e696ce9a8ffecbf"
            "30b538ff4e6f15633ff5b229584f1949b2a2450208528367e6338940dd4fe532"
        ),
    },
    "https://www.w3.org/2018/credentials/v1": {
        "sha256": "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
        "sha384": (
            "82c3b3eab863754bbfd2b9f17d8d6db9f61169f301cbf0b05e1fc4beb5f5c51dd4d2e888c274f49c3fbb2408f61faed1"
        ),
        "sha512": (
            "536a40b390dda94a9e39196c00090f62668e8184fe3c8c02c4a22c85666e68bf"
            "6e85d3dc7f2dba85b2b62ef95d97de24132568d8504db43f2c9c82d2e88418d2"
        ),
        "sha3_256": "bfc194bd71aba633069880c79378804a315061c733dd5bd900b70d0e67b653a6",
        "sha3_384": (
            "34ffe0d0b67396e5ca0508eb1799a073d7e09f1f6abff905c3ba6bc626c720ac0f2c3d99ad467dc7533cb4e8e7dd251f"
        ),
        "sha3_512": (
            "dedf8578a52f3b3962c65e0615b52fc4210736f8060a8ee5a3f8abae25d26c31"
            "90818b97a8c9eb4c3f8ac6e0b3291616af6d0f7aaa3eb300622c20eb751cc081"
        ),
    },
}


@functools.cache
def _bundled_files() -> dict[str, bytes]:
    """URL -> bytes of every bundled context, each checked against its pinned sha256."""
    manifest = json.loads((CONTEXTS_DIR / "manifest.json").read_text(encoding="utf-8"))
    files: dict[str, bytes] = {}
    for url, entry in manifest["contexts"].items():
        data = (CONTEXTS_DIR / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise RuntimeError(f"{entry['file']} does not match its pinned sha256")
        files[url] = data
    return files


def held_resource_digests(url: str, algorithm: str) -> frozenset[bytes] | None:
    """The ``algorithm`` (a hashlib name: ``sha256``, ``sha3_384``, …) digests of every known revision of
    the resource at ``url``, or None when we do not hold it."""
    data = _bundled_files().get(url)
    if data is None:
        return None
    digests = {hashlib.new(algorithm, data).digest()}
    published = _PUBLISHED.get(url, {}).get(algorithm)
    if published is not None:
        digests.add(bytes.fromhex(published))
    return frozenset(digests)


def _sri_digests(value: Any) -> list[tuple[str, bytes]] | None:
    """(algorithm, digest) of each hash expression of a ``digestSRI``; None when malformed."""
    if not isinstance(value, str) or not value.strip():
        return None
    found = []
    for token in value.split():
        match = _SRI.fullmatch(token)
        if match is None:
            return None
        algorithm, encoded = match.groups()
        try:
            digest = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(digest) != _SIZES[algorithm]:
            return None
        found.append((algorithm, digest))
    return found


def _multihash(value: Any) -> tuple[str, bytes] | None:
    """(algorithm, digest) of one ``digestMultibase`` value; None when it is not a multibase multihash of a
    hash function we know, with the digest length that function gives."""
    if not isinstance(value, str):
        return None
    try:
        data = multibase_decode(value)
        code, used = varint_decode(data)
        length, used_length = varint_decode(data[used:])
    except MultibaseError:
        return None
    algorithm = _MULTIHASH.get(code)
    digest = data[used + used_length :]
    if algorithm is None or length != _SIZES[algorithm] or len(digest) != length:
        return None
    return algorithm, digest


def _check_digests(item: Mapping[str, Any], at: str, out: list[Violation]) -> None:
    """The digests' form and, for a resource we hold, their values."""
    url = item.get("id")
    if "digestSRI" in item:
        sri = _sri_digests(item["digestSRI"])
        if sri is None:
            out.append(_malformed(pointer(at, "digestSRI"), "digestSRI is not a Subresource Integrity value"))
        elif isinstance(url, str):
            # SRI §3.3.4: the strongest algorithm given decides; one of its digests must match.
            strongest = max(_STRENGTH[a] for a, _ in sri)
            chosen = [(a, d) for a, d in sri if _STRENGTH[a] == strongest]
            held = held_resource_digests(url, chosen[0][0])
            if held is not None and not any(d in held for _, d in chosen):
                out.append(_mismatch(pointer(at, "digestSRI"), url))
    if "digestMultibase" in item:
        raw = item["digestMultibase"]
        values = raw if isinstance(raw, list) and raw else [raw]
        for i, value in enumerate(values):
            where = pointer(at, "digestMultibase", *([i] if isinstance(raw, list) else []))
            parsed = _multihash(value)
            if parsed is None:
                out.append(_malformed(where, "digestMultibase is not a multibase-encoded multihash"))
                continue
            held = held_resource_digests(url, parsed[0]) if isinstance(url, str) else None
            if held is not None and parsed[1] not in held:
                out.append(_mismatch(where, url))


def _malformed(at: str, message: str) -> Violation:
    return Violation("vcdm-related-resource", at, message)


def _mismatch(at: str, url: Any) -> Violation:
    return Violation("vcdm-digest-mismatch", at, f"the digest does not match the resource {url} we hold")


def check_related_resources(credential: Mapping[str, Any], out: list[Violation]) -> None:
    """Append the violations of the credential's ``relatedResource`` (absent: none)."""
    if "relatedResource" not in credential:
        return
    raw = credential["relatedResource"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        out.append(_malformed("/relatedResource", "relatedResource must hold one or more objects"))
    seen: set[str] = set()
    for i, item in enumerate(items):
        at = pointer("/relatedResource", *([i] if isinstance(raw, list) else []))
        if not isinstance(item, Mapping):
            out.append(_malformed(at, "each relatedResource must be an object"))
            continue
        url = item.get("id")
        if "id" not in item:
            out.append(_malformed(at, "a relatedResource needs an id"))
        elif not is_absolute_iri(url):
            out.append(_malformed(pointer(at, "id"), "a relatedResource id must be a URL"))
        elif url in seen:
            out.append(_malformed(pointer(at, "id"), f"the relatedResource {url} is listed twice"))
        else:
            seen.add(url)
        if "mediaType" in item and not (
            isinstance(item["mediaType"], str) and _MEDIA_TYPE.fullmatch(item["mediaType"])
        ):
            out.append(_malformed(pointer(at, "mediaType"), "mediaType is not a media type"))
        if "digestSRI" not in item and "digestMultibase" not in item:
            out.append(_malformed(at, "a relatedResource needs a digestSRI or a digestMultibase"))
        _check_digests(item, at, out)
