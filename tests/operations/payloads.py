"""Request bodies as an officer's client would send them."""

from copy import deepcopy

from tests import places

OPERATION = {
    "type": "Feature",
    "geometry": places.geojson(places.EALING_BROADWAY),
    "properties": {
        "name": "Uxbridge Road, Ealing",
        "team": "Ealing Town Centre Team",
        "status": "active",
        "started_at": "2025-11-29T12:00:00+00:00",
        "stop_points": {
            "type": "MultiPoint",
            "coordinates": [
                [places.EALING_BROADWAY.x, places.EALING_BROADWAY.y],
                [places.WEST_EALING.x, places.WEST_EALING.y],
                [places.HANWELL_BROADWAY.x, places.HANWELL_BROADWAY.y],
            ],
        },
        "officer_count": 10,
        "notes": "Briefed at Ealing police station",
    },
}

SEIZURE = {
    "point": places.geojson(places.WEST_EALING),
    "accuracy_m": 6.5,
    "seized_at": "2025-11-29T14:10:00+00:00",
    "vehicle_type": "e_bike",
    "reason": "non_compliant_eapc",
    "power": "rta_1988_s165a",
    "make": "Sur-Ron",
    "colour": "black",
    "frame_number": "SR2025X0001",
    "notes": "throttle fitted",
}

ARREST = {
    "point": places.geojson(places.EALING_BROADWAY),
    "arrested_at": "2025-11-29T15:00:00+00:00",
    "offence_category": "wanted_on_warrant",
    "warrant_offence_category": "sexual_offence",
}


def operation(**properties) -> dict:
    body = deepcopy(OPERATION)
    body["properties"].update(properties)
    return body


def seizure(**fields) -> dict:
    return {**deepcopy(SEIZURE), **fields}


def arrest(**fields) -> dict:
    return {**deepcopy(ARREST), **fields}
