"""Operations, and the seizures and arrests logged during them.

Points are stored in WGS84 (SRID 4326, [lon, lat]); metric work transforms to EPSG:27700.
Arrests carry no names or personal identifiers (data minimisation).
"""

import uuid

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from django.db.models import F, Q
from django.utils import timezone

from ebikeops.areas.models import Borough
from ebikeops.core.models import Source, TrackedModel, User
from ebikeops.core.spatial import metric


class OperationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"


class VehicleType(models.TextChoices):
    E_BIKE = "e_bike", "E-bike"
    E_SCOOTER = "e_scooter", "E-scooter"
    E_MOTORCYCLE = "e_motorcycle", "Converted bicycle or e-motorcycle"
    OTHER = "other", "Other"


class SeizureReason(models.TextChoices):
    PRIVATE_E_SCOOTER = "private_e_scooter", "Private e-scooter on a public road"
    NON_COMPLIANT_EAPC = (
        "non_compliant_eapc",
        "E-bike outside EAPC rules (over 250 W, assistance above 15.5 mph, or a throttle)",
    )
    NO_INSURANCE_OR_LICENCE = "no_insurance_or_licence", "No insurance or licence"
    SUSPECTED_STOLEN = "suspected_stolen", "Suspected stolen"
    USED_IN_CRIME = "used_in_crime", "Used in crime"
    OTHER = "other", "Other"


class SeizurePower(models.TextChoices):
    RTA_1988_S165A = "rta_1988_s165a", "Road Traffic Act 1988 s.165A"
    PRA_2002_S59 = "pra_2002_s59", "Police Reform Act 2002 s.59"
    PACE_S19 = "pace_s19", "PACE 1984 s.19 (evidential seizure)"
    OTHER = "other", "Other"


class Disposition(models.TextChoices):
    HELD = "held", "Held"
    RETURNED = "returned", "Returned to owner"
    DESTROYED = "destroyed", "Destroyed"
    RETAINED_EVIDENCE = "retained_evidence", "Retained as evidence"


class OffenceCategory(models.TextChoices):
    THEFT = "theft", "Theft (including phone snatching)"
    ROBBERY = "robbery", "Robbery"
    VIOLENCE = "violence", "Violence against the person"
    SEXUAL_OFFENCE = "sexual_offence", "Sexual offence"
    DRUGS = "drugs", "Drugs"
    WEAPONS = "weapons", "Possession of weapons"
    HANDLING_STOLEN_GOODS = "handling_stolen_goods", "Handling stolen goods"
    DRIVING = "driving", "Driving offence (dangerous, no insurance, no licence)"
    PUBLIC_ORDER = "public_order", "Public order"
    WANTED_ON_WARRANT = "wanted_on_warrant", "Wanted on warrant"
    OTHER = "other", "Other"


def _external_ref_unique(name: str) -> models.UniqueConstraint:
    """Imported records are found again by (source system, external reference): importing a
    file twice changes nothing, and a corrected row updates its record (ebikeops.imports)."""
    return models.UniqueConstraint(fields=["source_system", "external_ref"], condition=~Q(external_ref=""), name=name)


