"""List filters: bounding box, distance in metres, time range, borough, vehicle type, team,
status, ordering."""

import pytest

from ebikeops.operations.boroughs import boroughs_assign_all
from tests import places
from tests.factories import T0, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {feature["id"] for feature in response.json()["features"]}


@pytest.fixture
def layout(boroughs):
    """Ealing Broadway, West Ealing (1.18 km west), Hanwell (2.3 km west), Leicester Square."""
    ealing_op = OperationFactory(team="Ealing Town Centre Team")
    west_end_op = OperationFactory(
        team="West End Neighbourhood Team",
        location=places.LEICESTER_SQUARE,
        started_at=T0.replace(day=5, month=12),
        status="active",
        ended_at=None,
    )
    seizures = {
        "broadway": SeizureFactory(operation=ealing_op, point=places.EALING_BROADWAY),
        "west_ealing": SeizureFactory(
            operation=ealing_op, point=places.WEST_EALING, vehicle_type="e_scooter", reason="private_e_scooter"
        ),
        "hanwell": SeizureFactory(operation=ealing_op, point=places.HANWELL_BROADWAY),
        "leicester": SeizureFactory(operation=west_end_op, point=places.LEICESTER_SQUARE),
    }
    boroughs_assign_all()
    return {"ealing_op": ealing_op, "west_end_op": west_end_op, **{k: str(v.pk) for k, v in seizures.items()}}


def test_it_filters_by_bounding_box(officer_client, layout):
    # a box around Ealing Broadway and West Ealing only
    got = ids(officer_client.get("/api/v1/seizures/?bbox=-0.325,51.510,-0.295,51.516"))
    assert got == {layout["broadway"], layout["west_ealing"]}


def test_it_filters_by_distance_in_metres(officer_client, layout):
    centre = f"lon={places.EALING_BROADWAY.x}&lat={places.EALING_BROADWAY.y}"
    assert ids(officer_client.get(f"/api/v1/seizures/?{centre}&radius_m=500")) == {layout["broadway"]}
    assert ids(officer_client.get(f"/api/v1/seizures/?{centre}&radius_m=1300")) == {
        layout["broadway"],
        layout["west_ealing"],
    }
    assert ids(officer_client.get(f"/api/v1/seizures/?{centre}&radius_m=2600")) == {
        layout["broadway"],
        layout["west_ealing"],
        layout["hanwell"],
    }


def test_it_filters_by_time_range(officer_client, layout):
    got = ids(officer_client.get("/api/v1/seizures/?since=2025-12-01T00:00:00Z"))
    assert got == {layout["leicester"]}
    got = ids(officer_client.get("/api/v1/operations/?until=2025-11-30T00:00:00Z"))
    assert got == {str(layout["ealing_op"].pk)}


def test_it_filters_by_borough_code_or_name(officer_client, layout):
    by_name = ids(officer_client.get("/api/v1/seizures/?borough=westminster"))
    by_code = ids(officer_client.get("/api/v1/seizures/?borough=E09000033"))
    assert by_name == by_code == {layout["leicester"]}


def test_it_filters_by_vehicle_type_team_and_status(officer_client, layout):
    assert ids(officer_client.get("/api/v1/seizures/?vehicle_type=e_scooter")) == {layout["west_ealing"]}
    assert len(ids(officer_client.get("/api/v1/seizures/?vehicle_type=e_scooter&vehicle_type=e_bike"))) == 4
    assert ids(officer_client.get("/api/v1/operations/?team=west end neighbourhood team")) == {
        str(layout["west_end_op"].pk)
    }
    assert ids(officer_client.get("/api/v1/operations/?status=active")) == {str(layout["west_end_op"].pk)}


def test_it_orders_operations(officer_client, layout):
    features = officer_client.get("/api/v1/operations/?ordering=started_at").json()["features"]
    assert [f["id"] for f in features] == [str(layout["ealing_op"].pk), str(layout["west_end_op"].pk)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=0,52,-1,51", "bbox"),
        ("lon=-0.3&lat=51.5", "radius_m"),
        ("lon=-0.3&lat=51.5&radius_m=-5", "radius_m"),
        ("lon=-0.3&lat=51.5&radius_m=999999", "radius_m"),
        ("lon=west&lat=51.5&radius_m=100", "lon"),
        ("since=yesterday", "since"),
        ("vehicle_type=tank", "vehicle_type"),
        ("status=finished", "status"),
    ],
)
def test_it_rejects_bad_filters_naming_the_field(officer_client, layout, query, field):
    response = officer_client.get(f"/api/v1/seizures/?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
