"""The second cache level shared by every app process and host: Redis (``PDP_REDIS_URL``).

Keys carry the release id, so a new release needs no invalidation: old keys are not asked for again and
expire (``PDP_REDIS_TTL``). Redis is an optimisation, never a dependency: a failed or slow call (short
socket timeouts) is logged, Redis is left alone for ``PDP_REDIS_RETRY_SECONDS``, and the page is computed
locally as it is without Redis.
"""
from __future__ import annotations

import hashlib
import logging
import os
import time

log = logging.getLogger(__name__)
PREFIX = "pdp:v1:"


class SharedCache:
    """Bytes by key in Redis, with a circuit breaker so an unreachable Redis costs one timeout per pause."""

    def __init__(self, url: str):
        import redis

        timeout = float(os.environ.get("PDP_REDIS_TIMEOUT", "0.25"))
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.ttl = int(os.environ.get("PDP_REDIS_TTL", str(7 * 24 * 3600)))
        self.retry_seconds = float(os.environ.get("PDP_REDIS_RETRY_SECONDS", "10"))
        self._paused_until = 0.0

    @staticmethod
    def key(parts: tuple) -> str:
        return PREFIX + hashlib.sha256(repr(parts).encode()).hexdigest()

    def get(self, parts: tuple) -> bytes | None:
        if time.monotonic() < self._paused_until:
            return None
        try:
            return self.client.get(self.key(parts))
        except Exception as exc:  # noqa: BLE001 - any Redis failure means "compute locally"
            self._pause(exc)
            return None

    def set(self, parts: tuple, value: bytes) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            self.client.set(self.key(parts), value, ex=self.ttl)
        except Exception as exc:  # noqa: BLE001
            self._pause(exc)

    def _pause(self, exc: Exception) -> None:
        if self._paused_until == 0.0 or time.monotonic() >= self._paused_until:
            log.warning("shared cache unavailable (%s): computing locally for %.0fs", exc, self.retry_seconds)
        self._paused_until = time.monotonic() + self.retry_seconds


def from_config() -> SharedCache | None:
    """The shared cache ``PDP_REDIS_URL`` names, or None (one machine: local memory only)."""
    url = os.environ.get("PDP_REDIS_URL")
    return SharedCache(url) if url else None
