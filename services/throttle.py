"""Counting attempts per key in a moving window, with the ``limits`` library.

``limits`` is what Flask-Limiter is built on; using it directly lets a use case count
only *failed* attempts (logins, receipt codes). Counters live in Redis when
``REDIS_URL`` is set, so every worker process shares them, else in process memory.
"""
import math
import time

from flask import current_app
from limits import RateLimitItemPerMinute, storage, strategies


def _limiter():
    ext = current_app.extensions
    if "throttle_limiter" not in ext:
        url = current_app.config.get("REDIS_URL") or "memory://"
        ext["throttle_limiter"] = strategies.MovingWindowRateLimiter(storage.storage_from_string(url))
    return ext["throttle_limiter"]


class Throttle:
    """At most ``limit`` counted events per ``minutes`` for each key of one ``name``."""

    def __init__(self, name, limit, minutes):
        self.name = name
        self.item = RateLimitItemPerMinute(limit, minutes)

    def allows(self, key):
        return _limiter().test(self.item, self.name, key)

    def count(self, key):
        _limiter().hit(self.item, self.name, key)

    def minutes_until_allowed(self, key):
        reset_at, _remaining = _limiter().get_window_stats(self.item, self.name, key)
        return max(1, math.ceil((reset_at - time.time()) / 60))

    def clear(self, key):
        _limiter().clear(self.item, self.name, key)