def _choice(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class Operation(TrackedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=64, blank=True)
    name = models.CharField(max_length=200)
    team = models.CharField(max_length=100)
    lead_officer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_operations"
    )
    status = models.CharField(max_length=16, choices=OperationStatus.choices, default=OperationStatus.ACTIVE)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    location = models.PointField(srid=4326)
    stop_points = models.MultiPointField(srid=4326, null=True, blank=True)
    officer_count = models.PositiveSmallIntegerField(null=True, blank=True)
    borough = models.ForeignKey(Borough, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    source_system = models.CharField(
        max_length=64, blank=True, default="", db_default="", help_text="system an imported record came from"
    )
    external_ref = models.CharField(
        max_length=128, blank=True, default="", db_default="", help_text="the record's reference in that system"
    )

    class Meta:
        ordering = ["-started_at", "id"]
        indexes = [
            models.Index(fields=["started_at"], name="operation_started_at"),
            models.Index(fields=["team"], name="operation_team"),
            GistIndex(metric("location"), name="operation_location_bng"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gt=F("started_at")),
                name="operation_ends_after_start",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="operation_version_positive"),
            models.CheckConstraint(
                condition=Q(officer_count__isnull=True) | Q(officer_count__gte=0),
                name="operation_officer_count_non_negative",
            ),
            _choice("status", OperationStatus, "operation_status_valid"),
            _choice("source", Source, "operation_source_valid"),
            _external_ref_unique("operation_external_ref_unique"),
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="operation_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Seizure(TrackedModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: seizure_operation_time (operation, seized_at) serves every lookup by
    # operation (EXPLAIN: docs/import.md), and one index fewer is one fewer to keep up per write.
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="seizures", db_index=False)
    point = models.PointField(srid=4326)
    accuracy_m = models.FloatField(null=True, blank=True, help_text="GPS accuracy in metres")
    seized_at = models.DateTimeField(help_text="as recorded on the device")
    received_at = models.DateTimeField(default=timezone.now, help_text="when the server received it")
    vehicle_type = models.CharField(max_length=16, choices=VehicleType.choices)
    reason = models.CharField(max_length=32, choices=SeizureReason.choices)
    power = models.CharField(max_length=16, choices=SeizurePower.choices)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    colour = models.CharField(max_length=30, blank=True)
    frame_number = models.CharField(max_length=64, blank=True, help_text="sensitive")
    disposition = models.CharField(max_length=20, choices=Disposition.choices, default=Disposition.HELD)
    borough = models.ForeignKey(Borough, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    source_system = models.CharField(
        max_length=64, blank=True, default="", db_default="", help_text="system an imported record came from"
    )
    external_ref = models.CharField(
        max_length=128, blank=True, default="", db_default="", help_text="the record's reference in that system"
    )

    class Meta:
        ordering = ["-seized_at", "id"]
        indexes = [
            models.Index(fields=["seized_at"], name="seizure_seized_at"),
            models.Index(fields=["operation", "seized_at"], name="seizure_operation_time"),
            GistIndex(metric("point"), name="seizure_point_bng"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0), name="seizure_accuracy_non_negative"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="seizure_version_positive"),
            _choice("vehicle_type", VehicleType, "seizure_vehicle_type_valid"),
            _choice("reason", SeizureReason, "seizure_reason_valid"),
            _choice("power", SeizurePower, "seizure_power_valid"),
            _choice("disposition", Disposition, "seizure_disposition_valid"),
            _choice("source", Source, "seizure_source_valid"),
            _external_ref_unique("seizure_external_ref_unique"),
        ]


class ArrestDisposal(models.TextChoices):
    """What happened to the arrested person next, as a code: the arrest holds no free text
    (data minimisation; it replaced `notes`)."""

    TAKEN_TO_CUSTODY = "taken_to_custody", "Taken to custody"
    STREET_BAIL = "street_bail", "Released on street bail"
    DE_ARRESTED = "de_arrested", "De-arrested"
    HANDED_TO_OTHER_FORCE = "handed_to_other_force", "Handed to another force"


