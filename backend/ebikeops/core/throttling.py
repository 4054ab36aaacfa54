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


class _SettingsRateThrottle(throttling.SimpleRateThrottle):
    """A throttle whose rate is read from `settings.THROTTLE_RATES` when it is made (so a test's
    settings override applies), and whose client is `client_ip`."""

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return client_ip(request)


class UserThrottle(_SettingsRateThrottle):
    """`THROTTLE_RATES["user"]` per signed-in user, `["anon"]` per IP for everyone else."""

    scope = "user"

    def __init__(self):
        self._rates = {"user": settings.THROTTLE_RATES.get("user"), "anon": settings.THROTTLE_RATES.get("anon")}
        super().__init__()

    def allow_request(self, request, view):
        if request.user and request.user.is_authenticated:
            self.scope, ident = "user", str(request.user.pk)
        else:
            self.scope, ident = "anon", self.get_ident(request)
        self.rate = self._rates[self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self._ident = ident
        return super().allow_request(request, view)

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
