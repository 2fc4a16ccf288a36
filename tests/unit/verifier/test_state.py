"""What the verifier keeps between calls is the caller's: the memo of verified status lists is an object
passed in (two verifiers with their own memos share nothing), keys are remembered within one call only, and
no module of verifier/ keeps mutable state or reads a clock."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from issuer.secure import secure
from issuer.status.list_credential import bitstring_status_list_credential
from proofs.data_integrity import add_proof
from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.keys import KeyAlgorithm, PrivateKey
from proofs.statuslist import MIN_ENTRIES
from tests.paths import ROOT
from verifier import CallResolver, DidResolver, ResolvedKey, VerifiedStatusLists, Verifier

CREATED = dt.datetime(2026, 3, 20, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
LIST_URL = "https://status.example/lists/1/revocation"
KEY = PrivateKey.from_raw_secret(KeyAlgorithm.ED25519, bytes([3]) * 32)
VM = KEY.public_key().did_key_vm()


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


@pytest.fixture(scope="module")
def status_list(loader: DocumentLoader) -> str:
    unsigned = bitstring_status_list_credential(
        url=LIST_URL,
        issuer=KEY.public_key().did_key(),
        purpose="revocation",
        bits=bytes(MIN_ENTRIES // 8),
        valid_from=CREATED,
    )
    return secure(unsigned, fmt="ldp_vc", signer=KEY, verification_method=VM, loader=loader, now=CREATED)


@pytest.fixture(scope="module")
def credential(loader: DocumentLoader) -> dict[str, Any]:
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:7d0c7a52-2a3e-4a0e-9a55-0c3f6f0f2a11",
        "type": ["VerifiableCredential"],
        "issuer": KEY.public_key().did_key(),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
        "credentialStatus": {
            "id": f"{LIST_URL}#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": LIST_URL,
        },
    }
    return add_proof(unsigned, key=KEY, verification_method=VM, created=CREATED, loader=loader)


class _CountingResolver(DidResolver):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def resolve(self, method_id: str, *, relation: str = "assertionMethod") -> ResolvedKey:
        self.calls += 1
        return super().resolve(method_id, relation=relation)


def _list_verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The status list texts verified from now on (the nested verifications)."""
    seen: list[str] = []
    inner: Callable[..., Any] = Verifier._verify

    def recording(self: Verifier, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, str):
            seen.append(data)
        return inner(self, data, **kwargs)

    monkeypatch.setattr(Verifier, "_verify", recording)
    return seen


def _verifier(loader: DocumentLoader, status_list: str, memo: VerifiedStatusLists | None = None) -> Verifier:
    return Verifier(
        loader=loader,
        resolver=DidResolver(),
        fetch_status_list={LIST_URL: status_list}.__getitem__,
        verified_lists=memo,
    )


