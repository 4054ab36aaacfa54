"""Operations' records follow the borough boundaries: re-assigned when they are reloaded."""

from ebikeops.areas.selectors import borough_subquery

from .models import Arrest, Operation, Seizure

POINT_FIELDS = ((Operation, "location"), (Seizure, "point"), (Arrest, "point"))


def boroughs_assign_all() -> int:
    """Set the borough of every operation, seizure and arrest in one UPDATE per table (PostGIS).

    Returns the number of rows updated. The borough is derived from the point, not an officer's
    statement, so it changes with no version or audit event of its own (the load is audited)."""
    return sum(model.objects.update(borough=borough_subquery(field)) for model, field in POINT_FIELDS)


def boroughs_reassign(sender, **kwargs) -> int:
    """Receiver of `areas.signals.boroughs_reloaded`."""
    return boroughs_assign_all()
