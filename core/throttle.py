"""Counting attempts per key in a moving window, with the ``limits`` library.

``limits`` is what Flask-Limiter is built on; using it directly lets a use case count
only *failed* attempts (logins, receipt codes). Every process of the app shares the
counts: they live in Redis when ``REDIS_URL`` is set, else in Postgres
(core/throttle_store.py), never in one process's memory.
"""
import math
import time

from flask import current_app
from limits import RateLimitItemPerMinute, storage, strategies

from core.throttle_store import PostgresStorage


def _limiter():
    ext = current_app.extensions
    if "throttle_limiter" not in ext:
        ext["throttle_limiter"] = strategies.MovingWindowRateLimiter(_storage(current_app.config))
    return ext["throttle_limiter"]


def _storage(config):
    """Redis when ``REDIS_URL`` is set, else the app's own database."""
    if config.get("REDIS_URL"):
        return storage.storage_from_string(config["REDIS_URL"])
    return PostgresStorage(config["SQLALCHEMY_DATABASE_URI"])


def forget_all():
    """Forget every counted attempt of every throttle (each test starts with none)."""
    _limiter().storage.reset()


class Throttle:
    """At most ``limit`` counted events per ``minutes`` for each key of one ``name``."""

    def __init__(self, name, limit, minutes):
        self.name = name
        self.item = RateLimitItemPerMinute(limit, minutes)

    def allows(self, key):
        return _limiter().test(self.item, self.name, key)

    def count(self, key):
        """Count an event (past the limit nothing is counted: the key is refused already)."""
        self.take(key)

    def take(self, key):
        """Count an event if the limit leaves room for it, in one step; False when it does not."""
        return _limiter().hit(self.item, self.name, key)

    def minutes_until_allowed(self, key):
        reset_at, _remaining = _limiter().get_window_stats(self.item, self.name, key)
        return max(1, math.ceil((reset_at - time.time()) / 60))

    def clear(self, key):
        _limiter().clear(self.item, self.name, key)
