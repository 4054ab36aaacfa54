"""`make run` prints a working token per demo user (load_demo --users); tokens are hashed, so
each run issues fresh ones."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from ebikeops.audit.models import AuditEvent
from ebikeops.core.models import User

pytestmark = pytest.mark.django_db
LINE = re.compile(r"^\s+(\w+)\s+(\w+)\s+password (\S+)\s+token ([0-9a-f]{64})$", re.MULTILINE)


def _load(monkeypatch, password: str | None = None) -> dict[str, str]:
    if password is not None:
        monkeypatch.setenv("DEMO_PASSWORD", password)
    out = StringIO()
    call_command("load_demo", end=date(2026, 11, 28), operations=3, users=True, stdout=out)
    return {username: token for _role, username, _password, token in LINE.findall(out.getvalue())}


def _status(token: str, path: str = "/api/v1/operations/?page_size=1") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(path).status_code


def test_the_printed_tokens_work_and_a_second_run_replaces_them(boroughs, monkeypatch):
    first = _load(monkeypatch)
    assert set(first) == {"commander", "officer", "analyst", "auditor"}
    assert all(_status(first[name]) == 200 for name in ("commander", "officer", "analyst"))
    assert _status(first["auditor"], "/api/v1/audit/events/?page_size=1") == 200
    officer = User.objects.get(username="officer")
    assert officer.team == "Ealing Town Centre Team"
    # Creating the accounts was audited, without the password hash.
    created = AuditEvent.objects.filter(action="collect", records__contains=[f"user:{officer.pk}"]).get()
    assert created.changes[f"user:{officer.pk}"]["role"] == [None, "officer"]
    assert created.changes[f"user:{officer.pk}"]["password"] == [None, "changed"]
    second = _load(monkeypatch)
    assert _status(first["officer"]) == 401
    assert _status(second["officer"]) == 200


def test_a_weak_demo_password_is_refused(boroughs, monkeypatch):
    with pytest.raises(CommandError, match="too short"):
        _load(monkeypatch, password="demo")
