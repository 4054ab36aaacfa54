"""GET /api/v1/suggestions/: the officer's view near a point, on hand-laid scenarios."""

from datetime import timedelta

import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point

from ebikeops.areas.models import Corridor
from ebikeops.core.spatial import metric
from ebikeops.hotspots.services import hotspots_compute
from ebikeops.planning import errors
from ebikeops.planning.models import Suggestion, SuggestionRun

from .conftest import AT, EALING_BROADWAY, WOOD_GREEN, pt, saturdays, seizures_at

URL = "/api/v1/suggestions/"


def near(client, lon_lat, **params):
    query = {"lon": lon_lat[0], "lat": lon_lat[1], "at": AT.isoformat(), **params}
    return client.get(URL, query)


def metres(a, b) -> float:
    return a.transform(27700, clone=True).distance(b.transform(27700, clone=True))


def test_it_suggests_uxbridge_road_with_stop_points_in_ealing_on_saturday_afternoons(
    officer_client, uxbridge_saturdays
):
    response = near(officer_client, EALING_BROADWAY, radius_m=3000)
    assert response.status_code == 200, response.content
    body = response.json()
    top = body["features"][0]
    props = top["properties"]
    assert (props["kind"], props["corridor"], props["corridor_name"]) == ("corridor", "uxbridge-road", "Uxbridge Road")
    assert props["title"] == "Uxbridge Road, Ealing"
    stops = props["stops"]
    assert len(stops) >= 2 and all(s["borough"] == "Ealing" for s in stops)
    points = [Point(s["lon"], s["lat"], srid=4326) for s in stops]
    assert all(metres(a, b) >= 400 for i, a in enumerate(points) for b in points[i + 1 :])
    assert top["geometry"]["type"] == "MultiPoint"
    assert top["geometry"]["coordinates"] == [[s["lon"], s["lat"]] for s in stops]
    # On the road line, near the places the seizures were.
    route = Corridor.objects.filter(slug="uxbridge-road")
    for point in points:
        assert route.annotate(d=Distance(metric("route"), point)).get().d.m < 1
    assert min(metres(p, pt(EALING_BROADWAY)) for p in points) < 100
    assert sum(s["expected_share"] for s in stops) > 0.6
    best = props["time_windows"][0]
    assert (best["weekday"], best["start"], best["end"], best["count"]) == ("Saturday", "14:00", "18:00", 42)
    assert best["label"] == "Saturday 14:00-18:00"
    assert props["counts"] == {"seizures": 42, "arrests": 0}
    assert props["section"]["type"] == "LineString"
    assert props["rationale"].startswith("42 seizures within 75 m in the last 365 days, 100% on Saturdays 14-18h;")
    assert "last operation here 7 days ago" in props["rationale"]
    assert all(10 <= s["dwell_minutes"] <= 15 for s in stops)
    assert sorted(props["rotation"]["order"]) == [s["number"] for s in stops]