class Arrest(TrackedModel):
    """An arrest during an operation. Deliberately holds no name, personal identifier or
    free text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    operation = models.ForeignKey(Operation, on_delete=models.PROTECT, related_name="arrests")
    point = models.PointField(srid=4326)
    accuracy_m = models.FloatField(null=True, blank=True)
    arrested_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    offence_category = models.CharField(max_length=24, choices=OffenceCategory.choices)
    warrant_offence_category = models.CharField(
        max_length=24,
        choices=OffenceCategory.choices,
        blank=True,
        help_text="for 'wanted on warrant': the offence the warrant is for",
    )
    borough = models.ForeignKey(Borough, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    disposal = models.CharField(max_length=24, choices=ArrestDisposal.choices, blank=True)
    source_system = models.CharField(
        max_length=64, blank=True, default="", db_default="", help_text="system an imported record came from"
    )
    external_ref = models.CharField(
        max_length=128, blank=True, default="", db_default="", help_text="the record's reference in that system"
    )

    class Meta:
        ordering = ["-arrested_at", "id"]
        indexes = [
            models.Index(fields=["arrested_at"], name="arrest_arrested_at"),
            GistIndex(metric("point"), name="arrest_point_bng"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="arrest_version_positive"),
            models.CheckConstraint(
                condition=Q(accuracy_m__isnull=True) | Q(accuracy_m__gte=0), name="arrest_accuracy_non_negative"
            ),
            _choice("offence_category", OffenceCategory, "arrest_offence_category_valid"),
            models.CheckConstraint(
                condition=(
                    Q(offence_category=OffenceCategory.WANTED_ON_WARRANT)
                    & ~Q(warrant_offence_category="")
                    & ~Q(warrant_offence_category=OffenceCategory.WANTED_ON_WARRANT)
                    & Q(warrant_offence_category__in=OffenceCategory.values)
                )
                | (~Q(offence_category=OffenceCategory.WANTED_ON_WARRANT) & Q(warrant_offence_category="")),
                name="arrest_warrant_category_consistent",
            ),
            _choice("source", Source, "arrest_source_valid"),
            _external_ref_unique("arrest_external_ref_unique"),
            models.CheckConstraint(
                condition=Q(disposal="") | Q(disposal__in=ArrestDisposal.values), name="arrest_disposal_valid"
            ),
        ]


# --- Chain of custody ----------------------------------------------------------------------


class CustodyStep(models.TextChoices):
    SEIZED = "seized", "Seized"
    HELD = "held", "Held at a store"
    RELEASED = "released", "Released to the owner"
    DESTROYED = "destroyed", "Destroyed"
    RETAINED_EVIDENCE = "retained_evidence", "Retained as evidence"


class CustodyEvent(models.Model):
    """One step of a seized vehicle's custody: append-only (the database refuses UPDATE;
    rows go only with their seizure's erasure, whose audit event keeps them). The current
    disposition is the last step's (Seizure.disposition mirrors it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: custody_event_sequence_unique (seizure, sequence) serves every lookup
    # by seizure, the cascade of a seizure's erasure included (EXPLAIN: docs/import.md).
    seizure = models.ForeignKey(Seizure, on_delete=models.CASCADE, related_name="custody", db_index=False)
    sequence = models.PositiveIntegerField(help_text="1 for the seizure itself, then each step")
    step = models.CharField(max_length=20, choices=CustodyStep.choices)
    store = models.CharField(max_length=120, blank=True, help_text="the named store, for 'held'")
    happened_at = models.DateTimeField(help_text="when the step happened (the release date, ...)")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["seizure", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["seizure", "sequence"], name="custody_event_sequence_unique"),
            _choice("step", CustodyStep, "custody_event_step_valid"),
            models.CheckConstraint(
                condition=~Q(step=CustodyStep.HELD) | ~Q(store=""), name="custody_event_held_names_a_store"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.sequence}) of seizure {self.seizure_id}"


# --- What deletions and photos leave behind -----------------------------------------------
# Tombstones and photos were first the sync app's; they moved here (state only: the tables
# keep their names) because every write path needs them, not only sync.


class RecordType(models.TextChoices):
    OPERATION = "operation", "Operation"
    SEIZURE = "seizure", "Seizure"
    ARREST = "arrest", "Arrest"


class Tombstone(models.Model):
    """A deleted operation, seizure or arrest, so that a device that re-sends it is told
    "deleted" instead of silently re-creating it. Kept indefinitely (a few bytes each)."""

    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    record_id = models.UUIDField()
    version = models.PositiveIntegerField(help_text="the record's version when it was deleted")
    deleted_at = models.DateTimeField()
    deleted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        db_table = "sync_tombstone"
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="sync_tombstone_unique"),
            models.CheckConstraint(condition=Q(record_type__in=RecordType.values), name="sync_tombstone_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} (deleted)"


class PhotoContentType(models.TextChoices):
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"


class SeizurePhoto(models.Model):
    """An image attached to a seizure by the seizure's UUID. It may arrive before the seizure
    does (offline devices send in any order); it counts as attached once that seizure exists."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Not a foreign key: a photo may arrive before its seizure.
    seizure_id = models.UUIDField(db_index=True)
    file = models.FileField(max_length=255)
    content_type = models.CharField(max_length=16, choices=PhotoContentType.choices)
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        db_table = "sync_seizurephoto"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=PhotoContentType.values), name="sync_photo_content_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.id} of seizure {self.seizure_id}"


def record_type_of(record: models.Model) -> str:
    """The RecordType of an operation, seizure or arrest instance."""
    for model, record_type in (
        (Operation, RecordType.OPERATION),
        (Seizure, RecordType.SEIZURE),
        (Arrest, RecordType.ARREST),
    ):
        if isinstance(record, model):
            return record_type
    raise TypeError(f"{type(record).__name__} is not a field record.")
