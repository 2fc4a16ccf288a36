"""proofs.x509: development CA, leaf certificates, and x5c chain validation."""

from __future__ import annotations

import base64
import datetime as dt
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.sd_jwt import issue_sd_jwt, parse_sd_jwt, verify_sd_jwt
from proofs.x509 import (
    X509Error,
    issue_leaf,
    leaf_subject_alt_names,
    make_ca,
    pem_chain,
    split_pem_chain,
    verify_chain,
    x5c_chain,
)

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
YEAR = dt.timedelta(days=365)
CA_KEY = PrivateKey.generate(KeyAlgorithm.P256)
CA = make_ca("Shomei Dev CA", CA_KEY, not_before=T0, not_after=T0 + 5 * YEAR)
LEAF_KEY = PrivateKey.generate(KeyAlgorithm.P256)


def _leaf(**overrides: object) -> bytes:
    args: dict[str, object] = {
        "subject_name": "credentials.admal.example",
        "san_uri": "https://credentials.admal.example",
        "not_before": T0,
        "not_after": T0 + YEAR,
    }
    args.update(overrides)
    ca_key = args.pop("ca_key", CA_KEY)
    ca_cert = args.pop("ca_cert", CA)
    subject = args.pop("subject", LEAF_KEY.public_key())
    return issue_leaf(ca_key, ca_cert, subject, **args)  # type: ignore[arg-type]


def _code(x5c: list[str], anchors: list[bytes], now: dt.datetime = NOW) -> str:
    with pytest.raises(X509Error) as exc:
        verify_chain(x5c, anchors, now)
    return exc.value.code


def test_leaf_chain_verifies_to_the_leaf_key() -> None:
    x5c = x5c_chain([_leaf()])
    assert verify_chain(x5c, [CA], NOW) == LEAF_KEY.public_key()


def test_pem_chain_round_trips_and_wraps_at_64() -> None:
    leaf = _leaf()
    pem = pem_chain(leaf, CA)
    assert split_pem_chain(pem) == [leaf, CA]
    assert pem.count("-----BEGIN CERTIFICATE-----") == 2 and pem.endswith("-----END CERTIFICATE-----\n")
    assert max(len(line) for line in pem.splitlines()) == 64
    assert ssl.PEM_cert_to_DER_cert(pem_chain(CA)) == CA  # the standard library reads it too


def test_x5c_is_standard_base64_of_der() -> None:
    leaf = _leaf()
    (encoded,) = x5c_chain([leaf])
    assert base64.b64decode(encoded, validate=True) == leaf
    assert "-" not in encoded and "_" not in encoded


def test_presented_anchor_at_the_end_is_accepted() -> None:
    assert verify_chain(x5c_chain([_leaf(), CA]), [CA], NOW) == LEAF_KEY.public_key()


def _intermediate(
    issuer_key: PrivateKey,
    issuer_der: bytes,
    subject_key: PrivateKey,
    *,
    path_length: int | None,
    ca: bool = True,
) -> bytes:
    """A CA certificate signed by another CA (not part of the module's API: built here directly)."""
    issuer = x509.load_der_x509_certificate(issuer_der)
    signer = serialization.load_der_private_key(issuer_key.to_pkcs8(), password=None)
    public = serialization.load_pem_public_key(subject_key.public_key().pem())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Intermediate")]))
        .issuer_name(issuer.subject)
        .public_key(public)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(T0)
        .not_valid_after(T0 + 5 * YEAR)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)  # type: ignore[arg-type]
        .sign(signer, hashes.SHA256())  # type: ignore[arg-type]
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_intermediate_chain() -> None:
    root_key = PrivateKey.generate(KeyAlgorithm.P384)
    root = make_ca("Root", root_key, not_before=T0, not_after=T0 + 5 * YEAR, path_length=1)
    mid_key = PrivateKey.generate(KeyAlgorithm.P256)
    mid = _intermediate(root_key, root, mid_key, path_length=0)
    leaf = _leaf(ca_key=mid_key, ca_cert=mid)
    assert verify_chain(x5c_chain([leaf, mid]), [root], NOW) == LEAF_KEY.public_key()
    assert verify_chain(x5c_chain([leaf, mid, root]), [root], NOW) == LEAF_KEY.public_key()
    # Without the intermediate the leaf does not reach the root.
    assert _code(x5c_chain([leaf]), [root]) == "UNTRUSTED_CHAIN"


def test_path_length_of_the_anchor_is_enforced() -> None:
    mid_key = PrivateKey.generate(KeyAlgorithm.P256)
    mid = _intermediate(CA_KEY, CA, mid_key, path_length=0)  # CA has pathLenConstraint 0
    leaf = _leaf(ca_key=mid_key, ca_cert=mid)
    assert _code(x5c_chain([leaf, mid]), [CA]) == "PATH_LENGTH_EXCEEDED"


def test_intermediate_without_ca_flag_is_rejected() -> None:
    root_key = PrivateKey.generate(KeyAlgorithm.P256)
    root = make_ca("Root", root_key, not_before=T0, not_after=T0 + 5 * YEAR, path_length=None)
    mid_key = PrivateKey.generate(KeyAlgorithm.P256)
    mid = _intermediate(root_key, root, mid_key, path_length=None, ca=False)
    leaf = _leaf(ca_key=mid_key, ca_cert=mid)
    assert _code(x5c_chain([leaf, mid]), [root]) == "NOT_A_CA"


