"""Reads: querysets already joined and annotated for what their callers output."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Arrest, Operation, Seizure, VehicleType


def _arrest_count() -> Subquery:
    return Subquery(
        Arrest.objects.filter(operation=OuterRef("pk"))
        .order_by()
        .values("operation")
        .annotate(n=Count("pk"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def operation_list() -> QuerySet[Operation]:
    """Operations with their totals: seizure_count, one `<vehicle_type>_count` per vehicle
    type, and arrest_count, all computed in the query (one grouped join, one subquery)."""
    per_type = {f"{vt}_count": Count("seizures", filter=Q(seizures__vehicle_type=vt)) for vt in VehicleType.values}
    return (
        Operation.objects.select_related("borough", "lead_officer")
        .annotate(seizure_count=Count("seizures"), **per_type, arrest_count=Coalesce(_arrest_count(), 0))
        .order_by("-started_at", "id")  # Meta.ordering is not applied to GROUP BY queries
    )


def seizure_list() -> QuerySet[Seizure]:
    return Seizure.objects.select_related("borough", "operation")


def arrest_list() -> QuerySet[Arrest]:
    return Arrest.objects.select_related("borough", "operation")
