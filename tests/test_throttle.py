"""Attempt counters: in memory by default, shared in Redis when REDIS_URL is set."""
import socket

import pytest

from app import create_app
from config import TestConfig
from services.throttle import Throttle

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_memory_counter_blocks_after_the_limit(app):
    throttle = Throttle("test-memory", 3, 1)
    with app.app_context():
        throttle.clear("k")
        for _ in range(3):
            assert throttle.allows("k")
            throttle.count("k")
        assert not throttle.allows("k")
        assert throttle.allows("other-key")
        assert throttle.minutes_until_allowed("k") == 1


@pytest.mark.skipif(not redis_is_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_counter_is_shared_between_app_processes(database_url):
    def make_app():
        config = TestConfig()
        config.DATABASE_URL, config.REDIS_URL = database_url, REDIS_URL
        return create_app(config)

    first, second = make_app(), make_app()
    throttle = Throttle("test-redis", 2, 1)
    with first.app_context():
        throttle.clear("shared")
        throttle.count("shared")
    with second.app_context():
        throttle.count("shared")
        assert not throttle.allows("shared")  # counted by both "processes"
        throttle.clear("shared")
