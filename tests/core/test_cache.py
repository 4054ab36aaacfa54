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
