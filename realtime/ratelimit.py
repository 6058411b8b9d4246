"""Per-connection rate limit: a token bucket, and a flood detector on top of it."""

import time
from collections.abc import Callable

ALLOW = "allow"
LIMITED = "limited"  # answer `rate_limited`, keep the socket
FLOOD = "flood"  # close with 4429


class TokenBucket:
    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = burst
        self.updated = clock()

    def spend(self, tokens: float) -> None:
        """Take `tokens` now, even into debt: later frames wait until it is paid back."""
        self._refill()
        self.tokens -= tokens

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> bool:
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class FrameLimiter:
    """`allow` while the bucket has tokens, then `limited`; `flood` once the dropped frames
    pile up past `flood_factor * burst`.

    Dropped frames leak away at `rate`, so a client a little over the rate only ever sees
    `rate_limited`, while one that keeps hammering (even if a token trickles in now and
    then) is disconnected within a fraction of a second.
    """

    def __init__(
        self,
        *,
        rate: float,
        burst: float,
        flood_factor: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.bucket = TokenBucket(rate, burst, clock)
        self.clock = clock
        self.threshold = flood_factor * burst
        self.dropped = 0.0
        self.dropped_at = clock()

    def charge(self, frames: int) -> None:
        """Count an expensive frame as `frames` more."""
        if frames > 0:
            self.bucket.spend(frames)

    def check(self) -> str:
        now = self.clock()
        self.dropped = max(0.0, self.dropped - (now - self.dropped_at) * self.bucket.rate)
        self.dropped_at = now
        if self.bucket.take():
            return ALLOW
        self.dropped += 1
        return FLOOD if self.dropped > self.threshold else LIMITED
