"""Data Integrity: published vectors reproduced byte for byte, and every way a proof must fail."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from proofs.data_integrity import InvalidProof, ProofError, add_proof, hash_data, verify_proof
from proofs.jsonld import DocumentLoader, UndefinedTerm, UnknownContext, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey
from proofs.rdfc import canonicalize
from tests.paths import VECTORS as VECTOR_FILES

VECTORS = json.loads((VECTOR_FILES / "data_integrity.json").read_text(encoding="utf-8"))
# The W3C examples context is a bare @vocab (written out here; it is not a production context).
EXAMPLES_V2 = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader().with_documents({"https://www.w3.org/ns/credentials/examples/v2": EXAMPLES_V2})


def _created(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("name", ["eddsa", "ecdsa_p256", "ob3"])
def test_canonical_forms_and_hashes_match_the_vectors(name: str, loader: DocumentLoader) -> None:
    v = VECTORS[name]
    unsigned = v.get("unsigned") or VECTORS["eddsa"]["unsigned"]
    assert canonicalize(unsigned, loader=loader) == v["canonicalDocument"]
    config = {"@context": unsigned["@context"], **v["proofOptions"]}
    assert canonicalize(config, loader=loader) == v["canonicalProof"]
    if "docHash" in v:
        assert _sha(v["canonicalDocument"]) == v["docHash"]
        assert _sha(v["canonicalProof"]) == v["proofHash"]
    if "combinedHash" in v:
        alg = KeyAlgorithm.ED25519 if name == "eddsa" else KeyAlgorithm.P256
        assert hash_data(unsigned, config, algorithm=alg, loader=loader).hex() == v["combinedHash"]


@pytest.mark.parametrize("name", ["eddsa", "ob3"])
def test_eddsa_signature_reproduced_byte_for_byte(name: str, loader: DocumentLoader) -> None:
    v = VECTORS[name]
    if "secretKeyHex" in v:
        key = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes.fromhex(v["secretKeyHex"]))
        assert key.public_key().multikey() == v["publicKeyMultibase"]
    else:
        key = PrivateKey.from_multikey_secret(v["secretKeyMultibase"])
    opts = v["proofOptions"]
    signed = add_proof(
        v["unsigned"],
        key=key,
        verification_method=opts["verificationMethod"],
        created=_created(opts["created"]),
        loader=loader,
    )
    assert signed["proof"]["proofValue"] == v["proofValue"]
    verify_proof(signed, proof=signed["proof"], public_key=key.public_key(), loader=loader)


def test_published_ecdsa_signature_verifies_and_ours_too(loader: DocumentLoader) -> None:
    v = VECTORS["ecdsa_p256"]
    unsigned = VECTORS["eddsa"]["unsigned"]
    key = PrivateKey.from_multikey_secret(v["secretKeyMultibase"])
    published = {**unsigned, "proof": {**v["proofOptions"], "proofValue": v["proofValue"]}}
    verify_proof(published, proof=published["proof"], public_key=key.public_key(), loader=loader)
    ours = add_proof(
        unsigned,
        key=key,
        verification_method=v["proofOptions"]["verificationMethod"],
        created=_created(v["proofOptions"]["created"]),
        loader=loader,
    )
    assert ours["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
    verify_proof(ours, proof=ours["proof"], public_key=key.public_key(), loader=loader)


def test_rdfc_escapes_control_characters(loader: DocumentLoader) -> None:
    text = 'a\bb\tc\nd\fe\rf"g\\h\x00i\x01j\x1fk\x7fl'
    doc = {"@context": {"@vocab": "https://example.org/"}, "@id": "https://example.org/s", "note": text}
    expected = (
        '<https://example.org/s> <https://example.org/note> "'
        'a\\bb\\tc\\nd\\fe\\rf\\"g\\\\h\\u0000i\\u0001j\\u001Fk\\u007Fl" .\n'
    )
    assert canonicalize(doc, loader=loader) == expected


def test_control_characters_in_blank_nodes_hash_the_rdfc_form(loader: DocumentLoader) -> None:
    # Two blank nodes whose literals differ only by a control character must still canonicalize
    # deterministically and with escaped output.
    doc = {
        "@context": {"@vocab": "https://example.org/"},
        "@id": "https://example.org/s",
        "item": [{"label": "x\by"}, {"label": "x\fy"}],
    }
    out = canonicalize(doc, loader=loader)
    assert "\b" not in out
    assert "\f" not in out
    assert '"x\\by"' in out
    assert '"x\\fy"' in out
    assert canonicalize(copy.deepcopy(doc), loader=loader) == out


def test_undefined_term_and_unknown_context_are_refused(loader: DocumentLoader) -> None:
    base = copy.deepcopy(VECTORS["ob3"]["unsigned"])
    key = PrivateKey.generate(KeyAlgorithm.ED25519)
    kwargs: dict[str, Any] = {
        "key": key,
        "verification_method": key.public_key().did_key_vm(),
        "created": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "loader": loader,
    }
    dropped = copy.deepcopy(base)
    dropped["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(UndefinedTerm) as err:
        add_proof(dropped, **kwargs)
    assert err.value.term.endswith("favouriteColour")

    undefined_type = copy.deepcopy(base)
    undefined_type["credentialSchema"] = [
        {"id": "https://x.example/s.json", "type": "1EdTechJsonSchemaValidator2019"}
    ]
    with pytest.raises(UndefinedTerm):
        add_proof(undefined_type, **kwargs)

    unknown = copy.deepcopy(base)
    unknown["@context"] = [*base["@context"], "https://contexts.example/evil.jsonld"]
    with pytest.raises(UnknownContext):
        add_proof(unknown, **kwargs)


def _signed(
    loader: DocumentLoader, alg: KeyAlgorithm = KeyAlgorithm.ED25519
) -> tuple[dict[str, Any], PrivateKey]:
    key = PrivateKey.generate(alg)
    doc = add_proof(
        VECTORS["ob3"]["unsigned"],
        key=key,
        verification_method=key.public_key().did_key_vm(),
        created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        loader=loader,
    )
    return doc, key


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.__setitem__("name", "Teamwork Badge!"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Leadership"),
        lambda d: d.__setitem__("validFrom", "2010-01-02T00:00:00Z"),
        lambda d: d["proof"].__setitem__("created", "2026-01-02T00:00:00Z"),
        lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-2] + "zz"),
        lambda d: d["issuer"].__setitem__("id", "https://evil.example/issuer"),
    ],
)
@pytest.mark.parametrize("alg", [KeyAlgorithm.ED25519, KeyAlgorithm.P256])
def test_tampering_fails(tamper: Any, alg: KeyAlgorithm, loader: DocumentLoader) -> None:
    doc, key = _signed(loader, alg)
    verify_proof(doc, proof=doc["proof"], public_key=key.public_key(), loader=loader)
    tampered = copy.deepcopy(doc)
    tamper(tampered)
    with pytest.raises(InvalidProof) as err:
        verify_proof(tampered, proof=tampered["proof"], public_key=key.public_key(), loader=loader)
    assert err.value.code == "PROOF_VERIFICATION_ERROR"


def test_wrong_key_wrong_purpose_and_malformed_values(loader: DocumentLoader) -> None:
    doc, key = _signed(loader)
    other = PrivateKey.generate(KeyAlgorithm.ED25519).public_key()
    with pytest.raises(InvalidProof):
        verify_proof(doc, proof=doc["proof"], public_key=other, loader=loader)
    with pytest.raises(InvalidProof):
        verify_proof(
            doc,
            proof=doc["proof"],
            public_key=key.public_key(),
            loader=loader,
            expected_purpose="authentication",
        )
    p256 = PrivateKey.generate(KeyAlgorithm.P256).public_key()
    with pytest.raises(InvalidProof):
        verify_proof(doc, proof=doc["proof"], public_key=p256, loader=loader)
    bad = copy.deepcopy(doc)
    bad["proof"]["proofValue"] = "not-multibase!"
    with pytest.raises(InvalidProof) as err:
        verify_proof(bad, proof=bad["proof"], public_key=key.public_key(), loader=loader)
    assert err.value.code == "MALFORMED_PROOF_ERROR"
    with pytest.raises(InvalidProof) as err:
        verify_proof(
            doc, proof=doc["proof"], public_key=key.public_key(), loader=loader, domain="example.org"
        )
    assert err.value.code == "INVALID_DOMAIN_ERROR"


def test_wrong_key_type_for_suite_is_refused(loader: DocumentLoader) -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    with pytest.raises(ProofError):
        add_proof(
            VECTORS["ob3"]["unsigned"],
            key=key,
            verification_method="did:example:1#k",
            created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            loader=loader,
            cryptosuite="eddsa-rdfc-2022",
        )


def test_legacy_eddsa_2022_name_verifies(loader: DocumentLoader) -> None:
    doc, key = _signed(loader)
    legacy = copy.deepcopy(doc)
    legacy["proof"]["cryptosuite"] = "eddsa-2022"
    # The suite name is part of the signed proof options, so re-sign with the legacy name.
    config = {
        "@context": legacy["@context"],
        **{k: v for k, v in legacy["proof"].items() if k != "proofValue"},
    }
    unsecured = {k: v for k, v in legacy.items() if k != "proof"}
    from proofs.multibase import multibase_encode

    legacy["proof"]["proofValue"] = multibase_encode(
        key.sign(hash_data(unsecured, config, algorithm=KeyAlgorithm.ED25519, loader=loader))
    )
    verify_proof(
        legacy, proof=legacy["proof"], public_key=PublicKey.from_jwk(key.public_key().jwk()), loader=loader
    )


def test_bundled_contexts_are_pinned(tmp_path: Path) -> None:
    import shutil

    from proofs.jsonld import CONTEXTS_DIR, ContextIntegrityError

    copy_dir = tmp_path / "contexts"
    shutil.copytree(CONTEXTS_DIR, copy_dir)
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in bundled_loader(copy_dir)
    target = copy_dir / "ob-context-3.0.3.json"
    target.write_text(target.read_text().replace("Achievement", "Achievment", 1))
    with pytest.raises(ContextIntegrityError):
        bundled_loader(copy_dir)
