"""The ``status`` check (Bitstring Status List v1.0): each status entry's list is fetched, its own proof
verified, and the credential's bit read; revoked or suspended fails, with the reason a ``message`` list
gives. :class:`VerifiedStatusLists` remembers lists whose proof passed, so an unchanged list is not
verified again: an object the caller owns and passes in (never module state).

A list only says something about a credential when the credential's issuer published it: a list issued
by anyone else (``status-list-issuer-mismatch``), or one whose own proof does not verify, whose entry is
malformed or that cannot be fetched (``status-unavailable``), fails the check ("the status could not be
established"); it never passes with a warning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from proofs.data_integrity import proofs_of
from proofs.jsonld import DocumentLoader
from proofs.statuslist import StatusListError, get_value, read_value
from schemas.problems import problem_type
from verifier.checks.data_integrity import expiry_failure
from verifier.checks.revocation_list import REVOCATION_LIST_TYPE, RevocationListError, revocation_state
from verifier.fields import issuer_id, status_entries, types_of
from verifier.keys import DidResolver, KeyResolutionError, ResolvedKey
from verifier.result import Check, UnreadableCredential, VerificationResult, failed

__all__ = ["MAX_STATUS_ENTRIES", "VerifiedList", "VerifiedStatusLists", "check_status", "verified_list"]

_INDEX = re.compile(r"[0-9]{1,12}")  # statusListIndex: a decimal string (BSL §2.1)
_MAX_STATUS_SIZE = 32  # bits per entry; the examples use 1 and 2
# Status entries read per credential: one per purpose is the usual (revocation, suspension, message,
# refresh); each may name a list of another URL that inflates to 16 MiB (proofs.statuslist).
MAX_STATUS_ENTRIES = 8


class _ForeignList(Exception):
    """The status list is issued by someone other than the credential's issuer."""

    def __init__(self, url: str, list_issuer: str | None) -> None:
        super().__init__(url)
        self.url = url
        self.list_issuer = list_issuer


@dataclass(frozen=True, slots=True)
class VerifiedList:
    """A status list credential whose signature passed: what it takes to trust it again."""

    signer: ResolvedKey | None  # the key its proof was verified with (None: not kept)
    relation: str
    doc: Mapping[str, Any]
    key: tuple[str, str] = ("", "")  # (URL, sha256 of the text): its decoded bits in the memo
    memo: VerifiedStatusLists | None = field(default=None, compare=False, repr=False)

    def read(self, encoded: str, index: int, size: int) -> tuple[int | None, int]:
        """Entry ``index`` of ``encoded`` (this list's encodedList; None: outside the list) and the list's
        length in bytes: from the memo's decoded bits, else inflated (and kept there when small enough)."""
        memo = self.memo
        bits = memo.bits(self.key) if memo is not None else None
        if bits is not None:
            inside = (index + 1) * size <= len(bits) * 8
            return (get_value(bits, index, size) if inside else None), len(bits)
        read = read_value(encoded, index, size, keep=memo.max_list_bytes if memo is not None else 0)
        if memo is not None and read.bits is not None:
            memo.put_bits(self.key, read.bits)
        return read.value, read.length