def test_separate_memos_share_nothing(
    loader: DocumentLoader, status_list: str, credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _list_verifications(monkeypatch)
    first, second = VerifiedStatusLists(), VerifiedStatusLists()
    a, b = _verifier(loader, status_list, first), _verifier(loader, status_list, second)
    assert a.verified_lists is first and b.verified_lists is second
    assert a.verify(credential, now=NOW).verified
    assert a.verify(credential, now=NOW).verified
    assert len(seen) == 1  # the list verified once for a, then found in its memo
    assert b.verify(credential, now=NOW).verified
    assert len(seen) == 2  # b's memo did not have it
    assert first.get(loader, (LIST_URL, _sha(status_list))) is not None
    first.clear()
    assert first.get(loader, (LIST_URL, _sha(status_list))) is None
    assert second.get(loader, (LIST_URL, _sha(status_list))) is not None
    assert a.verify(credential, now=NOW).verified
    assert len(seen) == 3  # a verifies again after its memo was emptied; b's is untouched
    assert b.verify(credential, now=NOW).verified
    assert len(seen) == 3


def test_a_shared_memo_is_shared_and_defaults_are_per_verifier(
    loader: DocumentLoader, status_list: str, credential: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _list_verifications(monkeypatch)
    shared = VerifiedStatusLists()
    assert _verifier(loader, status_list, shared).verify(credential, now=NOW).verified
    assert _verifier(loader, status_list, shared).verify(credential, now=NOW).verified
    assert len(seen) == 1
    own_a, own_b = _verifier(loader, status_list), _verifier(loader, status_list)
    assert own_a.verified_lists is not own_b.verified_lists
    assert own_a.verify(credential, now=NOW).verified and own_b.verify(credential, now=NOW).verified
    assert len(seen) == 3


def test_a_memo_is_per_loader(loader: DocumentLoader, status_list: str, credential: dict[str, Any]) -> None:
    memo = VerifiedStatusLists()
    other_loader = bundled_loader()
    assert _verifier(loader, status_list, memo).verify(credential, now=NOW).verified
    key = (LIST_URL, _sha(status_list))
    assert memo.get(loader, key) is not None
    assert memo.get(other_loader, key) is None


def test_keys_are_remembered_within_one_call_only(
    loader: DocumentLoader, status_list: str, credential: dict[str, Any]
) -> None:
    resolver = _CountingResolver()
    verifier = Verifier(
        loader=loader,
        resolver=resolver,
        fetch_status_list={LIST_URL: status_list}.__getitem__,
        verified_lists=VerifiedStatusLists(),
    )
    assert verifier.verify(credential, now=NOW).verified
    assert resolver.calls == 1  # the credential's and its status list's proofs name the same key
    assert verifier.verify(credential, now=NOW).verified
    assert resolver.calls == 2  # a new call resolves again (a removed key is noticed)
    call = CallResolver(resolver, now=NOW)
    assert call.resolve(VM) == call.resolve(VM) and resolver.calls == 3


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# --- no module state, no clock ----------------------------------------------------------------------------

_MUTABLE_CALLS = {
    "dict",
    "list",
    "set",
    "defaultdict",
    "OrderedDict",
    "deque",
    "WeakKeyDictionary",
    "WeakValueDictionary",
}
_CACHING_DECORATORS = {"cache", "lru_cache", "cached_property"}
_CLOCK_READS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "time_ns", "monotonic_ns"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _problems(path: str, tree: ast.Module) -> list[str]:
    problems: list[str] = []
    for stmt in tree.body:
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        if value is None or any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        mutable = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp)
        if isinstance(value, ast.Call) and _name(value.func) in _MUTABLE_CALLS:
            mutable = True
        if mutable:
            problems.append(f"{path}:{stmt.lineno}: module-level mutable value")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if "time" in modules:
                problems.append(f"{path}:{node.lineno}: imports time")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _CLOCK_READS
        ):
            problems.append(f"{path}:{node.lineno}: reads a clock ({node.func.attr})")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if _name(target) in _CACHING_DECORATORS:
                    problems.append(f"{path}:{node.lineno}: a caching decorator keeps module state")
    return problems


def test_no_module_state_and_no_clock_in_the_verifier() -> None:
    files = sorted((ROOT / "verifier").rglob("*.py"))
    assert len(files) > 10
    problems = [
        p
        for f in files
        for p in _problems(str(f.relative_to(ROOT)), ast.parse(f.read_text(encoding="utf-8")))
    ]
    assert problems == []


def test_the_state_check_catches_each_breach() -> None:
    source = (
        "import time\n"
        "import datetime as dt\n"
        "import functools\n"
        "_MEMO = {}\n"
        "_SEEN: list[str] = []\n"
        "_BY = WeakKeyDictionary()\n"
        "__all__ = ['f']\n"
        "_OK = frozenset({'a'})\n"
        "@functools.lru_cache\n"
        "def f() -> object:\n"
        "    return dt.datetime.now(dt.UTC)\n"
    )
    assert _problems("m.py", ast.parse(source)) == [
        "m.py:4: module-level mutable value",
        "m.py:5: module-level mutable value",
        "m.py:6: module-level mutable value",
        "m.py:1: imports time",
        "m.py:10: a caching decorator keeps module state",
        "m.py:11: reads a clock (now)",
    ]
    assert json.dumps(_problems("ok.py", ast.parse("_OK = frozenset({'a'})\n"))) == "[]"
