"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation,
and redis-py's constructor sets up its response callbacks each time: about as much CPU as the
command itself. Every API request makes several cache calls (the invalid-token check and the
user and address throttles), so that was a measurable share of a short list's time. A
`redis.Redis` over a connection pool is safe to share between threads (redis-py takes a
connection from the pool per command); Django's cache objects are per thread anyway.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


# DRF's SimpleRateThrottle for several keys at once, decided and recorded inside Redis: per key
# (KEYS[i]; ARGV[2i] requests allowed per ARGV[2i+1] seconds, at time ARGV[1]), the request times
# no longer in the window are dropped from the list's tail (oldest last, as DRF's history), and
# the request is refused if the window is full, else its time is pushed at the head and the key
# kept for the window's length. Answers {allowed 0/1, times in the window, the oldest or ""}.
SLIDING_WINDOWS = """
local now = tonumber(ARGV[1])
local answers = {}
for i, key in ipairs(KEYS) do
  local allowed, duration = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  while true do
    local last = redis.call('LINDEX', key, -1)
    if not last or tonumber(last) > now - duration then break end
    redis.call('RPOP', key)
  end
  local length = redis.call('LLEN', key)
  if length >= allowed then
    answers[i] = {0, length, redis.call('LINDEX', key, -1) or ''}
  else
    redis.call('LPUSH', key, ARGV[1])
    redis.call('EXPIRE', key, duration)
    answers[i] = {1, length + 1, ''}
  end
end
return answers
"""


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` reusing its clients (settings.CACHES), with
    the throttles' windows decided in one round trip (`sliding_windows`)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._scripts = {}

    def sliding_windows(self, windows: list[tuple[str, int, int]], now: float) -> list[tuple[bool, int, float | None]]:
        """For each (key, requests allowed, window in seconds): whether one more request at
        `now` is allowed (and then recorded), the request times in the window with it, and the
        oldest of them when refused. One round trip for all the keys (DRF's throttles read and
        write a pickled list of times each: three round trips for two throttles)."""
        client = self._cache.get_client(write=True)
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(SLIDING_WINDOWS)
        keys = [self.make_and_validate_key(f"{key}:window") for key, _, _ in windows]
        args = [repr(now)]
        for _, allowed, duration in windows:
            args += [allowed, duration]
        return [
            (bool(allowed), length, float(oldest) if oldest else None)
            for allowed, length, oldest in script(keys=keys, args=args, client=client)
        ]
