from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from ebikeops.core.models import User

pytestmark = pytest.mark.django_db


def test_it_creates_a_user_with_a_role_and_prints_a_working_token():
    out = StringIO()
    call_command("create_user", "sgt-jones", role="commander", stdout=out, stderr=StringIO())
    token = out.getvalue().strip().splitlines()[-1]
    assert User.objects.get(username="sgt-jones").role == "commander"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/operations/").status_code == 200


def test_it_updates_the_role_of_an_existing_user_and_keeps_the_token():
    first = StringIO()
    call_command("create_user", "pc-ali", role="officer", stdout=first, stderr=StringIO())
    second = StringIO()
    call_command("create_user", "pc-ali", role="analyst", stdout=second, stderr=StringIO())
    assert first.getvalue().strip() == second.getvalue().strip()
    assert User.objects.get(username="pc-ali").role == "analyst"
