"""profiles.vcdm.integrity: relatedResource (VCDM 2.0 §5.3) and the digests of the resources we hold, against
the bundled bytes and the digests the W3C Recommendations publish."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from profiles.vcdm import validate_credential
from profiles.vcdm.integrity import held_resource_digests
from proofs.multibase import b58encode, b64url_encode
from schemas import CONTEXTS_DIR

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
BUNDLED_V2 = (CONTEXTS_DIR / "credentials-v2.jsonld").read_bytes()
# VCDM 2.0 §B.1 (REC, 2025-05-15) and VCDM 1.1 §B.1: the SHA-256 of the published base contexts.
REC_V2_SHA256 = bytes.fromhex("59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734")
REC_V1_SHA256 = bytes.fromhex("ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc")
# The June 2024 draft of the v2 context (w3c/vc-data-model 8d0ee107, the digest the CR published).
DRAFT_V2_SHA256 = bytes.fromhex("24a18c90e9856d526111f29376e302d970b2bd10182e33959995b0207d7043b9")


def sri(algorithm: str, digest: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(digest).decode()}"


def multihash(code: int, digest: bytes) -> bytes:
    return bytes([code, len(digest)]) + digest


def related(value: Any) -> list[tuple[str, str]]:
    doc = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"name": "Alice"},
        "relatedResource": value,
    }
    return [(v.type_name, v.pointer) for v in validate_credential(doc, issuing=True)]


MATCHING: list[tuple[str, Any]] = [
    (
        "SRI sha384 of the bundled bytes",
        {"id": V2, "digestSRI": sri("sha384", hashlib.sha384(BUNDLED_V2).digest())},
    ),
    ("SRI sha256 of the published v2", [{"id": V2, "digestSRI": sri("sha256", REC_V2_SHA256)}]),
    ("SRI sha256 of the published v1", [{"id": V1, "digestSRI": sri("sha256", REC_V1_SHA256)}]),
    (
        "multibase z sha2-256 multihash of the bundled bytes",
        [
            {
                "id": V2,
                "digestMultibase": "z" + b58encode(multihash(0x12, hashlib.sha256(BUNDLED_V2).digest())),
            }
        ],
    ),
    (
        "multibase u sha2-256 multihash of the published v2, with a media type",
        [
            {
                "id": V2,
                "mediaType": "application/ld+json",
                "digestMultibase": "u" + b64url_encode(multihash(0x12, REC_V2_SHA256)),
            }
        ],
    ),
    (
        "multibase sha3-384, a list",
        [
            {
                "id": V2,
                "digestMultibase": [
                    "u" + b64url_encode(multihash(0x15, hashlib.sha3_384(BUNDLED_V2).digest()))
                ],
            }
        ],
    ),
    (
        "the strongest SRI algorithm decides",
        [
            {
                "id": V2,
                "digestSRI": f"{sri('sha256', bytes(32))} {sri('sha384', hashlib.sha384(BUNDLED_V2).digest())}",
            }
        ],
    ),
    (
        "a resource we do not hold is not checked",
        [{"id": "https://example.org/video.mp4", "digestSRI": sri("sha384", bytes(48))}],
    ),
    (
        "two resources",
        [
            {
                "id": "https://example.org/a",
                "digestMultibase": "u" + b64url_encode(multihash(0x13, bytes(64))),
            },
            {"id": V2, "digestSRI": sri("sha256", REC_V2_SHA256)},
        ],
    ),
]


@pytest.mark.parametrize(("label", "value"), MATCHING, ids=[case[0] for case in MATCHING])
def test_well_formed_and_matching(label: str, value: Any) -> None:
    assert related(value) == []


MISMATCHED: list[tuple[str, Any, list[tuple[str, str]]]] = [
    (
        "SRI of the June 2024 draft, superseded by the Recommendation",
        [{"id": V2, "digestSRI": sri("sha256", DRAFT_V2_SHA256)}],
        [("vcdm-digest-mismatch", "/relatedResource/0/digestSRI")],
    ),
    (
        "a multihash of other bytes",
        {
            "id": V2,
            "digestMultibase": "u" + b64url_encode(multihash(0x12, hashlib.sha256(b"other").digest())),
        },
        [("vcdm-digest-mismatch", "/relatedResource/digestMultibase")],
    ),
    (
        "the strongest SRI algorithm does not match",
        [{"id": V2, "digestSRI": f"{sri('sha256', REC_V2_SHA256)} {sri('sha512', bytes(64))}"}],
        [("vcdm-digest-mismatch", "/relatedResource/0/digestSRI")],
    ),
    (
        "one of two multibase digests does not match",
        [
            {
                "id": V1,
                "digestMultibase": [
                    "u" + b64url_encode(multihash(0x12, REC_V1_SHA256)),
                    "u" + b64url_encode(multihash(0x12, bytes(32))),
                ],
            }
        ],
        [("vcdm-digest-mismatch", "/relatedResource/0/digestMultibase/1")],
    ),
]


@pytest.mark.parametrize(("label", "value", "expected"), MISMATCHED, ids=[case[0] for case in MISMATCHED])
def test_a_digest_of_a_resource_we_hold_must_match(
    label: str, value: Any, expected: list[tuple[str, str]]
) -> None:
    assert related(value) == expected


RAW_SHA256 = "u" + b64url_encode(DRAFT_V2_SHA256)  # no multihash header (VC Data Integrity §2.6 requires one)
MALFORMED: list[tuple[str, Any, list[tuple[str, str]]]] = [
    ("strings", [V2], [("vcdm-related-resource", "/relatedResource/0")]),
    ("empty list", [], [("vcdm-related-resource", "/relatedResource")]),
    (
        "no id",
        [{"digestSRI": sri("sha256", REC_V2_SHA256)}],
        [("vcdm-related-resource", "/relatedResource/0")],
    ),
    (
        "id not a URL",
        [{"id": "https ://x", "digestSRI": sri("sha256", bytes(32))}],
        [("vcdm-related-resource", "/relatedResource/0/id")],
    ),
    (
        "duplicate id",
        [
            {"id": V2, "digestSRI": sri("sha256", REC_V2_SHA256)},
            {"id": V2, "digestSRI": sri("sha256", REC_V2_SHA256)},
        ],
        [("vcdm-related-resource", "/relatedResource/1/id")],
    ),
    ("no digest", [{"id": V2}], [("vcdm-related-resource", "/relatedResource/0")]),
    (
        "raw digest, not a multihash",
        [{"id": V2, "digestMultibase": RAW_SHA256}],
        [("vcdm-related-resource", "/relatedResource/0/digestMultibase")],
    ),
    (
        "unsupported multibase prefix",
        [{"id": V2, "digestMultibase": "f" + multihash(0x12, REC_V2_SHA256).hex()}],
        [("vcdm-related-resource", "/relatedResource/0/digestMultibase")],
    ),
    (
        "multihash length disagrees",
        [{"id": V2, "digestMultibase": "u" + b64url_encode(bytes([0x12, 0x20]) + bytes(31))}],
        [("vcdm-related-resource", "/relatedResource/0/digestMultibase")],
    ),
    (
        "SRI in base64url",
        [{"id": V2, "digestSRI": "sha384-_rCVIV7fSXXTNIvpiq26jRDyj8JG8TDjij-tD0ewLk4JpnXEz6a5AeeY_1qQ0d0P"}],
        [("vcdm-related-resource", "/relatedResource/0/digestSRI")],
    ),
    (
        "SRI of the wrong length",
        [{"id": V2, "digestSRI": sri("sha384", bytes(32))}],
        [("vcdm-related-resource", "/relatedResource/0/digestSRI")],
    ),
    (
        "SRI md5",
        [{"id": V2, "digestSRI": "md5-" + base64.b64encode(bytes(16)).decode()}],
        [("vcdm-related-resource", "/relatedResource/0/digestSRI")],
    ),
    (
        "SRI a number",
        [{"id": V2, "digestSRI": 4}],
        [("vcdm-related-resource", "/relatedResource/0/digestSRI")],
    ),
    (
        "not a media type",
        [{"id": V2, "mediaType": "json", "digestSRI": sri("sha256", REC_V2_SHA256)}],
        [("vcdm-related-resource", "/relatedResource/0/mediaType")],
    ),
]


@pytest.mark.parametrize(("label", "value", "expected"), MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_related_resources(label: str, value: Any, expected: list[tuple[str, str]]) -> None:
    assert related(value) == expected


def test_the_digests_held_for_a_resource() -> None:
    held = held_resource_digests(V2, "sha256")
    assert held == frozenset({hashlib.sha256(BUNDLED_V2).digest(), REC_V2_SHA256})
    assert DRAFT_V2_SHA256 not in held
    assert held_resource_digests("https://example.org/not-bundled", "sha256") is None
