"""X.509 for the JOSE ``x5c`` header (RFC 7515 §4.1.6): development CA and leaf certificates, and
chain validation against configured trust anchors (HAIP: SD-JWT VC issuer keys and Status List
Tokens are bound to an X.509 chain; standards.md §9.2, §9.4).

This is the second module allowed to use the cryptography package's low-level primitives (building
and checking certificates needs them); keys still cross module boundaries only as
:class:`proofs.keys.PrivateKey` / :class:`proofs.keys.PublicKey`. Private keys are loaded from
:meth:`PrivateKey.to_pkcs8` in memory and never written anywhere.

Validation is deliberately narrow (no CRL/OCSP, no name constraints or policies): signatures along the
chain, validity windows, CA basic constraints with path length, key usage, and unknown critical
extensions.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from proofs.errors import ProofsError
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey

__all__ = [
    "X509Error",
    "authority_key_identifiers",
    "certificate_public_key",
    "imported_chain",
    "issue_leaf",
    "leaf_subject_alt_names",
    "make_ca",
    "pem_chain",
    "split_pem_chain",
    "verify_chain",
    "verify_chain_to_anchor",
    "x5c_chain",
]

_MAX_CHAIN = 10
_MAX_CERT = 64 * 1024

_CertPrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
_CertPublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey


class X509Error(ProofsError):
    """A certificate or chain is malformed or does not validate; ``code`` names the check."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- key bridging --------------------------------------------------------------------------------


def _private(key: PrivateKey) -> _CertPrivateKey:
    loaded = serialization.load_der_private_key(key.to_pkcs8(), password=None)
    if not isinstance(loaded, _CertPrivateKey):
        raise X509Error("UNSUPPORTED_KEY", "unsupported private key type")
    return loaded


def _public(key: PublicKey) -> _CertPublicKey:
    loaded = serialization.load_pem_public_key(key.pem())
    if not isinstance(loaded, _CertPublicKey):
        raise X509Error("UNSUPPORTED_KEY", "unsupported public key type")
    return loaded


