from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from ebikeops.core.models import User

pytestmark = pytest.mark.django_db


def _create(*args, **kwargs) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue().strip().splitlines()[-1]


def _status_with(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/operations/").status_code


def test_it_creates_a_user_with_a_role_and_prints_a_working_token():
    token = _create("sgt-jones", role="commander")
    assert User.objects.get(username="sgt-jones").role == "commander"
    assert _status_with(token) == 200


def test_it_stores_the_token_hashed_not_in_plain_text():
    token = _create("sgt-jones", role="commander")
    stored = AuthToken.objects.get(user__username="sgt-jones")
    assert token not in stored.digest and stored.digest != token
    assert len(token) == 64 and stored.token_key == token[:15]


def test_running_it_again_rotates_the_token_and_revokes_the_old_one():
    first = _create("pc-ali", role="officer")
    second = _create("pc-ali", role="analyst")
    assert first != second
    assert User.objects.get(username="pc-ali").role == "analyst"
    assert _status_with(first) == 401
    assert _status_with(second) == 200


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("1", "too short"),
        ("password1234", "too common"),
        ("839201748392", "entirely numeric"),
        ("constable-ali-khan", "too similar to the username"),
    ],
)
def test_it_refuses_a_weak_password_naming_the_rule(password, rule):
    with pytest.raises(CommandError, match=rule):
        _create("constable-ali-khan", role="officer", password=password)
    assert not User.objects.filter(username="constable-ali-khan").exists()


def test_it_accepts_a_strong_password_for_the_browser():
    _create("pc-ali", role="officer", password="correct horse battery staple")
    assert User.objects.get(username="pc-ali").check_password("correct horse battery staple")


def test_revoke_tokens_stops_every_token_of_the_user():
    token = _create("pc-ali", role="officer")
    out = StringIO()
    call_command("revoke_tokens", "pc-ali", stdout=out)
    assert "1 token(s) revoked" in out.getvalue()
    assert _status_with(token) == 401


def test_revoke_tokens_names_an_unknown_user():
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("revoke_tokens", "nobody", stdout=StringIO())
