"""A seized vehicle's chain of custody: an append-only timeline of steps (seized, held at a
named store, released to the owner, destroyed, retained as evidence), each with who and when.
The current disposition is the last step's; Seizure.disposition mirrors it for filters and
summaries. Transitions that cannot happen are refused (a destroyed vehicle is not released).
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ebikeops.core.errors import Forbidden
from ebikeops.core.models import User

from . import audit_events, errors
from .models import CustodyEvent, CustodyStep, Disposition, Seizure
from .policies import can_change

# The steps that may follow each step. Released and destroyed are final.
NEXT_STEPS: dict[str, frozenset[str]] = {
    CustodyStep.SEIZED: frozenset(
        {CustodyStep.HELD, CustodyStep.RELEASED, CustodyStep.DESTROYED, CustodyStep.RETAINED_EVIDENCE}
    ),
    CustodyStep.HELD: frozenset(
        {CustodyStep.HELD, CustodyStep.RELEASED, CustodyStep.DESTROYED, CustodyStep.RETAINED_EVIDENCE}
    ),
    CustodyStep.RETAINED_EVIDENCE: frozenset({CustodyStep.HELD, CustodyStep.RELEASED, CustodyStep.DESTROYED}),
    CustodyStep.RELEASED: frozenset(),
    CustodyStep.DESTROYED: frozenset(),
}
# The disposition each step leaves the vehicle in.
DISPOSITION_OF: dict[str, str] = {
    CustodyStep.SEIZED: Disposition.HELD,
    CustodyStep.HELD: Disposition.HELD,
    CustodyStep.RELEASED: Disposition.RETURNED,
    CustodyStep.DESTROYED: Disposition.DESTROYED,
    CustodyStep.RETAINED_EVIDENCE: Disposition.RETAINED_EVIDENCE,
}
# A disposition set directly (PATCH, sync) is the step that leads to it.
STEP_FOR_DISPOSITION: dict[str, str] = {
    Disposition.HELD: CustodyStep.HELD,
    Disposition.RETURNED: CustodyStep.RELEASED,
    Disposition.DESTROYED: CustodyStep.DESTROYED,
    Disposition.RETAINED_EVIDENCE: CustodyStep.RETAINED_EVIDENCE,
}


def custody_timeline(*, seizure: Seizure) -> QuerySet[CustodyEvent]:
    """The seizure's steps in order, with who recorded each (one query)."""
    return CustodyEvent.objects.filter(seizure=seizure).select_related("recorded_by").order_by("sequence")


def custody_start_steps(*, seizures: list[Seizure], user: User | None) -> list[CustodyEvent]:
    """The first step of new seizures, unsaved: seized, when and by whom they were seized."""
    return [
        CustodyEvent(
            seizure=seizure, sequence=1, step=CustodyStep.SEIZED, happened_at=seizure.seized_at, recorded_by=user
        )
        for seizure in seizures
    ]


def custody_started(*, seizures: list[Seizure], user: User | None) -> None:
    """Store the first step of new seizures (`custody_start_steps`). Called by the create
    services in their transaction."""
    CustodyEvent.objects.bulk_create(custody_start_steps(seizures=seizures, user=user))


def _last_step(seizure: Seizure) -> CustodyEvent:
    last = CustodyEvent.objects.filter(seizure=seizure).order_by("-sequence").first()
    if last is None:  # a seizure stored without the services (fixtures, old imports)
        custody_started(seizures=[seizure], user=seizure.created_by)
        last = CustodyEvent.objects.get(seizure=seizure, sequence=1)
    return last


def check_step(*, seizure: Seizure, step: str, store: str) -> CustodyEvent:
    """Raise a ValidationError unless `step` may follow the seizure's last step; return that
    last step. Call with the seizure row locked."""
    if step not in NEXT_STEPS or step == CustodyStep.SEIZED:
        raise ValidationError({"step": errors.CUSTODY_STEP_UNKNOWN.format(step=step)})
    last = _last_step(seizure)
    if step not in NEXT_STEPS[last.step]:
        raise ValidationError(
            {"step": errors.CUSTODY_STEP_REFUSED.format(step=CustodyStep(step).label, last=last.get_step_display())}
        )
    if step == CustodyStep.HELD and not store.strip():
        raise ValidationError({"store": errors.CUSTODY_STORE_REQUIRED})
    return last


def custody_append(
    *, seizure: Seizure, last: CustodyEvent, step: str, store: str, happened_at: datetime, user: User | None
) -> CustodyEvent:
    """Append a checked step (see check_step) and mirror it in seizure.disposition (the
    caller saves the seizure)."""
    event = CustodyEvent.objects.create(
        seizure=seizure,
        sequence=last.sequence + 1,
        step=step,
        store=store.strip() if step == CustodyStep.HELD else "",
        happened_at=happened_at,
        recorded_by=user,
    )
    seizure.disposition = DISPOSITION_OF[step]
    return event


@transaction.atomic
def custody_step_add(
    *,
    seizure: Seizure,
    user: User,
    step: str,
    store: str = "",
    happened_at: datetime | None = None,
    now: datetime | None = None,
) -> CustodyEvent:
    """Record the next step of a seized vehicle's custody: `store` names the store for
    'held'; `happened_at` (default now) is when it happened, e.g. the release date, not in
    the future nor before the seizure. Raises ValidationError for an illegal transition
    (released or destroyed are final) and Forbidden unless `user` may change the seizure.
    Leaves an alteration audit event (disposition before/after, the step)."""
    now = now or timezone.now()
    happened_at = happened_at or now
    seizure = Seizure.objects.select_for_update().select_related("operation").get(pk=seizure.pk)
    if not can_change(user, seizure):
        raise Forbidden(errors.FORBIDDEN_CHANGE)
    if happened_at > now:
        raise ValidationError({"happened_at": errors.CUSTODY_IN_FUTURE})
    if happened_at < seizure.seized_at:
        raise ValidationError({"happened_at": errors.CUSTODY_BEFORE_SEIZURE})
    before = audit_events.snapshot(seizure)
    last = check_step(seizure=seizure, step=step, store=store)
    event = custody_append(seizure=seizure, last=last, step=step, store=store, happened_at=happened_at, user=user)
    seizure.updated_by = user
    seizure.version += 1
    seizure.save(update_fields=["disposition", "updated_by", "version", "updated_at"])
    audit_events.altered(seizure, before, user=user, extra=custody_change(event))
    return event


def custody_change(event: CustodyEvent) -> dict[str, Any]:
    """The custody step as an audit change: {"custody": [null, {step, store, happened_at}]}."""
    return {
        "custody": [
            None,
            {
                "sequence": event.sequence,
                "step": event.step,
                "store": event.store,
                "happened_at": event.happened_at.isoformat(),
            },
        ]
    }