def test_it_records_parameters_data_window_and_code_version(officer_client, uxbridge_saturdays):
    query = {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "at": AT.isoformat()}
    response = officer_client.post(URL, {**query, "radius_m": 3000, "k": 2, "spacing_m": 500}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    run = body["run"]
    assert run["kept"] is True
    assert run["kind"] == "near_me"
    assert run["parameters"]["k"] == 2 and run["parameters"]["spacing_m"] == 500
    assert run["parameters"]["distance_m"] == 75 and run["parameters"]["half_life_days"] == 60
    assert run["parameters"]["weights"] == {"seizures": 1.0, "arrests": 0.5}
    assert run["data_until"].startswith("2025-11-29T13:00")
    assert run["data_since"].startswith((AT - timedelta(days=365)).date().isoformat())
    assert run["code_version"].endswith("suggestions/4")
    assert run["area"] == {"type": "point", "lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "radius_m": 3000}
    stored = SuggestionRun.objects.get(pk=run["id"])
    assert stored.parameters["k"] == 2
    assert Suggestion.objects.filter(run=stored).count() == len(body["features"])
    assert all(len(f["properties"]["stops"]) <= 2 for f in body["features"])


def test_it_suggests_a_hotspot_that_lies_off_every_corridor(analyst_client, corridors):
    seizures_at([WOOD_GREEN], days=saturdays(4), per_place=6, operation_name="Wood Green")
    body = near(analyst_client, WOOD_GREEN, radius_m=2000).json()
    assert len(body["features"]) == 1
    props = body["features"][0]["properties"]
    assert (props["kind"], props["corridor"], props["section"]) == ("hotspot", "", None)
    assert props["title"] == "Off-corridor spot in Haringey"
    assert props["counts"]["seizures"] == 24
    assert "within 200 m of this spot (off the mapped corridors)" in props["rationale"]
    stop = props["stops"][0]
    assert metres(Point(stop["lon"], stop["lat"], srid=4326), pt(WOOD_GREEN)) < 30


def test_it_answers_no_data_with_an_empty_collection_and_a_clear_message(officer_client, corridors):
    response = near(officer_client, EALING_BROADWAY, radius_m=3000)
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["features"] == []
    assert body["message"].startswith(
        "Nothing to suggest within 3000 m of this point: no seizures or arrests near a corridor or anywhere off"
    )
    assert "in the 365 days up to Sat 29 Nov 2025 13:00" in body["message"]


def test_it_says_so_when_no_corridors_are_loaded(officer_client, boroughs):
    body = near(officer_client, EALING_BROADWAY).json()
    assert body["features"] == [] and body["message"].startswith("Nothing to suggest")


def test_it_ignores_history_after_the_time_asked_about(officer_client, uxbridge_saturdays):
    body = near(officer_client, EALING_BROADWAY, at=(saturdays()[-1] - timedelta(days=1)).isoformat()).json()
    assert body["features"] == []


def test_it_weighs_signals_as_registered(officer_client, uxbridge_saturdays):
    from ..factories import ArrestFactory

    for n in range(4):
        ArrestFactory(
            operation=uxbridge_saturdays[0],
            point=pt(EALING_BROADWAY),
            arrested_at=uxbridge_saturdays[0].started_at + timedelta(minutes=90 + n),
        )
    props = near(officer_client, EALING_BROADWAY).json()["features"][0]["properties"]
    assert props["counts"] == {"seizures": 42, "arrests": 4}
    assert props["rationale"].startswith("42 seizures and 4 arrests within 75 m")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"radius_m": 0}, "radius_m"),
        ({"radius_m": "far"}, "radius_m"),
        ({"radius_m": 50_000}, "radius_m"),
        ({"radius_m": "nan"}, "radius_m"),
        ({"k": 0}, "k"),
        ({"k": 20}, "k"),
        ({"spacing_m": 10}, "spacing_m"),
        ({"spacing_m": "x"}, "spacing_m"),
        ({"distance_m": 0}, "distance_m"),
        ({"window_days": 1}, "window_days"),
        ({"at": "2025-11-29T13:00:00"}, "at"),
        ({"at": "tomorrow"}, "at"),
        ({"at": "2027-01-01T13:00:00+00:00"}, "at"),
        ({"hours": 0}, "hours"),
        ({"lon": 200}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"dwell_min_minutes": 20, "dwell_max_minutes": 12}, "dwell_min_minutes"),
    ],
)
def test_it_refuses_invalid_parameters_naming_the_field(officer_client, corridors, params, field):
    query = {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "at": AT.isoformat(), **params}
    response = officer_client.get(URL, query)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert response["Content-Type"] == "application/problem+json"


def test_it_requires_a_point(officer_client, corridors):
    response = officer_client.get(URL, {"radius_m": 1000})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"lon", "lat"}


def test_it_is_for_signed_in_users_of_every_role(anon_client, analyst_client, commander_client, corridors):
    assert anon_client.get(URL, {"lon": 0, "lat": 51.5}).status_code == 401
    assert analyst_client.get(URL, {"lon": -0.3, "lat": 51.51}).status_code == 200
    assert commander_client.get(URL, {"lon": -0.3, "lat": 51.51}).status_code == 200


def test_it_answers_in_constant_queries_however_many_suggestions(
    officer_client, uxbridge_saturdays, kingsland_saturdays, django_assert_num_queries
):
    seizures_at([WOOD_GREEN], days=saturdays(3), per_place=6, operation_name="Wood Green")
    # token (1), savepoint and release (2), corridors (1), profile per signal (2), stops on
    # corridors (1), off-corridor places (1), recent operations (1), stop evidence per signal
    # (2), close pairs (1), sections (1), suggestion evidence per signal (2), operations in
    # the area (1), named stops (1), the audit event of the read (1). Nothing is stored: a GET
    # never writes records (its audit event is the one insert).
    with django_assert_num_queries(17 + 1):
        body = near(officer_client, (-0.19, 51.55), radius_m=20_000, limit=10).json()
    assert {f["properties"]["title"] for f in body["features"]} == {
        "Uxbridge Road, Ealing",
        "Kingsland Road, Hackney",
        "Off-corridor spot in Haringey",
    }
    assert body["message"] == errors.SOME_SUGGESTIONS.format(
        count=3, s="s", area="within 20000 m of this point", window="365 days", until="Sat 29 Nov 2025 13:00"
    )


def test_a_hotspot_run_over_later_data_changes_nothing(officer_client, uxbridge_saturdays):
    # Issue 18: a run whose window reaches past `at` once leaked later data into the answer.
    seizures_at([WOOD_GREEN], days=saturdays(4), per_place=6, operation_name="Wood Green")
    before = near(officer_client, WOOD_GREEN, radius_m=5000).json()
    later = [AT + timedelta(days=7 * n) for n in range(1, 5)]
    seizures_at([WOOD_GREEN, EALING_BROADWAY], days=later, per_place=9, operation_name="Later")
    hotspots_compute(since=AT - timedelta(days=60), until=AT + timedelta(days=60), eps_m=100, min_points=5, now=AT)
    after = near(officer_client, WOOD_GREEN, radius_m=5000).json()
    assert after["features"] == before["features"]
    assert after["message"] == before["message"]
    assert before["run"]["parameters"]["off_corridor"]["source"] == "window_events"