def test_ed25519_ca() -> None:
    key = PrivateKey.generate(KeyAlgorithm.ED25519)
    ca = make_ca("Ed CA", key, not_before=T0, not_after=T0 + YEAR)
    leaf = _leaf(ca_key=key, ca_cert=ca)
    assert verify_chain(x5c_chain([leaf]), [ca], NOW) == LEAF_KEY.public_key()


def test_subject_alt_names() -> None:
    x5c = x5c_chain([_leaf(san_dns="credentials.admal.example")])
    assert leaf_subject_alt_names(x5c) == (
        ["https://credentials.admal.example"],
        ["credentials.admal.example"],
    )


def test_expired_leaf_is_rejected() -> None:
    assert _code(x5c_chain([_leaf()]), [CA], now=T0 + 2 * YEAR) == "CERT_EXPIRED"


def test_not_yet_valid_leaf_is_rejected() -> None:
    assert (
        _code(x5c_chain([_leaf(not_before=NOW + YEAR, not_after=NOW + 2 * YEAR)]), [CA])
        == "CERT_NOT_YET_VALID"
    )


def test_expired_trust_anchor_is_rejected() -> None:
    key = PrivateKey.generate(KeyAlgorithm.P256)
    old_ca = make_ca("Old CA", key, not_before=T0 - 3 * YEAR, not_after=T0 + dt.timedelta(days=30))
    leaf = _leaf(ca_key=key, ca_cert=old_ca, not_after=T0 + 2 * YEAR)
    assert _code(x5c_chain([leaf]), [old_ca]) == "CERT_EXPIRED"


def test_chain_to_another_ca_is_untrusted() -> None:
    other_key = PrivateKey.generate(KeyAlgorithm.P256)
    other_ca = make_ca("Other CA", other_key, not_before=T0, not_after=T0 + 5 * YEAR)
    leaf = _leaf(ca_key=other_key, ca_cert=other_ca)
    assert _code(x5c_chain([leaf]), [CA]) == "UNTRUSTED_CHAIN"
    assert _code(x5c_chain([leaf, other_ca]), [CA]) == "UNTRUSTED_CHAIN"


def test_impostor_ca_with_the_same_name_is_untrusted() -> None:
    impostor_key = PrivateKey.generate(KeyAlgorithm.P256)
    impostor = make_ca("Shomei Dev CA", impostor_key, not_before=T0, not_after=T0 + 5 * YEAR)
    leaf = _leaf(ca_key=impostor_key, ca_cert=impostor)
    assert _code(x5c_chain([leaf]), [CA]) == "UNTRUSTED_CHAIN"


def test_leaf_signed_by_a_non_ca_is_rejected() -> None:
    # A leaf "issued" by another leaf: the middle certificate has cA=FALSE.
    middle_key = PrivateKey.generate(KeyAlgorithm.P256)
    middle = _leaf(subject=middle_key.public_key())
    bad_leaf = _leaf(ca_key=middle_key, ca_cert=middle)
    assert _code(x5c_chain([bad_leaf, middle]), [CA]) == "NOT_A_CA"


def test_ca_certificate_as_signing_certificate_is_rejected() -> None:
    assert _code(x5c_chain([CA]), [CA]) == "LEAF_IS_CA"
    key = PrivateKey.generate(KeyAlgorithm.P256)
    other = make_ca("Self", key, not_before=T0, not_after=T0 + YEAR)
    assert _code(x5c_chain([other]), [CA]) == "LEAF_IS_CA"


def test_malformed_x5c() -> None:
    assert _code([], [CA]) == "MALFORMED_X5C"
    leaf = _leaf()
    urlsafe = base64.urlsafe_b64encode(leaf).decode()
    if urlsafe != base64.b64encode(leaf).decode():
        assert _code([urlsafe], [CA]) == "MALFORMED_X5C"
    assert _code([base64.b64encode(b"not a certificate").decode()], [CA]) == "MALFORMED_CERTIFICATE"


def test_ca_key_must_match_the_ca_certificate() -> None:
    with pytest.raises(X509Error) as exc:
        _leaf(ca_key=LEAF_KEY)
    assert exc.value.code == "CA_KEY_MISMATCH"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        make_ca("CA", CA_KEY, not_before=dt.datetime(2026, 1, 1), not_after=T0 + YEAR)


def test_sd_jwt_vc_with_x5c_header_verifies_through_the_chain() -> None:
    x5c = x5c_chain([_leaf()])
    issued = issue_sd_jwt(
        {"iss": "https://credentials.admal.example", "vct": "urn:x", "given_name": "Mei Ling"},
        disclosable={"given_name"},
        key=LEAF_KEY,
        header={"x5c": x5c},
    )
    sd = parse_sd_jwt(issued)
    key = verify_chain(sd.issuer_jwt.header["x5c"], [CA], NOW)
    payload = verify_sd_jwt(sd, key)
    uris, _ = leaf_subject_alt_names(sd.issuer_jwt.header["x5c"])
    assert payload["iss"] in uris
    assert payload["given_name"] == "Mei Ling"
