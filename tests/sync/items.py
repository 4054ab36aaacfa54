"""Sync batch items as a device sends them: Uxbridge Road, 29 November 2025."""

import uuid
from datetime import UTC, datetime, timedelta

from tests import places

START = datetime(2025, 11, 29, 12, 0, tzinfo=UTC)
UXBRIDGE_ROAD = [
    places.EALING_BROADWAY,
    places.UXBRIDGE_ROAD_EALING,
    places.WEST_EALING,
    places.HANWELL_BROADWAY,
]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


def operation(record_id: str | None = None, **data) -> dict:
    return {
        "op": "create",
        "type": "operation",
        "id": record_id or new_id(),
        "recorded_at": iso(START),
        "data": {
            "name": "Uxbridge Road, Ealing",
            "team": "Ealing Town Centre Team",
            "status": "active",
            "started_at": iso(START),
            "location": places.geojson(places.EALING_BROADWAY),
            **data,
        },
    }


def seizure(operation_id: str, n: int = 0, record_id: str | None = None, **data) -> dict:
    at = START + timedelta(minutes=10 * (n + 1))
    return {
        "op": "create",
        "type": "seizure",
        "id": record_id or new_id(),
        "recorded_at": iso(at),
        "data": {
            "operation": operation_id,
            "point": places.geojson(UXBRIDGE_ROAD[n % len(UXBRIDGE_ROAD)]),
            "accuracy_m": 5.0,
            "seized_at": iso(at),
            "vehicle_type": "e_bike" if n % 3 else "e_scooter",
            "reason": "non_compliant_eapc" if n % 3 else "private_e_scooter",
            "power": "rta_1988_s165a",
            **data,
        },
    }


def arrest(operation_id: str, record_id: str | None = None, **data) -> dict:
    at = START + timedelta(hours=2)
    return {
        "op": "create",
        "type": "arrest",
        "id": record_id or new_id(),
        "recorded_at": iso(at),
        "data": {
            "operation": operation_id,
            "point": places.geojson(places.WEST_EALING),
            "arrested_at": iso(at),
            "offence_category": "theft",
            **data,
        },
    }


def update(record_type: str, record_id: str, base_version: int, **data) -> dict:
    return {
        "op": "update",
        "type": record_type,
        "id": record_id,
        "base_version": base_version,
        "recorded_at": iso(START + timedelta(hours=3)),
        "data": data,
    }


def delete(record_type: str, record_id: str, base_version: int | None = None) -> dict:
    item = {"op": "delete", "type": record_type, "id": record_id, "recorded_at": iso(START + timedelta(hours=4))}
    if base_version is not None:
        item["base_version"] = base_version
    return item
