"""Property: for random records and random filters, every figure of a summary equals the
count of the underlying records, computed here in Python from the records themselves.

Places are the hand-picked points of tests/places.py, whose boroughs are known, and the
distance filter uses radii whose members are known by hand; times cover both clock changes
of 2025 and the ISO year boundary (Monday 29 December 2025 is in 2026-W01).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ebikeops.core.models import Source
from ebikeops.operations.boroughs import boroughs_assign_all
from ebikeops.operations.models import (
    Arrest,
    Disposition,
    OffenceCategory,
    Operation,
    OperationStatus,
    Seizure,
    SeizurePower,
    SeizureReason,
    VehicleType,
)
from tests import places

from .conftest import EALING, HAMMERSMITH, WESTMINSTER

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
START = datetime(2025, 3, 1, tzinfo=UTC)
SPAN_MINUTES = 320 * 24 * 60  # to mid-January 2026

# place -> (borough code, borough name)
PLACES = {
    "EALING_BROADWAY": (EALING, "Ealing"),
    "WEST_EALING": (EALING, "Ealing"),
    "HANWELL_BROADWAY": (EALING, "Ealing"),
    "SHEPHERDS_BUSH_GREEN": (HAMMERSMITH, "Hammersmith and Fulham"),
    "LEICESTER_SQUARE": (WESTMINSTER, "Westminster"),
    "DEAN_STREET": (WESTMINSTER, "Westminster"),
}
# bbox -> the places inside it (none lies near an edge)
BOXES = {
    "-0.325,51.510,-0.295,51.516": {"EALING_BROADWAY", "WEST_EALING"},
    "-0.20,51.49,-0.10,51.53": {"LEICESTER_SQUARE", "DEAN_STREET"},
}
# (lon, lat, radius_m) -> the places within it (measured once in British National Grid)
CIRCLES = {
    (places.EALING_BROADWAY.x, places.EALING_BROADWAY.y, 1300): {"EALING_BROADWAY", "WEST_EALING"},
    (places.LEICESTER_SQUARE.x, places.LEICESTER_SQUARE.y, 400): {"LEICESTER_SQUARE", "DEAN_STREET"},
}
TEAMS = ("Alpha Team", "Bravo Team")

minutes = st.integers(min_value=0, max_value=SPAN_MINUTES)
place = st.sampled_from(sorted(PLACES))
source = st.sampled_from(Source.values)


@dataclass
class Op:
    team: str
    status: str
    source: str
    at: int
    place: str


@dataclass
class Sz:
    operation: int
    at: int
    place: str
    vehicle_type: str
    reason: str
    disposition: str
    source: str


@dataclass
class Ar:
    operation: int
    at: int
    place: str
    offence_category: str
    source: str


operations_st = st.lists(
    st.builds(Op, st.sampled_from(TEAMS), st.sampled_from(OperationStatus.values), source, minutes, place),
    min_size=1,
    max_size=4,
)


@st.composite
def layouts(draw):
    ops = draw(operations_st)
    operation = st.integers(min_value=0, max_value=len(ops) - 1)
    seizures = draw(
        st.lists(
            st.builds(
                Sz,
                operation,
                minutes,
                place,
                st.sampled_from(VehicleType.values),
                st.sampled_from(SeizureReason.values),
                st.sampled_from(Disposition.values),
                source,
            ),
            max_size=12,
        )
    )
    arrests = draw(
        st.lists(st.builds(Ar, operation, minutes, place, st.sampled_from(OffenceCategory.values), source), max_size=5)
    )
    return ops, seizures, arrests


def subset(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)


FILTERS = {
    "since": minutes,
    "until": minutes,
    "vehicle_type": subset(VehicleType.values),
    "reason": subset(SeizureReason.values),
    "offence_category": subset(OffenceCategory.values),
    "status": subset(OperationStatus.values),
    "source": subset(Source.values),
    "team": st.sampled_from([*TEAMS, "alpha team", "Nobody"]),
    "borough": st.sampled_from(["Ealing", WESTMINSTER, "hammersmith and fulham"]),
    "bbox": st.sampled_from(sorted(BOXES)),
    "circle": st.sampled_from(sorted(CIRCLES)),
}
# Up to three filters at once: more would leave nothing to count in most examples.
filters_st = st.lists(st.sampled_from(sorted(FILTERS)), max_size=3, unique=True).flatmap(
    lambda names: st.fixed_dictionaries({name: FILTERS[name] for name in names})
)
group_by_st = st.lists(
    st.sampled_from(["borough", "team", "week", "month", "vehicle_type", "weekday", "hour"]), max_size=3, unique=True
)


def when(offset: int) -> datetime:
    return START + timedelta(minutes=offset)


def offset(*utc) -> int:
    """Minutes from START to the UTC time `utc` (year, month, day, hour, minute)."""
    return int((datetime(*utc, tzinfo=UTC) - START).total_seconds() // 60)


# Hand-picked examples for the traps: a filter only some lists have, clock changes, ISO years.
TWO_OPERATIONS = [
    Op("Alpha Team", "active", "field", offset(2025, 3, 30, 1, 30), "EALING_BROADWAY"),  # 02:30 BST, first day
    Op("Bravo Team", "completed", "import", offset(2025, 10, 26, 0, 30), "LEICESTER_SQUARE"),  # 01:30 BST
]
EDGE_SEIZURES = [
    Sz(0, offset(2025, 3, 30, 0, 59), "WEST_EALING", "e_bike", "other", "held", "field"),  # 00:59 GMT
    Sz(1, offset(2025, 10, 26, 1, 30), "DEAN_STREET", "e_scooter", "private_e_scooter", "returned", "import"),
    Sz(1, offset(2025, 12, 28, 23, 59), "DEAN_STREET", "e_bike", "used_in_crime", "held", "demo"),  # 2025-W52
    Sz(0, offset(2025, 12, 29, 0, 0), "HANWELL_BROADWAY", "e_bike", "other", "destroyed", "field"),  # 2026-W01
]
EDGE_ARRESTS = [
    Ar(0, offset(2025, 3, 30, 2, 0), "EALING_BROADWAY", "drugs", "field"),
    Ar(1, offset(2025, 12, 31, 23, 30), "LEICESTER_SQUARE", "wanted_on_warrant", "import"),
]


def keys_of(at: datetime, borough: tuple[str, str], team: str, vehicle_type: str | None) -> dict:
    local = at.astimezone(LONDON)
    year, week, weekday = local.isocalendar()
    return {
        "borough": {"gss_code": borough[0], "name": borough[1]},
        "team": team,
        "week": f"{year}-W{week:02d}",
        "month": f"{local.year}-{local.month:02d}",
        "vehicle_type": vehicle_type,
        "weekday": weekday,
        "hour": local.hour,
    }


def expected_figures(records) -> dict:
    def count(kind, attribute=None, value=None):
        return sum(1 for r in records if r["kind"] == kind and (attribute is None or r[attribute] == value))

    return {
        "operations": count("operation"),
        "seizures": {
            "total": count("seizure"),
            "by_vehicle_type": {v: count("seizure", "vehicle_type", v) for v in VehicleType.values},
            "by_reason": {v: count("seizure", "reason", v) for v in SeizureReason.values},
            "by_disposition": {v: count("seizure", "disposition", v) for v in Disposition.values},
        },
        "arrests": {
            "total": count("arrest"),
            "by_offence_category": {v: count("arrest", "offence_category", v) for v in OffenceCategory.values},
        },
    }


def passes(record: dict, filters: dict, time_bounds: bool = True) -> bool:
    """The list endpoint's filters of the record's kind, as the FilterSets define them."""
    kind = record["kind"]
    if time_bounds and "since" in filters and record["at"] < when(filters["since"]):
        return False
    if time_bounds and "until" in filters and record["at"] > when(filters["until"]):
        return False
    applicable = {
        "operation": {"status", "team", "borough", "source"},
        "seizure": {"vehicle_type", "reason", "team", "status", "borough", "source"},
        "arrest": {"offence_category", "team", "borough", "source"},
    }[kind]
    for name in applicable & set(filters):
        wanted = filters[name]
        if name == "team":
            if record["team"].lower() != wanted.lower():
                return False
        elif name == "borough":
            code, borough_name = PLACES[record["place"]]
            if wanted.lower() not in (code.lower(), borough_name.lower()):
                return False
        elif record[name] not in wanted:
            return False
    if "bbox" in filters and record["place"] not in BOXES[filters["bbox"]]:
        return False
    return not ("circle" in filters and record["place"] not in CIRCLES[filters["circle"]])


def create(ops, seizures, arrests) -> list[dict]:
    """Write the records; return them as the oracle sees them."""
    operations = Operation.objects.bulk_create(
        [
            Operation(
                name=f"op {i}",
                team=o.team,
                status=o.status,
                source=o.source,
                started_at=when(o.at),
                location=getattr(places, o.place),
            )
            for i, o in enumerate(ops)
        ]
    )
    Seizure.objects.bulk_create(
        [
            Seizure(
                operation=operations[s.operation],
                point=getattr(places, s.place),
                seized_at=when(s.at),
                vehicle_type=s.vehicle_type,
                reason=s.reason,
                power=SeizurePower.PRA_2002_S59,
                disposition=s.disposition,
                source=s.source,
            )
            for s in seizures
        ]
    )
    Arrest.objects.bulk_create(
        [
            Arrest(
                operation=operations[a.operation],
                point=getattr(places, a.place),
                arrested_at=when(a.at),
                offence_category=a.offence_category,
                source=a.source,
                warrant_offence_category="theft" if a.offence_category == OffenceCategory.WANTED_ON_WARRANT else "",
            )
            for a in arrests
        ]
    )
    boroughs_assign_all()
    rows = [
        {
            "kind": "operation",
            "team": o.team,
            "status": o.status,
            "source": o.source,
            "at": when(o.at),
            "place": o.place,
            "vehicle_type": None,
        }
        for o in ops
    ]
    for s in seizures:
        op = ops[s.operation]
        rows.append(
            {
                "kind": "seizure",
                "team": op.team,
                "status": op.status,
                "source": s.source,
                "at": when(s.at),
                "place": s.place,
                "vehicle_type": s.vehicle_type,
                "reason": s.reason,
                "disposition": s.disposition,
            }
        )
    for a in arrests:
        op = ops[a.operation]
        rows.append(
            {
                "kind": "arrest",
                "team": op.team,
                "status": op.status,
                "source": a.source,
                "at": when(a.at),
                "place": a.place,
                "vehicle_type": None,
                "offence_category": a.offence_category,
            }
        )
    return rows


def query_string(filters: dict, group_by: list[str]) -> str:
    params: list[tuple[str, str]] = [("group_by", ",".join(group_by))]
    for name, value in filters.items():
        if name in ("since", "until"):
            params.append((name, when(value).isoformat()))
        elif name == "circle":
            lon, lat, radius_m = value
            params += [("lon", str(lon)), ("lat", str(lat)), ("radius_m", str(radius_m))]
        elif isinstance(value, list):
            params += [(name, item) for item in value]
        else:
            params.append((name, value))
    return urlencode(params)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=layouts(), filters=filters_st, group_by=group_by_st)
@example(data=(TWO_OPERATIONS, EDGE_SEIZURES, EDGE_ARRESTS), filters={"status": ["active"]}, group_by=["borough"])
@example(
    data=(TWO_OPERATIONS, EDGE_SEIZURES, EDGE_ARRESTS), filters={"vehicle_type": ["e_bike"]}, group_by=["week", "hour"]
)
@example(
    data=(TWO_OPERATIONS, EDGE_SEIZURES, EDGE_ARRESTS),
    filters={"since": offset(2025, 10, 26, 1, 0), "until": offset(2025, 12, 29, 0, 0), "source": ["import", "demo"]},
    group_by=["month", "team", "weekday"],
)
def test_summary_figures_equal_the_counts_of_the_records(analyst_client, boroughs, data, filters, group_by):
    if "since" in filters and "until" in filters and filters["since"] > filters["until"]:
        filters["since"], filters["until"] = filters["until"], filters["since"]
    with transaction.atomic():
        records = create(*data)
        response = analyst_client.get(f"/api/v1/summaries/?{query_string(filters, group_by)}")
        transaction.set_rollback(True)
    assert response.status_code == 200, response.content
    body = response.json()

    matching = [r for r in records if passes(r, filters)]
    groups: dict[tuple, list[dict]] = {}
    for record in matching:
        keys = keys_of(record["at"], PLACES[record["place"]], record["team"], record["vehicle_type"])
        groups.setdefault(tuple(repr(keys[d]) for d in group_by), []).append(record)
    expected = {key: expected_figures(rows) for key, rows in groups.items()}
    got = {
        tuple(repr(group[d]) for d in group_by): {k: group[k] for k in ("operations", "seizures", "arrests")}
        for group in body["groups"]
    }
    assert got == expected
    assert body["totals"] == expected_figures(matching)

    rolling = body["rolling_12_months"]
    rolling_since, rolling_until = datetime.fromisoformat(rolling["since"]), datetime.fromisoformat(rolling["until"])
    in_rolling = [
        r for r in records if passes(r, filters, time_bounds=False) and rolling_since < r["at"] <= rolling_until
    ]
    assert {k: rolling[k] for k in ("operations", "seizures", "arrests")} == expected_figures(in_rolling)
