"""operations.audit_events: a batch's snapshots equal the single snapshot, value for value."""

import random
from datetime import UTC, datetime

import pytest
from django.contrib.gis.geos import Point

from ebikeops.audit.services import jsonable
from ebikeops.operations.audit_events import snapshot, snapshots
from ebikeops.operations.models import Seizure
from tests.factories import SeizureFactory

pytestmark = pytest.mark.django_db


def test_snapshots_of_a_batch_equal_each_records_snapshot_to_the_last_digit(boroughs):
    rng = random.Random(16)
    # Coordinates with every number of decimals (OGR writes at most 15), integers and halves.
    coordinates = [(round(rng.uniform(-0.5, 0.3), rng.randint(0, 17)), rng.uniform(51.3, 51.7)) for _ in range(300)]
    coordinates += [(0.0, 51.5), (-0.1, 51.5), (-0.30200000000000005, 51.513), (-0.127758, 51.507351)]
    seizure = SeizureFactory(seized_at=datetime(2025, 11, 29, 12, 0, 7, 250, tzinfo=UTC))
    records = []
    for x, y in coordinates:
        record = Seizure.objects.get(pk=seizure.pk)
        record.point = Point(x, y, srid=4326)
        record.notes = "A NUL \x00 in the notes"  # never stored; audit.jsonable replaces it
        records.append(record)
    batch = snapshots(records)
    assert len(batch) == len(records)
    for record, content in zip(records, batch, strict=True):
        single = snapshot(record)
        assert jsonable(content) == single, f"point {record.point.coords}: {content['point']} != {single['point']}"
        assert list(content) == list(single), "the fields keep their order"
    assert snapshots([]) == []
