"""Request throttles (429 with Retry-After): per user, per client IP, and on authentication.

Rates live in the `THROTTLE_RATES` setting ("N/s|min|hour|day", from the environment, see
docs/security.md). The client's IP is REMOTE_ADDR, or, behind `NUM_PROXIES` trusted reverse
proxies, the address the nearest of them saw (X-Forwarded-For); one function, `client_ip`,
decides it for the throttles and for django-axes' login lockout alike.
"""

from django.conf import settings
from rest_framework import exceptions, throttling


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one `NUM_PROXIES` trusted proxies forwarded.

    A client can write any X-Forwarded-For it likes; only the entries added by our own proxies
    (the last NUM_PROXIES) are believed, so no one dodges a throttle by inventing addresses.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]


class _Histories:
    """The histories of one request's throttles, read together and written together.

    DRF reads and writes each throttle's history on its own: with the user and address
    throttles, four cache round trips per request. With the Redis cache, the first of the
    view's throttles has Redis decide and record every throttle of the view in one script
    (`RedisCache.sliding_windows`: one round trip); with another cache, it reads every history
    in one `get_many` and the last throttle writes the changed ones in one `set_many`. What
    each throttle decides, and the wait it answers, are DRF's either way.
    """

    def __init__(self, request, throttles: list["_SettingsRateThrottle"], view):
        self.throttles = throttles
        keyed = [(t, t.key_for(request, view)) for t in throttles]
        self.keys = {key for _, key in keyed if key is not None}
        self.cache = throttles[0].cache if throttles else None
        self.now = throttles[0].timer() if throttles else 0.0
        self.decided: dict[str, tuple[bool, int, float | None]] = {}
        self.read: dict[str, list] = {}
        windows = getattr(self.cache, "sliding_windows", None)
        if windows is not None and self.keys:
            asked = {key: (key, t.num_requests, t.duration) for t, key in keyed if key is not None}
            self.decided = dict(zip(asked, windows(list(asked.values()), self.now), strict=True))
        elif self.keys:
            self.read = self.cache.get_many(list(self.keys))
        self.changed: dict[str, list] = {}
        self.timeout = 0
        self.seen = 0

    @classmethod
    def of(cls, request, view, throttle: "_SettingsRateThrottle") -> "_Histories":
        if view is None:  # called without a view: this throttle alone
            return cls(request, [throttle], view)
        django_request = getattr(request, "_request", request)
        stored = getattr(django_request, "_throttle_histories", None)
        if stored is None or stored[0] is not view:  # one batch per view that runs
            throttles = [t for t in view.get_throttles() if isinstance(t, _SettingsRateThrottle)]
            stored = (view, cls(request, throttles, view))
            django_request._throttle_histories = stored
        return stored[1]

    def history(self, key: str) -> list:
        return list(self.read.get(key, []))

    def record(self, key: str, history: list, duration: int) -> None:
        self.changed[key] = history
        self.timeout = max(self.timeout, duration)

    def ran(self) -> None:
        """One of the view's throttles has decided; after the last, write what changed."""
        self.seen += 1
        if self.seen >= len(self.throttles) and self.changed:
            self.cache.set_many(self.changed, self.timeout)
            self.changed = {}


class _SettingsRateThrottle(throttling.SimpleRateThrottle):
    """A throttle whose rate is read from `settings.THROTTLE_RATES` when it is made (so a test's
    settings override applies), and whose client is `client_ip`. Within a view, the histories
    of all its throttles are decided together (`_Histories`)."""

    # With the Redis cache: (times in the window, the oldest) of a refused request, for `wait`.
    _window: tuple[int, float | None] | None = None

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)

    def key_for(self, request, view) -> str | None:
        """This throttle's cache key for `request` (None: not throttled)."""
        return None if self.rate is None else self.get_cache_key(request, view)

    def allow_request(self, request, view):
        histories = _Histories.of(request, view, self)
        try:
            return self._allow(request, view, histories)
        finally:
            histories.ran()

    def _allow(self, request, view, histories: _Histories) -> bool:
        # DRF's SimpleRateThrottle.allow_request, with the history from `histories`.
        self.key = self.key_for(request, view)
        if self.key is None:
            return True
        self.now = histories.now
        decided = histories.decided.get(self.key)
        if decided is not None:  # decided and recorded by Redis
            allowed, length, oldest = decided
            if allowed:
                return True
            self._window = (length, oldest)
            return self.throttle_failure()
        self.history = histories.history(self.key)
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        self.history.insert(0, self.now)
        histories.record(self.key, self.history, self.duration)
        return True

    def wait(self):
        """DRF's wait, from the window Redis described when it decided."""
        if self._window is None:
            return super().wait()
        length, oldest = self._window
        remaining_duration = self.duration - (self.now - oldest) if length else self.duration
        available_requests = self.num_requests - length + 1
        if available_requests <= 0:
            return None
        return remaining_duration / float(available_requests)


class UserThrottle(_SettingsRateThrottle):
    """`THROTTLE_RATES["user"]` per signed-in user, `["anon"]` per IP for everyone else."""

    scope = "user"

    def __init__(self):
        self._rates = {"user": settings.THROTTLE_RATES.get("user"), "anon": settings.THROTTLE_RATES.get("anon")}
        super().__init__()

    def key_for(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            self.scope, self._ident = "user", str(request.user.pk)
        else:
            self.scope, self._ident = "anon", self.get_ident(request)
        self.rate = self._rates[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().key_for(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self._ident}


class IPThrottle(_SettingsRateThrottle):
    """`THROTTLE_RATES["ip"]` per client address, whoever is signed in: a ceiling for one
    machine (or one station behind one address) however many users it holds."""

    scope = "ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_SettingsRateThrottle):
    """`THROTTLE_RATES["login"]` per client address on the token endpoint (password attempts)."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class _AuthFailureThrottle(_SettingsRateThrottle):
    """Counts invalid tokens per client address (`THROTTLE_RATES["auth_failure"]`)."""

    scope = "auth_failure"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def over_limit(self, request) -> float | None:
        """Seconds to wait if this client is over its failure limit, else None. Records nothing."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record(self, request) -> None:
        if self.rate is None:
            return
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        self.cache.set(self.key, [self.now, *history][: self.num_requests], self.duration)


def refuse_if_over_failure_limit(request) -> None:
    """Raise 429 (with Retry-After) if this client has sent too many invalid tokens lately.

    Called before a token is checked: authentication runs before DRF's throttles, so without
    this a client could try tokens as fast as the server answers 401s."""
    wait = _AuthFailureThrottle().over_limit(request)
    if wait is not None:
        raise exceptions.Throttled(wait=wait, detail="Too many invalid tokens from this address.")


def failed_authentication(request) -> None:
    """Count one invalid token against this client (see `refuse_if_over_failure_limit`)."""
    _AuthFailureThrottle().record(request)
