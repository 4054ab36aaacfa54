"""manage.py review_retention: lists records past their review date; with --apply erases them
through the delete services, each erasure an audit event naming the commander."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from ebikeops.audit.models import AuditEvent
from ebikeops.operations.models import Arrest, Operation, Seizure, Tombstone
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(settings, boroughs):
    settings.RETENTION_DAYS = {"operation": 365, "seizure": 365, "arrest": 365}
    long_ago = timezone.now() - timedelta(days=400)
    old_op = OperationFactory(started_at=long_ago, ended_at=long_ago + timedelta(hours=4))
    old_seizure = SeizureFactory(operation=old_op, seized_at=long_ago + timedelta(hours=1))
    old_arrest = ArrestFactory(operation=old_op, arrested_at=long_ago + timedelta(hours=2))
    recent_op = OperationFactory(started_at=timezone.now() - timedelta(days=3), ended_at=None)
    recent = SeizureFactory(operation=recent_op, seized_at=timezone.now() - timedelta(days=2))
    return {"old_op": old_op, "old_seizure": old_seizure, "old_arrest": old_arrest, "recent": recent}


def test_it_lists_without_erasing(records, capsys):
    call_command("review_retention")
    out = capsys.readouterr().out
    assert "seizures past review (365 days): 1" in out
    assert str(records["old_seizure"].pk) in out and str(records["recent"].pk) not in out
    assert "operations past review (365 days): 1" in out
    assert "Nothing erased" in out
    assert Seizure.objects.count() == 2 and not AuditEvent.objects.exclude(action="consult").exists()


def test_apply_erases_through_the_services_with_audit_events(records, commander, capsys):
    call_command("review_retention", apply=True, user="commander")
    assert "Erased 1 seizures, 1 arrests, 1 operations" in capsys.readouterr().out
    assert not Operation.objects.filter(pk=records["old_op"].pk).exists()
    assert not Arrest.objects.exists()
    assert list(Seizure.objects.values_list("pk", flat=True)) == [records["recent"].pk]
    assert Tombstone.objects.count() == 3
    erasures = AuditEvent.objects.filter(action="erase").order_by("id")
    assert [e.records[0].split(":")[0] for e in erasures] == ["seizure", "arrest", "operation"]
    assert {(e.actor_username, e.client_kind, e.endpoint) for e in erasures} == {
        ("commander", "command", "review_retention")
    }
    assert all(e.purpose.startswith("Retention review") for e in erasures)


def test_apply_needs_a_commander(records, officer):
    with pytest.raises(CommandError, match="--apply needs --user"):
        call_command("review_retention", apply=True)
    with pytest.raises(CommandError, match="No active commander 'officer-a'"):
        call_command("review_retention", apply=True, user="officer-a")
    assert Seizure.objects.count() == 2
