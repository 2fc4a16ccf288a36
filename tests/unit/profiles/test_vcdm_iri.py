"""profiles.vcdm.iri: the absolute IRI syntax (RFC 3986 / RFC 3987) the VC Data Model's identifiers need."""

from __future__ import annotations

import time

import pytest

from profiles.vcdm.iri import is_absolute_iri

IRIS = [
    "https://example.org/credentials/1",
    "https://example.org/#ExampleCredential",
    "did:example:subject",
    "did:key:z6MkmbfPCJRVCF3LPJzFCyso53yeEcUbwMnsz3TF4189jxZk#z6MkmbfPCJRVCF3LPJzFCyso53yeEcUbwMnsz3TF4189jxZk",
    "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "mailto:registrar@example.edu",
    "https://user:pw@example.org:8443/p/a%20b?q=1&r=2#frag",
    "http://[::1]:8080/x",
    "http://[v7.fe80::1]/",
    "https://例え.jp/パス?クエリ#断片",
    "data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.sig",
    "urn:x",  # a scheme without a host in its syntax needs none
    "file:///etc/hosts",
    "HTTPS://EXAMPLE.ORG",
    "https://user@example.org",
]
NOT_IRIS = [
    "https ://not-a-url/vcs/1",  # a space in the scheme
    "fake-issuer",  # no scheme
    "",
    ":no-scheme",
    "1http://example.org",  # a scheme starts with a letter
    "https://exa mple.org/",
    "https://example.org/a b",
    "urn:x:%zz",  # not a percent-encoding
    "https://example.org/<script>",
    "http://[::1/",
    "http://[fe80::1%25eth0]/",  # zone identifiers are not RFC 3986
    "http://host:port/",
    "http://a@b@c/",
    "https://example.org/\n",
    # http(s), ws(s) and ftp URIs name a host (RFC 9110 §4.2.1-4.2.2; the URL Standard fails them too)
    "http:",
    "https:",
    "https://",
    "HTTPS://",
    "https:///path",
    "https://:443/",
    "https://user@/",
    "https:example.org",
    "wss://",
]


@pytest.mark.parametrize("value", IRIS)
def test_absolute_iris(value: str) -> None:
    assert is_absolute_iri(value)


@pytest.mark.parametrize("value", NOT_IRIS)
def test_not_absolute_iris(value: str) -> None:
    assert not is_absolute_iri(value)


@pytest.mark.parametrize("value", [None, 4, ["https://example.org/"], {"id": "https://example.org/"}])
def test_only_strings_are_iris(value: object) -> None:
    assert not is_absolute_iri(value)


def test_long_input_is_checked_in_linear_time() -> None:
    start = time.perf_counter()
    assert not is_absolute_iri("https://" + "a" * 500_000 + " ")
    assert not is_absolute_iri("https://" + "a:" * 200_000)
    assert time.perf_counter() - start < 10.0  # a quadratic scan of 500,000 characters takes minutes
