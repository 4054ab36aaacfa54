"""API tokens: issued by password, hashed at rest, expiring after a shift, rotated, revoked."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from ebikeops.core.models import Role
from ebikeops.core.tokens import TOKEN_EXPIRED, TOKEN_INVALID, token_issue, tokens_by_key
from tests.factories import UserFactory, token_of

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"  # UserFactory's


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_password_gets_a_token_that_expires_after_a_shift(officer, settings):
    settings.API_TOKEN_TTL_HOURS = 10
    response = APIClient().post("/api/v1/auth/token/", {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["username"] == officer.username and body["role"] == "officer"
    expiry = AuthToken.objects.get(token_key=body["token"][:15]).expiry
    assert timedelta(hours=9, minutes=59) < expiry - timezone.now() <= timedelta(hours=10)
    assert _with(body["token"]).get("/api/v1/operations/").status_code == 200


def test_a_wrong_password_gets_401_problem_details(officer):
    response = APIClient().post("/api/v1/auth/token/", {"username": officer.username, "password": "wrong"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Wrong username or password."


def test_an_expired_token_is_refused_with_a_message_to_log_in_again(officer):
    issued = token_issue(user=officer, ttl=timedelta(hours=-1))
    response = _with(issued.token).get("/api/v1/operations/")
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_EXPIRED


def test_rotating_gives_a_new_token_and_stops_the_old(officer):
    old = token_of(officer)
    response = _with(old).post("/api/v1/auth/token/rotate/")
    assert response.status_code == 201
    new = response.json()["token"]
    assert new != old
    assert _with(old).get("/api/v1/operations/").status_code == 401
    assert _with(new).get("/api/v1/operations/").status_code == 200


def test_revoking_stops_only_the_token_used(officer):
    phone, laptop = token_of(officer), token_issue(user=officer).token
    assert _with(phone).post("/api/v1/auth/token/revoke/").status_code == 204
    assert _with(phone).get("/api/v1/operations/").status_code == 401
    assert _with(laptop).get("/api/v1/operations/").status_code == 200


def test_revoking_all_stops_every_token_of_the_user_and_no_one_elses(officer, commander):
    phone, laptop = token_of(officer), token_issue(user=officer).token
    response = _with(phone).post("/api/v1/auth/token/revoke-all/")
    assert response.json() == {"revoked": 2}
    assert _with(laptop).get("/api/v1/operations/").status_code == 401
    assert _with(token_of(commander)).get("/api/v1/operations/").status_code == 200


def test_an_inactive_users_token_is_refused():
    user = UserFactory(role=Role.OFFICER)
    token = token_of(user)
    user.is_active = False
    user.save()
    assert _with(token).get("/api/v1/operations/").status_code == 401


@pytest.mark.parametrize("header", ["Token \xe9\xe9\xe9", "Token abc def", "Token", "Token " + "z" * 64])
def test_a_malformed_token_header_is_401_not_500(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/operations/").status_code == 401


def test_purge_tokens_deletes_only_expired_ones(officer):
    live = token_of(officer)
    token_issue(user=officer, ttl=timedelta(hours=-1))
    out = StringIO()
    call_command("purge_tokens", stdout=out)
    assert out.getvalue().strip() == "1 expired token(s) deleted."
    assert AuthToken.objects.filter(user=officer).count() == 1
    assert _with(live).get("/api/v1/operations/").status_code == 200


def test_it_reads_a_token_and_its_user_in_one_query(officer, django_assert_num_queries):
    issued = token_issue(user=officer)
    with django_assert_num_queries(1):  # the token joined with its user
        (found,) = tokens_by_key(issued.token[:15])
        assert (found.pk, found.user.username, found.user.role) == (issued.instance.pk, officer.username, "officer")
    assert tokens_by_key("no-such-key") == []


def test_a_token_of_the_same_key_but_another_secret_is_refused(officer):
    issued = token_issue(user=officer)
    forged = issued.token[:15] + "0" * (len(issued.token) - 15)
    response = _with(forged).get("/api/v1/operations/")
    assert response.status_code == 401
    assert response.json()["detail"] == TOKEN_INVALID
