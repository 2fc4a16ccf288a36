"""Found by an outside fuzzing round of the status check: a credential with 40 status entries, each into
an attacker's list whose encodedList is 22 KB of GZIP that inflates to 16 MiB, cost 4 s of CPU and the
app-wide memo of verified lists kept every inflated list (+650 MB per request, 256 lists at most). The
entries read per credential are capped, a long list is read without being held, and the memo's decoded
bits are bounded in bytes."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from proofs.jsonld import DocumentLoader, bundled_loader
from proofs.statuslist import MIN_ENTRIES, encode_bitstring, get_value, read_value
from schemas.problems import problem_type
from tests.unit.verifier.status_lists import LISTS, NOW, credential, entry, status_checks, status_list, verify
from verifier import VerifiedStatusLists
from verifier.checks.status import MAX_STATUS_ENTRIES


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return bundled_loader()


def test_more_status_entries_than_the_limit_are_not_read(loader: DocumentLoader) -> None:
    urls = [f"{LISTS}{n}" for n in range(MAX_STATUS_ENTRIES + 1)]
    fetched: list[str] = []

    class Lists(dict[str, str]):
        def __getitem__(self, url: str) -> str:
            fetched.append(url)
            return super().__getitem__(url)

    lists = Lists({url: status_list(loader, url=url) for url in urls})
    vc = credential(loader, *(entry(url=url, index=n) for n, url in enumerate(urls)))
    result = verify(loader, vc, lists)
    assert not result.verified
    [status] = status_checks(result)
    assert (status.outcome, status.type) == ("failed", problem_type("status-too-many-entries"))
    assert status.details["limit"] == MAX_STATUS_ENTRIES
    assert fetched == []
    # at the limit, every entry is read
    vc = credential(loader, *(entry(url=url, index=n) for n, url in enumerate(urls[:MAX_STATUS_ENTRIES])))
    assert [c.outcome for c in status_checks(verify(loader, vc, lists))] == ["passed"]


def test_a_long_list_is_read_but_not_held_in_the_memo(loader: DocumentLoader) -> None:
    long_url = LISTS + "long"
    bits = bytearray(4 << 20)  # 4 MiB: 33,554,432 entries
    bits[(3 << 20) + 1] = 0x80  # entry 8 * (3 MiB + 1) is set
    revoked_at = 8 * ((3 << 20) + 1)
    lists = {long_url: status_list(loader, url=long_url, encoded=encode_bitstring(bytes(bits)))}
    memo = VerifiedStatusLists()
    for index, expected in ((77, "passed"), (revoked_at, "failed")):
        vc = credential(loader, entry(url=long_url, index=index))
        assert [c.outcome for c in status_checks(verify(loader, vc, lists, memo=memo))] == [expected]
    assert memo.bits_size == 0


def test_our_own_lists_bits_are_kept_within_the_memos_byte_budget(loader: DocumentLoader) -> None:
    memo = VerifiedStatusLists(max_bytes=2 * MIN_ENTRIES // 8)
    for n in range(5):
        url = f"{LISTS}{n}"
        vc = credential(loader, entry(url=url))
        result = verify(loader, vc, {url: status_list(loader, url=url, set_index=77)}, memo=memo)
        [status] = status_checks(result)
        assert status.type == problem_type("credential-revoked")
        assert 0 < memo.bits_size <= 2 * MIN_ENTRIES // 8


@pytest.mark.parametrize("length", [16, MIN_ENTRIES // 8, 100_000, 1 << 20])
def test_read_value_reads_what_get_value_reads(length: int) -> None:
    rng = random.Random(length)
    bits = rng.randbytes(length)
    encoded = encode_bitstring(bits)
    for size in (1, 2, 3, 8, 32):
        count = length * 8 // size
        for index in [0, count - 1, *rng.sample(range(count), min(count, 40))]:
            read = read_value(encoded, index, size, keep=100_000)
            assert (read.value, read.length) == (get_value(bits, index, size), length)
            assert read.bits == (bits if length <= 100_000 else None)
        assert read_value(encoded, count, size).value is None


def test_a_remembered_list_is_refused_after_its_proof_expires(loader: DocumentLoader) -> None:
    """Found by the same round: a list whose proof expires (VC DI §2.1) on 04-02, verified on 04-01,
    still counted on 04-10 from the memo, though verified anew it is refused. Forgery over time: whoever
    holds the expired list can replay it to a verifier that has seen it."""
    lists = {LISTS + "revocation": status_list(loader, expires="2026-04-02T00:00:00Z")}
    vc = credential(loader, entry())
    memo = VerifiedStatusLists()
    assert [c.outcome for c in status_checks(verify(loader, vc, lists, memo=memo))] == ["passed"]
    later = NOW + dt.timedelta(days=9)
    for again in (memo, VerifiedStatusLists()):
        [status] = status_checks(verify(loader, vc, lists, now=later, memo=again))
        assert (status.outcome, status.type) == ("failed", problem_type("status-unavailable"))
        assert status.details == {"code": "STATUS_VERIFICATION_ERROR"}