class VerifiedStatusLists:
    """Verified status list credentials by (URL, sha256 of the text), per document loader (the contexts
    are part of the result). A hit still resolves the signing key and must find the same key and
    controller, so a removed or rotated key is noticed; changed text is a new key, verified anew. Only
    lists with a single proof are kept (with a proof set, which proof decides may change). Thread-safe;
    at most ``max_entries`` per loader (then emptied, to refill from the next calls).

    Also the decoded bits of lists (by the same key): at most ``max_bytes`` in all (then emptied), and
    only of lists of at most ``max_list_bytes`` (1 MiB: 8,388,608 one-bit entries; ours are 16 KiB);
    a longer list is inflated again for each entry read, never held."""

    def __init__(
        self, max_entries: int = 256, *, max_bytes: int = 32 << 20, max_list_bytes: int = 1 << 20
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_list_bytes = min(max_list_bytes, max_bytes)
        self._by_loader: weakref.WeakKeyDictionary[DocumentLoader, dict[tuple[str, str], VerifiedList]]
        self._by_loader = weakref.WeakKeyDictionary()
        self._bits: dict[tuple[str, str], bytes] = {}
        self._bits_size = 0
        self._lock = threading.Lock()

    def bits(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            return self._bits.get(key)

    def put_bits(self, key: tuple[str, str], bits: bytes) -> None:
        if len(bits) > self.max_list_bytes:
            return
        with self._lock:
            if key in self._bits:
                return
            if self._bits_size + len(bits) > self.max_bytes:
                self._bits.clear()
                self._bits_size = 0
            self._bits[key] = bits
            self._bits_size += len(bits)

    @property
    def bits_size(self) -> int:
        """The decoded bytes held."""
        with self._lock:
            return self._bits_size

    def get(self, loader: DocumentLoader, key: tuple[str, str]) -> VerifiedList | None:
        with self._lock:
            items = self._by_loader.get(loader)
            return items.get(key) if items is not None else None

    def put(self, loader: DocumentLoader, key: tuple[str, str], item: VerifiedList) -> None:
        with self._lock:
            items = self._by_loader.setdefault(loader, {})
            if len(items) >= self.max_entries:
                items.clear()
            items[key] = item

    def clear(self) -> None:
        with self._lock:
            self._by_loader.clear()
            self._bits.clear()
            self._bits_size = 0


# Verifies a status list credential's text: its report, and the key whose Data Integrity proof passed.
VerifyList = Callable[[str], tuple[VerificationResult, ResolvedKey | None]]


def verified_list(
    url: str,
    *,
    fetch: Callable[[str], str] | None,
    memo: VerifiedStatusLists,
    loader: DocumentLoader,
    resolver: DidResolver,
    verify: VerifyList,
    still_valid: Callable[[Mapping[str, Any]], Check] | None = None,
    now: dt.datetime | None = None,
    skew: dt.timedelta = dt.timedelta(0),
) -> VerifiedList:
    """Fetch and verify the status list credential at ``url`` (or find it in ``memo``); raises
    StatusListError (BSL §3.5 codes). A list outside its validity period (``validFrom``/``validUntil``,
    BSL §3.2: the list credential is validated as a credential) establishes nothing; ``still_valid``
    checks a remembered list's validity again at the time of this verification, and a remembered list's
    proof is refused after its ``expires`` (VC DI §2.1) at ``now``, as verifying it anew would."""
    if fetch is None:
        raise StatusListError("STATUS_RETRIEVAL_ERROR", "status lists cannot be fetched here")
    try:
        text = fetch(url)
    except Exception as exc:
        raise StatusListError(
            "STATUS_RETRIEVAL_ERROR", f"the status list could not be fetched: {exc}"
        ) from None
    memo_key = (url, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    known = memo.get(loader, memo_key)
    if known is not None and known.signer is not None:
        try:
            resolved: ResolvedKey | None = resolver.resolve(known.signer.method_id, relation=known.relation)
        except KeyResolutionError:
            resolved = None
        if resolved == known.signer:
            again = still_valid(known.doc) if still_valid is not None else None
            if again is not None and again.outcome == "failed":  # a remembered list may have expired since
                raise StatusListError("STATUS_VERIFICATION_ERROR", _outside_validity(again))
            for signature in proofs_of(known.doc):  # and so may its proof
                expired = expiry_failure(signature, now=now, skew=skew)
                if expired is not None:
                    raise StatusListError(
                        "STATUS_VERIFICATION_ERROR", f"the status list's signature is not valid: {expired}"
                    )
            return known
    try:
        result, signer = verify(text)
    except UnreadableCredential:
        raise StatusListError("STATUS_VERIFICATION_ERROR", "the status list is not a credential") from None
    proof = result.check("proof")
    issuer = result.check("issuer")
    if not proof or proof.outcome != "passed" or not issuer or issuer.outcome != "passed":
        raise StatusListError("STATUS_VERIFICATION_ERROR", "the status list's signature is not valid")
    validity = result.check("validity")
    if validity is not None and validity.outcome == "failed":
        raise StatusListError("STATUS_VERIFICATION_ERROR", _outside_validity(validity))
    doc = result.credential or {}
    if "BitstringStatusListCredential" not in types_of(doc.get("type")):
        raise StatusListError("STATUS_VERIFICATION_ERROR", "not a BitstringStatusListCredential")
    proofs = proofs_of(doc)
    purpose = str(proofs[0].get("proofPurpose", "")) if len(proofs) == 1 else ""
    item = VerifiedList(signer, purpose, doc, memo_key, memo)
    if signer is not None and len(proofs) == 1:
        memo.put(loader, memo_key, item)
    return item


def _outside_validity(validity: Check) -> str:
    return f"the status list credential is not within its validity period ({validity.message})"


def _entry_value(
    entry: Mapping[str, Any],
    purpose: str,
    issuer: str | None,
    lists: Callable[[str], VerifiedList],
    min_entries: int,
) -> int:
    """The entry's status value from its verified list; raises StatusListError, or _ForeignList when
    the list is not the credential's issuer's."""
    url = entry.get("statusListCredential")
    index_raw = entry.get("statusListIndex")
    if not isinstance(url, str) or not isinstance(index_raw, str) or not _INDEX.fullmatch(index_raw):
        raise StatusListError("MALFORMED_VALUE_ERROR", "malformed status entry")
    size = _status_size(entry)
    listed = lists(url)
    doc = listed.doc
    if issuer_id(doc) != issuer:
        raise _ForeignList(url, issuer_id(doc))
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping) or purpose not in types_of(subject.get("statusPurpose")):
        raise StatusListError("STATUS_VERIFICATION_ERROR", "the list is for another purpose")
    encoded = str(subject.get("encodedList", ""))
    value, length = listed.read(encoded, int(index_raw), size)
    if length * 8 // size < min_entries:
        raise StatusListError("STATUS_LIST_LENGTH_ERROR", "the status list is too short")
    if value is None:
        raise StatusListError("RANGE_ERROR", f"index {index_raw} is outside the list")
    return value


def _status_size(entry: Mapping[str, Any]) -> int:
    """``statusSize``: an integer from 1 (the default) to 32; raises StatusListError."""
    size = entry.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= _MAX_STATUS_SIZE:
        raise StatusListError("MALFORMED_VALUE_ERROR", "statusSize is not an integer from 1 to 32")
    return size


def _message(entry: Mapping[str, Any], value: int) -> Any:
    """The ``statusMessage`` text of ``value`` (multi-bit entries)."""
    table = entry.get("statusMessage")
    if not isinstance(table, list):  # anything else is no table of messages (a number was a TypeError: 500)
        return None
    return next(
        (m.get("message") for m in table if isinstance(m, Mapping) and m.get("status") == f"0x{value:x}"),
        None,
    )


def check_status(
    credential: Mapping[str, Any],
    *,
    lists: Callable[[str], VerifiedList],
    min_entries: int,
    fetch_json: Callable[[str], Mapping[str, Any]] | None = None,
) -> list[Check]:
    """The status check: its verdict, or why the status could not be established. ``lists`` gives the
    verified Bitstring Status List at a URL (:func:`verified_list`); ``fetch_json`` the JSON document at a
    URL, for the 1EdTech Revocation List Status Method (:mod:`verifier.checks.revocation_list`)."""
    entries = status_entries(credential)
    if not entries:
        return [Check("status", "skipped", "The credential has no status list: it cannot be revoked.")]
    if len(entries) > MAX_STATUS_ENTRIES:  # each may cost a fetch, a proof and a 16 MiB inflation
        message = (
            f"The status could not be established: the credential has {len(entries)} status entries, "
            f"more than the {MAX_STATUS_ENTRIES} this verifier reads."
        )
        return [
            failed(
                "status",
                "status-too-many-entries",
                message,
                code="STATUS_VERIFICATION_ERROR",
                entries=len(entries),
                limit=MAX_STATUS_ENTRIES,
            )
        ]
    issuer = issuer_id(credential)
    states: dict[str, tuple[int, Any]] = {}
    problem: Check | None = None  # the first entry whose status could not be established
    for entry in entries:
        if (
            entry.get("type") is None
        ):  # the data-model check fails the credential for this (vcdm-missing-type)
            continue
        if entry.get("type") == REVOCATION_LIST_TYPE:
            try:
                listed = revocation_state(entry, credential.get("id"), fetch_json)
            except RevocationListError as exc:
                message = f"The revocation status could not be established: {exc} ({exc.code})."
                problem = problem or failed("status", "status-unavailable", message, code=exc.code)
                continue
            known = states.get("revocation")
            if known is None or (listed.revoked and not known[0]):
                states["revocation"] = (int(listed.revoked), listed.reason)
            continue
        if entry.get("type") not in ("BitstringStatusListEntry", "StatusList2021Entry"):
            # A status this verifier cannot read says nothing either way: the credential may be revoked.
            message = (
                f"The status could not be established: this verifier does not support status of type "
                f"{entry.get('type')}, so it cannot tell whether the issuer has revoked the credential."
            )
            problem = problem or failed(
                "status",
                "status-method-unsupported",
                message,
                code="STATUS_VERIFICATION_ERROR",
                statusType=str(entry.get("type")),
            )
            continue
        purpose = str(entry.get("statusPurpose", ""))
        try:
            value = _entry_value(entry, purpose, issuer, lists, min_entries)
        except _ForeignList as exc:
            message = (
                f"The {purpose} status could not be established: the status list {exc.url} is issued by "
                f"{exc.list_issuer}, not by the credential's issuer {issuer}."
            )
            problem = problem or failed(
                "status",
                "status-list-issuer-mismatch",
                message,
                code="STATUS_VERIFICATION_ERROR",
                statusListCredential=exc.url,
            )
            continue
        except StatusListError as exc:
            message = f"The {purpose} status could not be established: {exc} ({exc.code})."
            problem = problem or failed("status", "status-unavailable", message, code=exc.code)
            continue
        # Entries are an unordered set (the holder may reorder them without breaking the proof), so
        # for each purpose one set entry decides, whichever comes first (BSL §3.2 validates each).
        known = states.get(purpose)
        if known is None or (value and not known[0]):
            states[purpose] = (value, _message(entry, value) if _status_size(entry) > 1 else None)
    return _verdict(states, problem)


def _verdict(states: Mapping[str, tuple[int, Any]], problem: Check | None) -> list[Check]:
    """The status check from what the entries said (purpose -> value, reason) and the first entry that
    could not be read: a revocation or suspension that was read is definite whatever another entry's
    list did (a revoked credential is revoked even when its suspension list cannot be fetched); else an
    entry that could not be read fails the check; else the purposes read decide what it may claim."""
    reason = states.get("message", (0, None))[1] if states.get("message", (0, None))[0] else None
    revocation = states.get("revocation", (0, None))
    if revocation[0] and reason is None:
        reason = revocation[1]  # a reason the revocation entry itself gives (1EdTech's revocationReason)
    why = f" Reason given by the issuer: {reason}." if reason else ""
    if revocation[0]:
        message = "The issuer has revoked this credential." + why
        return [failed("status", "credential-revoked", message, reason=reason)]
    if states.get("suspension", (0, None))[0]:
        message = "The issuer has suspended this credential." + why
        return [failed("status", "credential-suspended", message, reason=reason)]
    if problem is not None:
        return [problem]
    if not states:  # only entries without a type: nothing was read, so nothing is claimed
        return [Check("status", "skipped", "The credential's status entries have no type.")]
    checks = [
        _set_elsewhere(purpose) for purpose, (value, _) in states.items() if value and purpose not in _READ
    ]
    said = f" Status message from the issuer: {reason}." if reason else ""
    read = [p for p in ("revocation", "suspension") if p in states]
    if not read:  # only message, refresh or other purposes: nothing says whether it is revoked
        purposes = ", ".join(sorted(states))
        text = f"The credential's status entries ({purposes}) give no revocation or suspension status." + said
        return [*checks, Check("status", "skipped", text)]
    done = " or ".join({"revocation": "revoked", "suspension": "suspended"}[p] for p in read)
    return [*checks, Check("status", "passed", f"The issuer has not {done} this credential." + said)]


_READ = frozenset({"revocation", "suspension", "message"})  # the purposes the verdict itself reports


def _set_elsewhere(purpose: str) -> Check:
    """A warning for a set entry of a purpose that neither revokes nor suspends (BSL §2.1: ``refresh``
    asks the holder to obtain an updated credential; other purposes are the issuer's own)."""
    if purpose == "refresh":
        text = "The issuer signals that an updated version of this credential is to be obtained (refresh)."
        return Check("status", "warning", text, type=problem_type("status-refresh"))
    text = (
        f"The issuer's status list sets this credential's {purpose!r} status, which this verifier does not "
        "interpret."
    )
    return Check("status", "warning", text, type=problem_type("status-purpose-unknown"))
