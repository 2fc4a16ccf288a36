"""The Verifier's pipeline on its own: in-memory key resolution (did:key) and status lists, a fixed clock."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from issuer.secure import secure
from issuer.status.list_credential import bitstring_status_list_credential
from profiles import validation
from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.statuslist import MIN_ENTRIES, set_value
from schemas.problems import problem_type
from tests.paths import ROOT
from tests.unit.verifier.builders import passed_checks
from verifier import Check, DidResolver, KeyResolutionError, ResolvedKey, VerificationResult, Verifier

REFERENCE = ROOT / "bench" / "data" / "reference-mc.json"
CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
SKEW = dt.timedelta(minutes=5)
LIST_URL = "https://status.example/lists/1/"
INDEX = 77


def _key(seed: int) -> PrivateKey:
    return PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([seed]) * 32)


ISSUER_KEY = _key(1)
OTHER_KEY = _key(2)


def _vm(key: PrivateKey) -> str:
    return key.public_key().did_key_vm()


def _did(key: PrivateKey) -> str:
    return key.public_key().did_key()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def _list_text(
    loader: DocumentLoader,
    purpose: str,
    *,
    set_index: int | None = None,
    value: int = 1,
    size: int = 1,
    entries: int = MIN_ENTRIES,
    key: PrivateKey = ISSUER_KEY,
    issuer: str | None = None,
    method: str | None = None,
) -> str:
    bits = bytes(entries * size // 8)
    if set_index is not None:
        bits = set_value(bits, set_index, value, size)
    unsigned = bitstring_status_list_credential(
        url=LIST_URL + purpose, issuer=issuer or _did(key), purpose=purpose, bits=bits, valid_from=CREATED
    )
    return secure(
        unsigned,
        fmt="ldp_vc",
        signer=key,
        verification_method=method or _vm(key),
        loader=loader,
        now=CREATED,
    )


def _entry(purpose: str, index: int = INDEX, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{LIST_URL}{purpose}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL + purpose,
        **extra,
    }


def _credential(
    loader: DocumentLoader,
    *,
    key: PrivateKey = ISSUER_KEY,
    issuer_key: PrivateKey = ISSUER_KEY,
    status: list[dict[str, Any]] | None = None,
    issuer: str | None = None,
    method: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    doc = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    doc["issuer"]["id"] = issuer or _did(issuer_key)
    doc.pop("credentialStatus", None)
    if status is not None:
        doc["credentialStatus"] = status if len(status) != 1 else status[0]
    doc.update(fields)
    return add_proof(doc, key=key, verification_method=method or _vm(key), created=CREATED, loader=loader)


def _verifier(
    loader: DocumentLoader,
    lists: dict[str, str] | None = None,
    resolver: Any = None,
    **kwargs: Any,
) -> Verifier:
    store = lists if lists is not None else {}
    return Verifier(
        loader=loader,
        resolver=resolver or DidResolver(),
        fetch_status_list=lambda url: store[url],
        skew=SKEW,
        **kwargs,
    )


def _outcomes(result: VerificationResult) -> dict[str, str]:
    return {c.id: c.outcome for c in result.checks}


def _failed(result: VerificationResult) -> dict[str, str | None]:
    return {c.id: c.type for c in result.checks if c.outcome == "failed"}


def _status(result: VerificationResult) -> Check:
    checks = [c for c in result.checks if c.id == "status" and c.outcome != "warning"]
    assert len(checks) == 1, result.checks
    return checks[0]


def test_valid_did_key_credential(loader: DocumentLoader) -> None:
    lists = {LIST_URL + "revocation": _list_text(loader, "revocation")}
    vc = _credential(loader, status=[_entry("revocation")])
    result = _verifier(loader, lists).verify(vc, now=NOW)
    assert result.verified
    assert _outcomes(result) == passed_checks()
    assert result.check("proof").details == {"verificationMethod": _vm(ISSUER_KEY)}  # type: ignore[union-attr]
    # The same as JSON text.
    assert _outcomes(_verifier(loader, lists).verify(json.dumps(vc), now=NOW)) == _outcomes(result)


def test_tampered_fails_the_proof(loader: DocumentLoader) -> None:
    vc = _credential(loader)
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    result = _verifier(loader).verify(tampered, now=NOW)
    assert _failed(result) == {"proof": problem_type("invalid-proof")}
    assert _outcomes(result)["issuer"] == "skipped"
    assert not result.verified

    proof_changed = copy.deepcopy(vc)
    proof_changed["proof"]["created"] = "2026-03-21T09:00:00Z"
    assert _failed(_verifier(loader).verify(proof_changed, now=NOW)) == {
        "proof": problem_type("invalid-proof")
    }

    bad_value = copy.deepcopy(vc)
    bad_value["proof"]["proofValue"] = "not multibase"
    assert _failed(_verifier(loader).verify(bad_value, now=NOW)) == {"proof": problem_type("invalid-proof")}

    # Issue 13: a proof made for another purpose says so (not "the signature does not match").
    wrong_purpose = copy.deepcopy(vc)
    wrong_purpose["proof"]["proofPurpose"] = "authentication"
    assert _failed(_verifier(loader).verify(wrong_purpose, now=NOW)) == {
        "proof": problem_type("wrong-proof-purpose")
    }


def test_proof_set_with_one_bad_proof_fails(loader: DocumentLoader) -> None:
    """Issue 13 (was: one valid proof sufficed): every proof of a set must verify (VC DI §4.5)."""
    vc = _credential(loader)
    bad = {**vc["proof"], "proofValue": vc["proof"]["proofValue"][:-4] + "AAAA"}
    vc["proof"] = [bad, vc["proof"]]
    result = _verifier(loader).verify(vc, now=NOW)
    assert not result.verified
    assert _failed(result) == {"proof": problem_type("invalid-proof")}
    outcomes = [p["outcome"] for p in result.check("proof").details["proofs"]]  # type: ignore[union-attr]
    assert outcomes == ["failed", "passed"]


def test_undefined_terms_in_body_and_proof(loader: DocumentLoader) -> None:
    vc = _credential(loader)
    body = copy.deepcopy(vc)
    body["credentialSubject"]["favouriteColour"] = "blue"
    result = _verifier(loader).verify(body, now=NOW)
    assert _failed(result)["contexts"] == problem_type("undefined-term")
    assert _outcomes(result)["proof"] == "skipped"

    in_proof = copy.deepcopy(vc)
    in_proof["proof"]["favouriteColour"] = "blue"
    result = _verifier(loader).verify(in_proof, now=NOW)
    assert _failed(result) == {"contexts": problem_type("undefined-term")}
    assert result.check("contexts").details["term"] == "favouriteColour"  # type: ignore[union-attr]

    unknown = copy.deepcopy(vc)
    unknown["@context"].append("https://example.org/unknown-context.jsonld")
    assert _failed(_verifier(loader).verify(unknown, now=NOW)) == {
        "contexts": problem_type("unknown-context")
    }


def test_wrong_key_controller_fails_the_issuer(loader: DocumentLoader) -> None:
    vc = _credential(loader, key=OTHER_KEY, issuer_key=ISSUER_KEY)
    result = _verifier(loader).verify(vc, now=NOW)
    assert _outcomes(result)["proof"] == "passed"
    assert _failed(result) == {"issuer": problem_type("issuer-mismatch")}


@pytest.mark.parametrize(
    ("now", "failed"),
    [
        (CREATED - SKEW, {}),  # exactly at the skew: still accepted
        (CREATED - SKEW - dt.timedelta(seconds=1), {"validity": problem_type("not-yet-valid")}),
    ],
)
def test_not_yet_valid_skew_edge(loader: DocumentLoader, now: dt.datetime, failed: dict[str, str]) -> None:
    vc = _credential(loader, validFrom="2026-03-20T09:00:00Z")
    assert _failed(_verifier(loader).verify(vc, now=now)) == failed


@pytest.mark.parametrize(
    ("delta", "failed"),
    [
        (SKEW, {}),
        (SKEW + dt.timedelta(seconds=1), {"validity": problem_type("expired")}),
    ],
)
def test_expired_skew_edge(loader: DocumentLoader, delta: dt.timedelta, failed: dict[str, str]) -> None:
    end = dt.datetime(2026, 6, 30, 0, 0, tzinfo=dt.UTC)
    vc = _credential(loader, validUntil="2026-06-30T00:00:00Z")
    assert _failed(_verifier(loader).verify(vc, now=end + delta)) == failed


def test_invalid_date(loader: DocumentLoader) -> None:
    vc = _credential(loader, validUntil="not a date")
    assert _failed(_verifier(loader).verify(vc, now=NOW))["validity"] == problem_type("invalid-date")


def test_revoked_and_suspended(loader: DocumentLoader) -> None:
    lists = {
        LIST_URL + "revocation": _list_text(loader, "revocation", set_index=INDEX),
        LIST_URL + "suspension": _list_text(loader, "suspension"),
    }
    vc = _credential(loader, status=[_entry("revocation"), _entry("suspension")])
    result = _verifier(loader, lists).verify(vc, now=NOW)
    assert _failed(result) == {"status": problem_type("credential-revoked")}

    lists[LIST_URL + "revocation"] = _list_text(loader, "revocation")
    lists[LIST_URL + "suspension"] = _list_text(loader, "suspension", set_index=INDEX)
    result = _verifier(loader, lists).verify(vc, now=NOW)
    assert _failed(result) == {"status": problem_type("credential-suspended")}

    # Another index of the same lists is untouched.
    other = _credential(loader, status=[_entry("revocation", INDEX + 1), _entry("suspension", INDEX + 1)])
    assert _verifier(loader, lists).verify(other, now=NOW).verified


def test_revoked_with_message_reason(loader: DocumentLoader) -> None:
    table = [
        {"status": "0x0", "message": "no reason"},
        {"status": "0x1", "message": "issued_in_error"},
        {"status": "0x2", "message": "misconduct"},
    ]
    lists = {
        LIST_URL + "revocation": _list_text(loader, "revocation", set_index=INDEX),
        LIST_URL + "message": _list_text(loader, "message", set_index=INDEX, value=1, size=2),
    }
    vc = _credential(
        loader,
        status=[_entry("revocation"), _entry("message", statusSize=2, statusMessage=table)],
    )
    result = _verifier(loader, lists).verify(vc, now=NOW)
    status = _status(result)
    assert (status.outcome, status.type) == ("failed", problem_type("credential-revoked"))
    assert status.details == {"reason": "issued_in_error"}


@pytest.mark.parametrize(
    "table", [5, True, "issued_in_error", {"status": "0x1", "message": "x"}, [1, None, []]]
)
def test_a_message_table_that_is_not_one_gives_no_reason(loader: DocumentLoader, table: Any) -> None:
    """``statusMessage`` is a list of {status, message} (BSL §2.1); anything else (a number was a TypeError:
    a 500 for a credential of anyone's did:key) names no reason: the status is still decided."""
    lists = {
        LIST_URL + "revocation": _list_text(loader, "revocation", set_index=INDEX),
        LIST_URL + "message": _list_text(loader, "message", set_index=INDEX, value=1, size=2),
    }
    vc = _credential(
        loader,
        status=[_entry("revocation"), _entry("message", statusSize=2, statusMessage=table)],
    )
    status = _status(_verifier(loader, lists).verify(vc, now=NOW))
    assert (status.outcome, status.type) == ("failed", problem_type("credential-revoked"))
    assert not (status.details or {}).get("reason")


def test_status_list_with_a_bad_proof(loader: DocumentLoader) -> None:
    text = _list_text(loader, "revocation")
    doc = json.loads(text)
    doc["credentialSubject"]["encodedList"] = json.loads(_list_text(loader, "revocation", set_index=INDEX))[
        "credentialSubject"
    ]["encodedList"]
    lists = {LIST_URL + "revocation": json.dumps(doc)}
    vc = _credential(loader, status=[_entry("revocation")])
    result = _verifier(loader, lists).verify(vc, now=NOW)
    status = _status(result)
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR"}


def test_status_list_unreadable_or_unavailable(loader: DocumentLoader) -> None:
    vc = _credential(loader, status=[_entry("revocation")])
    lists = {LIST_URL + "revocation": "{not json"}
    status = _status(_verifier(loader, lists).verify(vc, now=NOW))
    assert status.details == {"code": "STATUS_VERIFICATION_ERROR"}
    status = _status(_verifier(loader, {}).verify(vc, now=NOW))
    assert status.details == {"code": "STATUS_RETRIEVAL_ERROR"}


def test_status_list_too_short(loader: DocumentLoader) -> None:
    lists = {LIST_URL + "revocation": _list_text(loader, "revocation", entries=8 * 1024)}
    vc = _credential(loader, status=[_entry("revocation")])
    status = _status(_verifier(loader, lists).verify(vc, now=NOW))
    assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
    assert status.details == {"code": "STATUS_LIST_LENGTH_ERROR"}
    # The same list is enough for a verifier that asks for fewer entries.
    assert _verifier(loader, lists, min_status_entries=8 * 1024).verify(vc, now=NOW).verified


def _count_verifications(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    inner: Callable[..., Any] = Verifier._verify

    def counting(self: Verifier, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return inner(self, *args, **kwargs)

    monkeypatch.setattr(Verifier, "_verify", counting)
    return calls


def test_cached_list_is_reverified_when_it_changes(
    loader: DocumentLoader, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_verifications(monkeypatch)
    lists = {LIST_URL + "revocation": _list_text(loader, "revocation")}
    vc = _credential(loader, status=[_entry("revocation")])
    verifier = _verifier(loader, lists)
    assert verifier.verify(vc, now=NOW).verified
    assert calls[0] == 2  # the credential and its status list
    assert verifier.verify(vc, now=NOW).verified
    # Another Verifier sharing the memo of verified lists.
    assert _verifier(loader, lists, verified_lists=verifier.verified_lists).verify(vc, now=NOW).verified
    assert calls[0] == 4  # the unchanged list was not verified again

    lists[LIST_URL + "revocation"] = _list_text(loader, "revocation", set_index=INDEX)
    assert _failed(verifier.verify(vc, now=NOW)) == {"status": problem_type("credential-revoked")}
    assert calls[0] == 6  # the changed list was

    tampered = json.loads(lists[LIST_URL + "revocation"])
    tampered["credentialSubject"]["encodedList"] = json.loads(_list_text(loader, "revocation"))[
        "credentialSubject"
    ]["encodedList"]
    lists[LIST_URL + "revocation"] = json.dumps(tampered)
    assert _status(verifier.verify(vc, now=NOW)).details == {"code": "STATUS_VERIFICATION_ERROR"}
    # Not remembered as verified: failing again, and verified again each time.
    assert _status(verifier.verify(vc, now=NOW)).details == {"code": "STATUS_VERIFICATION_ERROR"}
    assert calls[0] == 10


UNIVERSITY = "did:example:university"


class _Revocable(DidResolver):
    """did:key, and an issuer with two keys (``#credentials`` signs credentials, ``#lists`` its status
    lists), except for the verification methods in ``refused``."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: set[str] = set()

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        if method_id in self.refused:
            raise KeyResolutionError("KEY_NOT_FOUND", "refused")
        own = {f"{UNIVERSITY}#credentials": ISSUER_KEY, f"{UNIVERSITY}#lists": OTHER_KEY}.get(method_id)
        if own is not None:
            return ResolvedKey(own.public_key(), UNIVERSITY, method_id)
        return super().resolve(method_id, relation=relation)


def test_cached_list_is_reverified_when_its_key_goes(loader: DocumentLoader) -> None:
    """The issuer signs its status lists with another of its keys; once that key is gone, the cached list
    is verified again, and fails. (Issue 13: a list by another issuer no longer passes with a warning,
    so the list is the issuer's own here.)"""
    resolver = _Revocable()
    list_text = _list_text(
        loader, "revocation", key=OTHER_KEY, issuer=UNIVERSITY, method=f"{UNIVERSITY}#lists"
    )
    lists = {LIST_URL + "revocation": list_text}
    vc = _credential(
        loader, status=[_entry("revocation")], issuer=UNIVERSITY, method=f"{UNIVERSITY}#credentials"
    )
    verifier = _verifier(loader, lists, resolver=resolver)
    result = verifier.verify(vc, now=NOW)
    assert result.verified and _status(result).outcome == "passed"
    assert [c.outcome for c in result.checks if c.id == "status"] == ["passed"]
    resolver.refused.add(f"{UNIVERSITY}#lists")
    status = _status(verifier.verify(vc, now=NOW))
    assert (status.outcome, status.details) == ("failed", {"code": "STATUS_VERIFICATION_ERROR"})


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


_DELETE = object()


def test_fast_schema_check_agrees_with_jsonschema() -> None:
    """The compiled yes/no check answers as jsonschema's iter_errors on many broken credentials."""
    doc = json.loads(REFERENCE.read_text(encoding="utf-8"))
    doc.pop("proof", None)
    checked = {"valid": 0, "invalid": 0}
    descriptor = doc["credentialSubject"]["achievement"]["mcDescriptor"]
    for validator, subject in (
        (validation.ob_validator(), doc),
        (validation.descriptor_validator(False), descriptor),
        (validation.descriptor_validator(True), descriptor),
    ):
        fast = validation.fast_check(validator)
        assert fast is not None
        for path in _paths(subject):
            if not path:
                continue
            for replacement in (_DELETE, None, "", []):
                mutant = copy.deepcopy(subject)
                node = mutant
                for part in path[:-1]:
                    node = node[part]
                if replacement is _DELETE:
                    del node[path[-1]]
                else:
                    node[path[-1]] = replacement
                expected = not any(True for _ in validator.iter_errors(mutant))
                assert fast(mutant) is expected, (path, replacement)
                checked["valid" if expected else "invalid"] += 1
    assert checked["valid"] > 100 and checked["invalid"] > 100
    # Errors are still jsonschema's.
    broken = copy.deepcopy(doc)
    del broken["issuer"]
    assert validation.validate_credential_schema(broken) == [validation.SchemaError("/issuer", "is required")]
