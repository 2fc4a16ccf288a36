"""The keyed permutation behind status list index allocation."""

from __future__ import annotations

import pytest

from issuer.status.index import permuted_index

KEY = b"0123456789abcdef"


@pytest.mark.parametrize("size", [2, 3, 10, 100, 1000, 4097])
def test_is_a_permutation(size: int) -> None:
    indexes = [permuted_index(i, size=size, key=KEY) for i in range(size)]
    assert sorted(indexes) == list(range(size))


def test_full_size_list_first_entries_are_distinct_and_in_range() -> None:
    size = 131_072
    first = [permuted_index(i, size=size, key=KEY) for i in range(5000)]
    assert len(set(first)) == 5000
    assert all(0 <= i < size for i in first)


def test_order_is_not_sequential_and_depends_on_the_key() -> None:
    size = 131_072
    a = [permuted_index(i, size=size, key=KEY) for i in range(200)]
    b = [permuted_index(i, size=size, key=b"another-key-0123") for i in range(200)]
    assert a != sorted(a)
    assert a != b
    # Spread over the whole list, not clustered at the start.
    assert max(a) > size // 2
    assert min(a) < size // 2


@pytest.mark.parametrize(
    ("position", "size", "key"), [(-1, 10, KEY), (10, 10, KEY), (0, 1, KEY), (0, 10, b"short")]
)
def test_bad_arguments(position: int, size: int, key: bytes) -> None:
    with pytest.raises(ValueError):
        permuted_index(position, size=size, key=key)
