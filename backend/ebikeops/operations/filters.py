"""Attribute filters for operations, seizures and arrests (django-filter).
Spatial filters (bbox, distance) live in ebikeops.core.filters."""

import django_filters as filters
from django.db.models import Q

from ebikeops.core.filters import IsoDateTimeFilter
from ebikeops.core.models import Source

from .models import Arrest, OffenceCategory, Operation, OperationStatus, Seizure, SeizureReason, VehicleType


def filter_borough(queryset, name, value):
    """Borough by GSS code (E09000009) or by name (Ealing), case-insensitive."""
    return queryset.filter(Q(borough__gss_code__iexact=value) | Q(borough__name__iexact=value))


class OperationFilter(filters.FilterSet):
    since = IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="started_at", lookup_expr="lte")
    status = filters.MultipleChoiceFilter(choices=OperationStatus.choices)
    team = filters.CharFilter(lookup_expr="iexact")
    borough = filters.CharFilter(method=filter_borough, label="GSS code or name")
    source = filters.MultipleChoiceFilter(choices=Source.choices)

    class Meta:
        model = Operation
        fields = ["since", "until", "status", "team", "borough", "source"]


class SeizureFilter(filters.FilterSet):
    since = IsoDateTimeFilter(field_name="seized_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="seized_at", lookup_expr="lte")
    vehicle_type = filters.MultipleChoiceFilter(choices=VehicleType.choices)
    reason = filters.MultipleChoiceFilter(choices=SeizureReason.choices)
    team = filters.CharFilter(field_name="operation__team", lookup_expr="iexact")
    status = filters.MultipleChoiceFilter(field_name="operation__status", choices=OperationStatus.choices)
    borough = filters.CharFilter(method=filter_borough, label="GSS code or name")
    source = filters.MultipleChoiceFilter(choices=Source.choices)
    operation = filters.UUIDFilter(field_name="operation_id")

    class Meta:
        model = Seizure
        fields = ["since", "until", "vehicle_type", "reason", "team", "status", "borough", "source", "operation"]


class ArrestFilter(filters.FilterSet):
    since = IsoDateTimeFilter(field_name="arrested_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="arrested_at", lookup_expr="lte")
    offence_category = filters.MultipleChoiceFilter(choices=OffenceCategory.choices)
    team = filters.CharFilter(field_name="operation__team", lookup_expr="iexact")
    borough = filters.CharFilter(method=filter_borough, label="GSS code or name")
    source = filters.MultipleChoiceFilter(choices=Source.choices)
    operation = filters.UUIDFilter(field_name="operation_id")

    class Meta:
        model = Arrest
        fields = ["since", "until", "offence_category", "team", "borough", "source", "operation"]
