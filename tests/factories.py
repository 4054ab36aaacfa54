"""Typed factories. They write through the ORM (fast); tests of validation use services."""

from datetime import UTC, datetime, timedelta

import factory

from ebikeops.core.models import Role, Source, User
from ebikeops.core.tokens import token_issue
from ebikeops.operations.models import (
    Arrest,
    OffenceCategory,
    Operation,
    OperationStatus,
    Seizure,
    SeizurePower,
    SeizureReason,
    VehicleType,
)

from . import places

T0 = datetime(2025, 11, 29, 13, 0, tzinfo=UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.OFFICER
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def token(self, create, extracted, **kwargs):
        """A real API token of the kind the server issues (hashed at rest); the plain token is
        kept on this object in memory only, for `token_of`."""
        if create:
            self._api_token = token_issue(user=self).token


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    name = factory.Sequence(lambda n: f"Operation {n}")
    team = "Ealing Town Centre Team"
    status = OperationStatus.COMPLETED
    started_at = T0
    ended_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=5))
    location = places.UXBRIDGE_ROAD_EALING
    lead_officer = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("lead_officer")
    source = Source.FIELD


class SeizureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seizure

    operation = factory.SubFactory(OperationFactory)
    point = places.UXBRIDGE_ROAD_EALING
    accuracy_m = 8.0
    seized_at = factory.LazyAttribute(lambda s: s.operation.started_at + timedelta(minutes=30))
    vehicle_type = VehicleType.E_BIKE
    reason = SeizureReason.NON_COMPLIANT_EAPC
    power = SeizurePower.PRA_2002_S59
    frame_number = "WTU123456789"
    notes = "rider fled on foot"
    created_by = factory.SelfAttribute("operation.created_by")
    source = factory.SelfAttribute("operation.source")


class ArrestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arrest

    operation = factory.SubFactory(OperationFactory)
    point = places.UXBRIDGE_ROAD_EALING
    arrested_at = factory.LazyAttribute(lambda a: a.operation.started_at + timedelta(minutes=45))
    offence_category = OffenceCategory.THEFT
    created_by = factory.SelfAttribute("operation.created_by")
    source = factory.SelfAttribute("operation.source")


def token_of(user: User) -> str:
    """The API token a test sends as `Authorization: Token ...` for `user`.

    Tests call this rather than reading the token model, so how tokens are stored can change
    in one place. Tokens are stored hashed, so the plain token is the one `UserFactory` issued
    and kept on the object; a user loaded afresh from the database is issued a new one."""
    if getattr(user, "_api_token", None) is None:
        user._api_token = token_issue(user=user).token
    return user._api_token
