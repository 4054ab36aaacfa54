"""What each kind of import reads: its fields, which are required, and their limits.

A field here is a column of the staging view `import_rows` (all text); the mapping file says
which column of the file (or which constant) fills it. `longitude`/`latitude` become the
record's point (`point` for seizures and arrests, `location` for operations).
"""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist

from ebikeops.operations.models import Arrest, Operation, Seizure


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    fields: tuple[str, ...]
    required: tuple[str, ...]
    point_field: str


SEIZURES = Kind(
    name="seizures",
    model=Seizure,
    fields=(
        "external_ref",
        "operation_ref",
        "seized_at",
        "longitude",
        "latitude",
        "accuracy_m",
        "vehicle_type",
        "reason",
        "power",
        "make",
        "model",
        "colour",
        "frame_number",
        "disposition",
        "notes",
    ),
    required=("external_ref", "operation_ref", "seized_at", "longitude", "latitude", "vehicle_type", "reason", "power"),
    point_field="point",
)
ARRESTS = Kind(
    name="arrests",
    model=Arrest,
    fields=(
        "external_ref",
        "operation_ref",
        "arrested_at",
        "longitude",
        "latitude",
        "accuracy_m",
        "offence_category",
        "warrant_offence_category",
        # No notes: an arrest holds no free text (data minimisation, issue 13); a mapping that
        # names one is refused, so that free text about a person is never even staged.
    ),
    required=("external_ref", "operation_ref", "arrested_at", "longitude", "latitude", "offence_category"),
    point_field="point",
)
OPERATIONS = Kind(
    name="operations",
    model=Operation,
    fields=(
        "external_ref",
        "reference",
        "name",
        "team",
        "status",
        "started_at",
        "ended_at",
        "longitude",
        "latitude",
        "officer_count",
        "lead_officer",
        "notes",
    ),
    required=("external_ref", "name", "team", "started_at", "longitude", "latitude"),
    point_field="location",
)
KINDS = {kind.name: kind for kind in (SEIZURES, ARRESTS, OPERATIONS)}


def max_lengths(kind: Kind) -> dict[str, int]:
    """Text fields of the kind's model and their max_length (the model is the one source)."""
    lengths = {}
    for name in kind.fields:
        try:
            field = kind.model._meta.get_field(name)
        except FieldDoesNotExist:  # import-only fields (operation_ref, longitude) have no model field
            continue
        if getattr(field, "max_length", None) and not field.choices:
            lengths[name] = field.max_length
    return lengths


def choices(kind: Kind) -> dict[str, list[str]]:
    """Fields whose value must be one of the model's choices."""
    out = {}
    for name in kind.fields:
        try:
            field = kind.model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.choices:
            out[name] = [value for value, _ in field.choices]
    return out
