"""The Redis cache backend (settings.CACHES in production), against the real Redis of REDIS_URL."""

import uuid

from django.conf import settings

from config.env import env_str
from ebikeops.core.cache import RedisCache


def _cache() -> RedisCache:
    location = env_str("REDIS_URL", default="redis://127.0.0.1:6379/0")
    return RedisCache(location, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "TIMEOUT": 30})


def test_it_stores_reads_and_deletes_through_one_reused_client():
    cache = _cache()
    cache.set("history", [3.0, 2.0, 1.0], 30)
    cache.set_many({"a": 1, "b": "two"}, 30)
    assert cache.get("history") == [3.0, 2.0, 1.0]
    assert cache.get_many(["a", "b", "missing"]) == {"a": 1, "b": "two"}
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client, "one redis-py client per pool, not one per call"
    cache.delete_many(["history", "a", "b"])
    assert cache.get("history", "gone") == "gone"


def test_the_shipped_settings_use_it():
    import importlib

    base = importlib.import_module("config.settings.base")
    assert base.CACHES["default"]["BACKEND"] == "ebikeops.core.cache.RedisCache"
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")  # tests: per process


def test_sliding_windows_allow_refuse_and_forget_as_drfs_throttle_in_one_script():
    cache = _cache()
    client = cache._cache.get_client(write=True)
    calls = []
    execute = client.execute_command
    client.execute_command = lambda *args, **kwargs: calls.append(args[0]) or execute(*args, **kwargs)
    try:
        # Three requests a minute for "a", one for "b": both decided in each call.
        answers = [cache.sliding_windows([("a", 3, 60), ("b", 1, 60)], now) for now in (100.0, 101.5, 102.25, 103.0)]
    finally:
        client.execute_command = execute
    assert [a for a, _ in answers] == [(True, 1, None), (True, 2, None), (True, 3, None), (False, 3, 100.0)]
    assert [b for _, b in answers] == [(True, 1, None), (False, 1, 100.0), (False, 1, 100.0), (False, 1, 100.0)]
    assert calls.count("EVALSHA") + calls.count("EVAL") == 4, calls
    # The oldest time leaves the window 60 s later: one more request is allowed, then none.
    assert cache.sliding_windows([("a", 3, 60)], 160.0) == [(True, 3, None)]
    assert cache.sliding_windows([("a", 3, 60)], 160.5) == [(False, 3, 101.5)]
    assert 0 < client.ttl(cache.make_and_validate_key("a:window")) <= 60, "kept for the window's length"
    cache.delete_many(["a:window", "b:window"])
