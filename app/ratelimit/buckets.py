"""Token buckets per key (pure: the clock is passed in). A bucket holds up to ``burst`` tokens and refills at
``per_minute`` tokens a minute; a request takes one token or is refused with the seconds until the next."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["TokenBuckets"]


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """In-process buckets, the least recently used forgotten past ``max_keys`` (a forgotten client starts
    again with a full bucket, never with less)."""

    def __init__(self, *, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        if per_minute <= 0 or burst <= 0:
            raise ValueError("per_minute and burst must be positive")
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, now: float) -> int | None:
        """Take a token for ``key`` at ``now`` (monotonic seconds): None when allowed, else the whole
        seconds to wait before one is there (at least 1)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
