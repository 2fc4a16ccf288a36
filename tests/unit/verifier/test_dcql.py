"""DCQL (OpenID4VP 1.0 §6, §7): reading a query, claims paths, claim sets, credential sets, with the
shapes of the specification's examples."""

from __future__ import annotations

from typing import Any

import pytest

from verifier.dcql import (
    DcqlError,
    claims_missing,
    holder_binding_required,
    meta_matches,
    read_query,
    select_path,
    sets_satisfied,
    trusted_authority_matches,
)

PID = "https://credentials.example.com/identity_credential"


def _query(**changes: Any) -> dict[str, Any]:
    query: dict[str, Any] = {
        "credentials": [
            {
                "id": "my_credential",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [PID]},
                "claims": [
                    {"path": ["last_name"]},
                    {"path": ["first_name"]},
                    {"path": ["address", "street_address"]},
                ],
            }
        ]
    }
    query.update(changes)
    return query


def test_the_specification_example_reads() -> None:
    assert read_query(_query()) == _query()
    ldp = {
        "credentials": [
            {
                "id": "badge",
                "format": "ldp_vc",
                "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]},
                "claims": [{"path": ["credentialSubject", "achievement", "name"]}],
            }
        ]
    }
    assert read_query(ldp) == ldp


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"credentials": []}, "invalid-query"),
        (
            {"credentials": [{"id": "a b", "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}]},
            "invalid-credential-id",
        ),
        (
            {"credentials": [{"id": "a", "format": "mso_mdoc", "meta": {"doctype_value": "x"}}]},
            "unsupported-format",
        ),
        ({"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": []}}]}, "invalid-meta"),
        ({"credentials": [{"id": "a", "format": "ldp_vc", "meta": {"type_values": ["x"]}}]}, "invalid-meta"),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [PID]},
                        "claims": [{"path": []}],
                    }
                ]
            },
            "invalid-claim-path",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [PID]},
                        "claims": [{"path": [-1]}],
                    }
                ]
            },
            "invalid-claim-path",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [PID]},
                        "claims": [{"id": "x", "path": ["a"]}],
                        "claim_sets": [["y"]],
                    }
                ]
            },
            "invalid-claim-sets",
        ),
        ({"credential_sets": [{"options": [["nope"]]}]}, "invalid-credential-sets"),
        (
            {"credential_sets": [{"options": [["my_credential"]], "required": "yes"}]},
            "invalid-credential-sets",
        ),
        (
            {
                "credentials": [
                    {
                        "id": "a",
                        "format": "ldp_vc",
                        "meta": {"type_values": [["OpenBadgeCredential"]]},
                        "require_cryptographic_holder_binding": "false",
                    }
                ]
            },
            "invalid-holder-binding",
        ),
    ],
)
def test_malformed_queries_are_refused(change: dict[str, Any], code: str) -> None:
    with pytest.raises(DcqlError) as caught:
        read_query(_query(**change))
    assert caught.value.code == code


def test_holder_binding_is_required_by_default() -> None:
    """§6.1: require_cryptographic_holder_binding defaults to true; only false relaxes it."""
    query = {"id": "a", "format": "ldp_vc", "meta": {"type_values": [["OpenBadgeCredential"]]}}
    assert holder_binding_required(query)
    assert holder_binding_required({**query, "require_cryptographic_holder_binding": True})
    assert not holder_binding_required({**query, "require_cryptographic_holder_binding": False})
    assert read_query({"credentials": [{**query, "require_cryptographic_holder_binding": False}]})


def test_claims_paths_select_members_indexes_and_every_item() -> None:
    doc = {"a": {"b": [{"c": 1}, {"c": 2}, {"d": 3}]}}
    assert select_path(doc, ["a", "b", None, "c"]) == [1, 2]
    assert select_path(doc, ["a", "b", 2, "d"]) == [3]
    assert select_path(doc, ["a", "x"]) == []
    assert select_path(doc, ["a", "b", 7]) == []


def test_claims_missing_with_values_and_claim_sets() -> None:
    credential = _query()["credentials"][0]
    claims = {"last_name": "Doe", "first_name": "Jane", "address": {"street_address": "Main St"}}
    assert claims_missing(credential, claims) == []
    assert claims_missing(credential, {"last_name": "Doe"}) == ["first_name", "address.street_address"]
    # values: the claim must hold one of them (a boolean is not the number 1)
    query = {"claims": [{"path": ["level"], "values": [1, 2]}]}
    assert claims_missing(query, {"level": 2}) == []
    assert claims_missing(query, {"level": 3}) == ["level"]
    assert claims_missing(query, {"level": True}) == ["level"]
    # claim_sets: the first satisfiable option suffices; else the smallest gap is named
    sets = {
        "claims": [{"id": "a", "path": ["a"]}, {"id": "b", "path": ["b"]}, {"id": "c", "path": ["c"]}],
        "claim_sets": [["a", "c"], ["b"]],
    }
    assert claims_missing(sets, {"b": 1}) == []
    assert claims_missing(sets, {"a": 1}) == ["c"]


def test_meta_and_credential_sets() -> None:
    sd = {"format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}
    assert meta_matches(sd, vct=PID) and not meta_matches(sd, vct="urn:other")
    ldp = {"format": "ldp_vc", "meta": {"type_values": [["VerifiableCredential", "OpenBadgeCredential"]]}}
    assert meta_matches(ldp, types=["VerifiableCredential", "OpenBadgeCredential", "Other"])
    assert not meta_matches(ldp, types=["VerifiableCredential"])
    query = {
        "credentials": [{"id": "pid"}, {"id": "other_pid"}, {"id": "degree"}],
        "credential_sets": [
            {"options": [["pid"], ["other_pid"]]},
            {"options": [["degree"]], "required": False},
        ],
    }
    assert sets_satisfied(query, {"other_pid"}) == []
    assert sets_satisfied(query, {"degree"}) == ["pid"]
    assert sets_satisfied({"credentials": [{"id": "a"}, {"id": "b"}]}, {"a"}) == ["b"]


def test_trusted_authorities() -> None:
    aki = [{"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}]
    query = _query()
    query["credentials"][0]["trusted_authorities"] = aki
    assert read_query(query)["credentials"][0]["trusted_authorities"] == aki
    for bad, code in (
        ([], "invalid-trusted-authorities"),
        ([{"type": "aki", "values": []}], "invalid-trusted-authorities"),
        ([{"type": "etsi_tl", "values": ["https://lotl.example"]}], "unsupported-trusted-authority"),
    ):
        query["credentials"][0]["trusted_authorities"] = bad
        with pytest.raises(DcqlError) as caught:
            read_query(query)
        assert caught.value.code == code
    credential = {"trusted_authorities": aki}
    assert trusted_authority_matches(credential, ["other", "s9tIpPmhxdiuNkHMEWNpYim8S8Y"])
    assert not trusted_authority_matches(credential, ["other"])
    assert trusted_authority_matches({}, [])