def _hash_for(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384 | None:
    if key.algorithm is KeyAlgorithm.ED25519:
        return None
    if key.algorithm is KeyAlgorithm.P384:
        return hashes.SHA384()
    return hashes.SHA256()


def _name(common_name: str, country: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if country:
        attributes.insert(0, x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    return x509.Name(attributes)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("certificate times must be timezone-aware")
    return value.astimezone(dt.UTC)


# -- building ------------------------------------------------------------------------------------


def make_ca(
    name: str,
    key: PrivateKey,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    country: str | None = None,
    path_length: int | None = 0,
) -> bytes:
    """A self-signed development CA certificate (DER): CN=``name``, ``cA=TRUE`` with ``path_length``
    (0: it may sign leaves only), key usage keyCertSign + cRLSign, subject key identifier."""
    private = _private(key)
    public = private.public_key()
    subject = _name(name, country)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_utc(not_before))
        .not_valid_after(_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    return builder.sign(private, _hash_for(key)).public_bytes(serialization.Encoding.DER)


def issue_leaf(
    ca_key: PrivateKey,
    ca_cert_der: bytes,
    subject_key: PublicKey,
    *,
    subject_name: str,
    san_uri: str | None = None,
    san_dns: str | None = None,
    not_before: dt.datetime,
    not_after: dt.datetime,
    country: str | None = None,
) -> bytes:
    """An end-entity signing certificate (DER) for ``subject_key``, issued by the CA: ``cA=FALSE``,
    key usage digitalSignature, SAN with ``san_uri`` and/or ``san_dns`` (SD-JWT VC: the ``iss`` URL
    must be the certificate subject), authority/subject key identifiers."""
    if not (san_uri or san_dns):
        raise ValueError("a leaf certificate needs san_uri or san_dns")
    ca_cert = _load(ca_cert_der)
    private = _private(ca_key)
    if ca_cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise X509Error("CA_KEY_MISMATCH", "ca_key is not the key of ca_cert_der")
    public = _public(subject_key)
    names: list[x509.GeneralName] = []
    if san_uri:
        names.append(x509.UniformResourceIdentifier(san_uri))
    if san_dns:
        names.append(x509.DNSName(san_dns))
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_name, country))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_utc(not_before))
        .not_valid_after(_utc(not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )
    return builder.sign(private, _hash_for(ca_key)).public_bytes(serialization.Encoding.DER)


def x5c_chain(ders: Sequence[bytes]) -> list[str]:
    """The ``x5c`` header value: standard base64 (with padding, not base64url) DER, leaf first."""
    return [base64.b64encode(der).decode("ascii") for der in ders]


# -- validation ----------------------------------------------------------------------------------


def _load(der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise X509Error("MALFORMED_CERTIFICATE", "not a DER X.509 certificate") from None


def _decode_x5c(x5c: Sequence[str]) -> list[x509.Certificate]:
    if not isinstance(x5c, list | tuple) or not x5c:
        raise X509Error("MALFORMED_X5C", "x5c is a non-empty array of base64 certificates")
    if len(x5c) > _MAX_CHAIN:
        raise X509Error("MALFORMED_X5C", "the x5c chain is too long")
    certs = []
    for item in x5c:
        if not isinstance(item, str) or len(item) > _MAX_CERT:
            raise X509Error("MALFORMED_X5C", "x5c entries are base64 strings")
        try:
            der = base64.b64decode(item, validate=True)
        except (binascii.Error, ValueError):
            raise X509Error("MALFORMED_X5C", "x5c entries are standard base64 (not base64url)") from None
        certs.append(_load(der))
    return certs


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _check_validity(cert: x509.Certificate, now: dt.datetime) -> None:
    if now < cert.not_valid_before_utc:
        raise X509Error("CERT_NOT_YET_VALID", f"certificate {cert.subject.rfc4514_string()} is not yet valid")
    if now > cert.not_valid_after_utc:
        raise X509Error("CERT_EXPIRED", f"certificate {cert.subject.rfc4514_string()} has expired")


def _check_critical_extensions(cert: x509.Certificate) -> None:
    for ext in cert.extensions:
        if ext.critical and isinstance(ext.value, x509.UnrecognizedExtension):
            raise X509Error(
                "UNSUPPORTED_CRITICAL_EXTENSION", f"unknown critical extension {ext.oid.dotted_string}"
            )


def _check_ca(cert: x509.Certificate, cas_below: int) -> None:
    """``cert`` signs the certificate below it; ``cas_below`` non-leaf CA certificates lie between."""
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise X509Error("NOT_A_CA", f"{cert.subject.rfc4514_string()} has no basicConstraints") from None
    if not constraints.ca:
        raise X509Error("NOT_A_CA", f"{cert.subject.rfc4514_string()} is not a CA certificate")
    if constraints.path_length is not None and cas_below > constraints.path_length:
        raise X509Error("PATH_LENGTH_EXCEEDED", f"{cert.subject.rfc4514_string()} path length exceeded")
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise X509Error("NOT_A_CA", f"{cert.subject.rfc4514_string()} may not sign certificates")


def _check_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> None:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        raise X509Error(
            "CHAIN_SIGNATURE_INVALID", f"{cert.subject.rfc4514_string()} is not signed by its issuer"
        ) from None


def verify_chain(x5c: Sequence[str], trust_anchors: Sequence[bytes], now: dt.datetime) -> PublicKey:
    """Validate ``x5c`` (:func:`verify_chain_to_anchor`) and return the leaf's public key."""
    return verify_chain_to_anchor(x5c, trust_anchors, now)[0]


def verify_chain_to_anchor(
    x5c: Sequence[str], trust_anchors: Sequence[bytes], now: dt.datetime
) -> tuple[PublicKey, bytes]:
    """Validate ``x5c`` (leaf first, each certificate signed by the next; the last one either is a
    trust anchor or is signed by one) and return the leaf's public key and the DER of the trust anchor
    the chain ends at.

    Codes: ``MALFORMED_X5C``, ``MALFORMED_CERTIFICATE``, ``CERT_EXPIRED``, ``CERT_NOT_YET_VALID``,
    ``CHAIN_SIGNATURE_INVALID``, ``NOT_A_CA``, ``PATH_LENGTH_EXCEEDED``, ``LEAF_IS_CA``,
    ``LEAF_KEY_USAGE``, ``UNSUPPORTED_CRITICAL_EXTENSION``, ``UNTRUSTED_CHAIN``.
    """
    now = _utc(now)
    chain = _decode_x5c(x5c)
    anchors = [_load(der) for der in trust_anchors]
    anchor_ders = {_der(a) for a in anchors}
    # A presented copy of the anchor at the end of x5c is allowed (RFC 7515 §4.1.6) and dropped.
    if len(chain) > 1 and _der(chain[-1]) in anchor_ders:
        chain = chain[:-1]
    leaf = chain[0]
    if _der(leaf) in anchor_ders:
        raise X509Error("LEAF_IS_CA", "the signing certificate is a trust anchor, not an end entity")
    for cert in chain:
        _check_validity(cert, now)
        _check_critical_extensions(cert)
    try:
        leaf_constraints = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        if leaf_constraints.ca:
            raise X509Error("LEAF_IS_CA", "the signing certificate is a CA certificate")
    except x509.ExtensionNotFound:
        pass
    try:
        if not leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
            raise X509Error("LEAF_KEY_USAGE", "the signing certificate lacks digitalSignature")
    except x509.ExtensionNotFound:
        pass
    for position in range(len(chain) - 1):
        issuer = chain[position + 1]
        _check_issued_by(chain[position], issuer)
        _check_ca(issuer, cas_below=position)
    top = chain[-1]
    for anchor in anchors:
        if anchor.subject != top.issuer:
            continue
        try:
            _check_issued_by(top, anchor)
        except X509Error:
            continue
        _check_validity(anchor, now)
        _check_ca(anchor, cas_below=len(chain) - 1)
        pem = leaf.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return PublicKey.from_pem(pem), _der(anchor)
    raise X509Error("UNTRUSTED_CHAIN", "the chain does not end at a configured trust anchor")


def certificate_public_key(der: bytes) -> PublicKey:
    """The subject public key of a DER certificate."""
    return PublicKey.from_pem(
        _load(der)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def authority_key_identifiers(x5c: Sequence[str]) -> list[bytes]:
    """The keyIdentifier of each certificate's authorityKeyIdentifier along ``x5c`` (what a DCQL
    ``trusted_authorities`` entry of type ``aki`` names, OpenID4VP 1.0 §6.1.1.1)."""
    found = []
    for certificate in _decode_x5c(x5c):
        try:
            aki = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        except x509.ExtensionNotFound:
            continue
        if aki.key_identifier:
            found.append(aki.key_identifier)
    return found


def leaf_subject_alt_names(x5c: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(uris, dns_names)`` of the leaf's subjectAltName, to match against the SD-JWT VC ``iss``."""
    leaf = _decode_x5c(x5c)[0]
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return san.get_values_for_type(x509.UniformResourceIdentifier), san.get_values_for_type(x509.DNSName)


def pem_chain(*ders: bytes) -> str:
    """DER certificates as a PEM bundle (RFC 7468, 64-character lines), in order."""
    blocks = []
    for der in ders:
        body = base64.b64encode(der).decode("ascii")
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        blocks.append(f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n")
    return "".join(blocks)


def split_pem_chain(pem: str) -> list[bytes]:
    """The DER certificates of a PEM bundle, in order."""
    ders: list[bytes] = []
    for block in pem.split("-----BEGIN CERTIFICATE-----")[1:]:
        body, sep, _rest = block.partition("-----END CERTIFICATE-----")
        if not sep:
            raise X509Error("MALFORMED_CERTIFICATE", "a PEM certificate block is not closed")
        try:
            ders.append(base64.b64decode("".join(body.split()), validate=True))
        except ValueError:
            raise X509Error("MALFORMED_CERTIFICATE", "a PEM certificate block is not base64") from None
    if not ders:
        raise X509Error("MALFORMED_CERTIFICATE", "no PEM certificate found")
    return ders


def imported_chain(ders: Sequence[bytes], now: dt.datetime) -> tuple[list[str], PublicKey]:
    """Check an institution's chain (leaf first, ending with its self-signed root) and return the
    ``x5c`` to send (without the root) and the leaf's public key."""
    if len(ders) < 2:
        raise X509Error("MALFORMED_X5C", "send the leaf certificate and its chain up to the root")
    x5c = x5c_chain(ders[:-1])
    return x5c, verify_chain(x5c, [ders[-1]], now)
