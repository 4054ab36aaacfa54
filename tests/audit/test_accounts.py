"""User accounts' changes are in the audit trail (issue 13): creation, changes (the role
among them) and deletion, through Django admin and `create_user`, with the non-secret fields
before and after, never the password hash."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from ebikeops.audit.models import AuditEvent
from ebikeops.core.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-Horse-Battery-9"


def account_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.exclude(action="consult").order_by("id"))


def no_password_hash_in(events: list[AuditEvent]) -> None:
    text = json.dumps([event.changes for event in events])
    for user in User.objects.all():
        assert user.password[-20:] not in text, "an audit event holds a password hash"
    assert "pbkdf2" not in text and "argon2" not in text


def test_create_user_records_the_new_account_then_its_role_change():
    call_command("create_user", "sgt-jones", role="officer", team="Ealing", stdout=StringIO(), stderr=StringIO())
    user = User.objects.get(username="sgt-jones")
    [created] = account_events()
    key = f"user:{user.pk}"
    assert (created.action, created.records, created.endpoint, created.client_kind) == (
        "collect",
        [key],
        "create_user",
        "command",
    )
    assert created.changes[key]["role"] == [None, "officer"]
    assert created.changes[key]["team"] == [None, "Ealing"]
    assert "password" not in created.changes[key]  # API token only: no usable password

    call_command("create_user", "sgt-jones", role="commander", password=PASSWORD, stdout=StringIO(), stderr=StringIO())
    changed = account_events()[-1]
    assert changed.action == "alter"
    assert changed.changes[key] == {"role": ["officer", "commander"], "password": [None, "changed"]}
    no_password_hash_in(account_events())


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="chief-admin", role="commander", is_staff=True, is_superuser=True))
    return client


def _change_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "role": user.role,
        "team": user.team,
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
    }
    data.update(changes)
    return data


def test_the_admin_records_creation_role_change_password_and_deletion(admin_client):
    added = admin_client.post(
        "/admin/core/user/add/",
        {"username": "pc-new", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert added.status_code == 302, added.content[:2000]
    user = User.objects.get(username="pc-new")
    key = f"user:{user.pk}"
    [created] = account_events()
    assert (created.action, created.actor_username, created.endpoint) == (
        "collect",
        "chief-admin",
        "admin:core_user_add",
    )
    assert created.changes[key]["username"] == [None, "pc-new"]
    assert created.changes[key]["password"] == [None, "changed"]

    changed = admin_client.post(f"/admin/core/user/{user.pk}/change/", _change_form(user, role="analyst", team="Hub"))
    assert changed.status_code == 302, changed.content[:2000]
    role_change = account_events()[-1]
    assert (role_change.action, role_change.actor_username) == ("alter", "chief-admin")
    assert role_change.changes[key] == {"role": ["officer", "analyst"], "team": ["", "Hub"]}

    unchanged = admin_client.post(f"/admin/core/user/{user.pk}/change/", _change_form(User.objects.get(pk=user.pk)))
    assert unchanged.status_code == 302
    assert len(account_events()) == 2, "saving an unchanged account records no alteration"

    password = admin_client.post(
        f"/admin/core/user/{user.pk}/password/",
        {"password1": PASSWORD + "x", "password2": PASSWORD + "x", "usable_password": "true"},
    )
    assert password.status_code == 302, password.content[:2000]
    assert account_events()[-1].changes[key] == {"password": [None, "changed"]}

    deleted = admin_client.post(f"/admin/core/user/{user.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    erased = account_events()[-1]
    assert (erased.action, erased.records) == ("erase", [key])
    assert erased.changes[key]["role"] == ["analyst", None]
    no_password_hash_in(account_events())


def test_the_admins_bulk_delete_records_every_account(admin_client):
    users = [UserFactory(username=f"leaver-{i}") for i in range(2)]
    response = admin_client.post(
        "/admin/core/user/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in users], "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(username__startswith="leaver-").exists()
    [erased] = account_events()
    assert erased.action == "erase"
    assert sorted(erased.records) == sorted(f"user:{u.pk}" for u in users)
    assert erased.count == 2
