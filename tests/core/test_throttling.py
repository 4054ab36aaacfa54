"""Throttles (429 with Retry-After) per user, per address and on authentication; login lockout."""

import secrets
import uuid

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from config.env import env_str
from tests.factories import token_of

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"  # UserFactory's


def _rates(settings, **rates):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **rates}


def test_300_random_tokens_get_429s_after_the_failure_limit(settings, officer):
    _rates(settings, auth_failure="20/min")
    client = APIClient()
    statuses = []
    for _ in range(300):
        client.credentials(HTTP_AUTHORIZATION=f"Token {secrets.token_hex(32)}")
        statuses.append(client.get("/api/v1/seizures/").status_code)
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 280
    last = client.get("/api/v1/seizures/")
    assert int(last["Retry-After"]) > 0
    assert last["Content-Type"] == "application/problem+json"
    # The address is refused whatever token it sends until the window passes, so a guess that
    # happens to be right tells the guesser nothing.
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(officer)}")
    assert client.get("/api/v1/seizures/").status_code == 429
    # Another address is not affected.
    other = APIClient(REMOTE_ADDR="10.1.2.3")
    other.credentials(HTTP_AUTHORIZATION=f"Token {token_of(officer)}")
    assert other.get("/api/v1/seizures/").status_code == 200


def test_a_user_over_their_rate_gets_429_with_retry_after_and_others_do_not(settings, officer_client, commander_client):
    _rates(settings, user="5/min")
    assert [officer_client.get("/api/v1/operations/").status_code for _ in range(5)] == [200] * 5
    throttled = officer_client.get("/api/v1/operations/")
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["title"] == "Too Many Requests"
    assert commander_client.get("/api/v1/operations/").status_code == 200


def test_one_address_over_its_rate_gets_429_whoever_is_signed_in(settings, officer_client, commander_client):
    _rates(settings, ip="6/min")
    for client in (officer_client, commander_client) * 3:
        assert client.get("/api/v1/operations/").status_code == 200
    assert commander_client.get("/api/v1/operations/").status_code == 429


def test_a_forged_x_forwarded_for_does_not_dodge_the_address_throttle(settings, officer_client):
    _rates(settings, ip="3/min")
    statuses = [
        officer_client.get("/api/v1/operations/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_anonymous_requests_are_throttled_per_address(settings, anon_client):
    # On an open endpoint: elsewhere a request without credentials is refused (401) before any
    # throttle is consulted, which costs the server less than counting it would.
    _rates(settings, anon="3/min")
    assert [anon_client.get("/api/v1/health/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_password_attempts_on_the_token_endpoint_are_throttled(settings):
    _rates(settings, login="3/min")
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": f"nobody{n}", "password": "x"}).status_code for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_wrong_passwords_lock_the_login_form_even_for_the_right_password(settings, path, commander):
    settings.AXES_FAILURE_LIMIT = 5
    commander.is_staff = True
    commander.save()
    client = Client()
    for _ in range(5):
        client.post(path, {"username": commander.username, "password": "guess"})
    refused = client.post(path, {"username": commander.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    # The right password from the start logs in (the lockout is per username and address).
    fresh = Client(REMOTE_ADDR="10.9.9.9")
    assert fresh.post(path, {"username": commander.username, "password": PASSWORD}).status_code == 302


def test_wrong_passwords_lock_the_token_endpoint_even_for_the_right_password(settings, officer):
    settings.AXES_FAILURE_LIMIT = 5
    _rates(settings, login="100/min")
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": officer.username, "password": "x"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]  # the fifth failure locks
    refused = client.post("/api/v1/auth/token/", {"username": officer.username, "password": PASSWORD})
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert "token" not in refused.json()


def test_the_user_and_address_throttles_read_and_write_their_histories_together(settings, officer_client, monkeypatch):
    from django.core.cache import cache

    calls, depth = [], [0]

    def spy(name, original):
        def call(*args, **kwargs):
            if not depth[0]:  # the test cache's get_many calls its own get: count what the caller asked for
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "set", "get_many", "set_many"):
        monkeypatch.setattr(cache, name, spy(name, getattr(cache, name)))
    _rates(settings, user="3/min", ip="100/min")
    statuses = [officer_client.get("/api/v1/operations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Per request: the invalid-token check, then one read and (while allowed) one write for both throttles.
    assert calls[:3] == ["get", "get_many", "set_many"], calls
    assert calls.count("get_many") == 4 and calls.count("set_many") == 4 and "set" not in calls


def _use_redis(settings) -> None:
    """The shipped Redis cache, under a prefix of this test's own (its keys expire by themselves)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "ebikeops.core.cache.RedisCache",
            "LOCATION": env_str("REDIS_URL", default="redis://127.0.0.1:6379/0"),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }


@pytest.fixture(params=["locmem", "redis"])
def throttle_cache(request, settings):
    """The test cache (histories read and written by Django's cache API), then the shipped Redis
    cache (throttles decided in one Redis script)."""
    if request.param == "redis":
        _use_redis(settings)
    return request.param


def test_both_caches_answer_drfs_429s_and_waits(settings, throttle_cache, officer_client, monkeypatch):
    clock = [1_000.0]
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: clock[0])
    _rates(settings, user="3/min", ip="5/min")
    answers = []
    for now in (1_000.0, 1_001.0, 1_002.0, 1_003.0, 1_030.5, 1_060.5, 1_061.0, 1_061.5):
        clock[0] = now
        response = officer_client.get("/api/v1/operations/")
        answers.append((response.status_code, response.get("Retry-After")))
    # DRF's wait: (60 - (now - oldest)) / (allowed - times in the window + 1), rounded up. The
    # address counts the user's refused requests too: at 1,061.5 both windows are full.
    assert answers == [
        (200, None),
        (200, None),
        (200, None),
        (429, "57"),
        (429, "30"),
        (200, None),
        (200, None),
        (429, "1"),
    ], throttle_cache


def test_with_redis_a_request_asks_redis_twice(settings, officer_client, monkeypatch):
    _use_redis(settings)
    assert officer_client.get("/api/v1/operations/").status_code == 200  # the script is loaded once
    client = caches["default"]._cache.get_client(write=True)
    calls = []
    execute = client.execute_command
    monkeypatch.setattr(
        client, "execute_command", lambda *args, **kwargs: calls.append(args[0]) or execute(*args, **kwargs)
    )
    assert officer_client.get("/api/v1/operations/").status_code == 200
    # The invalid-token check (before the token is looked up), then both throttles in one script.
    assert calls == ["GET", "EVALSHA"], calls
