"""The hotspot endpoints: GeoJSON with the run echoed, roles, jobs, caching, bad input."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from ebikeops.hotspots.models import HotspotRun, RunStatus
from ebikeops.hotspots.services import hotspots_compute
from tests import places
from tests.factories import T0
from tests.reporting.rfc7946 import feature_collection_problems

from .conftest import EPS_M, MIN_POINTS, SINCE, UNTIL, lay, window

pytestmark = pytest.mark.django_db

LIST = "/api/v1/hotspots/"
GISTAR = "/api/v1/hotspots/gistar/"
RECOMPUTE = "/api/v1/hotspots/recompute/"
WINDOW = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def run(planted):
    return hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())


@pytest.fixture
def dense_run(planted, operation):
    """Enough seizures (56) for a Gi* map."""
    lay(operation, places.WEST_EALING, [(0.1 * i, 0.0) for i in range(20)])
    return hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())


def test_it_lists_the_hotspots_as_geojson_with_the_run_echoed(analyst_client, run):
    body = analyst_client.get(LIST, WINDOW).json()
    assert body["type"] == "FeatureCollection"
    assert body["window_matches"] is True
    echoed = body["run"]
    assert echoed["id"] == str(run.pk)
    assert echoed["method"] == "dbscan-fast"
    assert echoed["parameters"]["eps_m"] == EPS_M and echoed["parameters"]["min_points"] == MIN_POINTS
    assert echoed["window"] == {"since": "2025-10-30T13:00:00Z", "until": "2025-12-29T13:00:00Z"}
    assert echoed["filters"] == {"vehicle_types": None, "borough": None, "reasons": None, "sources": None}
    assert echoed["input_count"] == 36
    assert echoed["code_version"] == run.code_version
    features = body["features"]
    assert [f["properties"]["seizure_count"] for f in features] == [12, 10, 8]
    first = features[0]
    assert first["geometry"]["type"] == "Polygon"
    assert set(first["properties"]) >= {
        "key", "rank", "seizure_count", "arrest_count", "area_m2", "density_per_km2", "first_seizure_at",
        "last_seizure_at", "busiest_weekday", "busiest_hour_band", "vehicle_mix", "share", "centroid",
        "gi_bin", "trend_category",
    }  # fmt: skip
    assert first["properties"]["busiest_weekday"] == "Saturday"
    assert first["properties"]["vehicle_mix"] == {"e_bike": 12}
    assert first["properties"]["centroid"]["type"] == "Point"
    assert first["properties"]["share"] == pytest.approx(12 / 36)


def test_it_reads_the_list_in_a_small_fixed_number_of_queries(officer_client, run, django_assert_num_queries):
    with django_assert_num_queries(4):  # token, run, hotspots, the audit event
        assert len(officer_client.get(LIST).json()["features"]) == 3
    with django_assert_num_queries(3):  # token, run: the hotspots come from the cache, the audit event
        assert len(officer_client.get(LIST).json()["features"]) == 3


def test_it_answers_with_an_empty_collection_when_nothing_was_computed(officer_client, boroughs):
    body = officer_client.get(LIST, {"vehicle_type": "e_scooter"}).json()
    assert body["features"] == [] and body["run"] is None
    assert "POST /api/v1/hotspots/recompute/" in body["detail"]


def test_it_picks_the_run_for_the_filters_and_parameters(officer_client, run):
    scooters = hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, vehicle_types=["e_scooter"], **window())
    assert officer_client.get(LIST, {"vehicle_type": "e_scooter"}).json()["run"]["id"] == str(scooters.pk)
    assert officer_client.get(LIST).json()["run"]["id"] == str(run.pk)
    assert officer_client.get(LIST, {"eps_m": 75}).json()["run"] is None
    other = officer_client.get(LIST, {"since": "2025-11-01T00:00:00Z", "until": "2025-11-30T23:59:59Z"}).json()
    assert other["run"]["id"] == str(run.pk) and other["window_matches"] is False
    assert officer_client.get(LIST, {"run": str(scooters.pk)}).json()["run"]["id"] == str(scooters.pk)


def test_it_serves_gistar_cells(analyst_client, dense_run):
    body = analyst_client.get(GISTAR).json()
    assert body["type"] == "FeatureCollection" and body["too_little_data"] is False
    assert body["run"]["id"] == str(dense_run.pk)
    cell = max(body["features"], key=lambda f: f["properties"]["count"])
    assert cell["geometry"]["type"] == "Polygon"
    assert cell["properties"]["count"] == 20 and cell["properties"]["gi_bin"] == 3
    assert set(cell["properties"]) >= {"count", "z", "p", "p_fdr", "gi_bin", "category"}
    significant = analyst_client.get(GISTAR, {"significant": "true"}).json()["features"]
    assert significant and all(f["properties"]["gi_bin"] != 0 for f in significant)
    assert len(significant) < len(body["features"])
    assert feature_collection_problems(body) == [], "RFC 7946: closed rings, counterclockwise exteriors"


def test_it_says_there_is_too_little_data_for_gistar_under_thirty_points(analyst_client, operation):
    lay(operation, places.WEST_EALING, [(3.0 * i, 0.0) for i in range(29)])
    hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())
    body = analyst_client.get(GISTAR).json()
    assert body["too_little_data"] is True and body["features"] == []
    assert body["detail"] == "Too little data: 29 seizures in the window, and a Gi* hot spot map needs at least 30."
    assert len(analyst_client.get(LIST).json()["features"]) == 1, "the hotspots themselves are still drawn"


def test_it_lets_a_commander_recompute_and_poll_the_job(commander_client, planted, django_capture_on_commit_callbacks):
    payload = {**WINDOW, "eps_m": EPS_M, "min_points": MIN_POINTS, "mode": "exact", "vehicle_type": ["e_bike"]}
    with django_capture_on_commit_callbacks(execute=True):
        response = commander_client.post(RECOMPUTE, payload, format="json")
    assert response.status_code == 202, response.content
    job_url = response.headers["Location"]
    run = HotspotRun.objects.get()
    assert job_url == reverse("hotspot-job", args=[run.pk]) == response.json()["job_url"]
    assert run.requested_by == commander_client.user
    job = commander_client.get(job_url).json()
    assert job["status"] == RunStatus.COMPLETED
    assert job["hotspot_count"] == 3
    hotspots = commander_client.get(job["hotspots_url"]).json()
    assert hotspots["run"]["method"] == "dbscan-exact"
    assert hotspots["run"]["filters"]["vehicle_types"] == ["e_bike"]
    assert len(hotspots["features"]) == 3


def test_the_job_is_queued_until_the_worker_takes_it(commander_client, planted):
    # No on-commit callbacks run inside the test's transaction: the job stays queued.
    response = commander_client.post(RECOMPUTE, {}, format="json")
    assert response.status_code == 202
    assert commander_client.get(response.headers["Location"]).json()["status"] == RunStatus.QUEUED


@pytest.mark.parametrize(("client", "status"), [("officer_client", 403), ("analyst_client", 403), ("anon_client", 401)])
def test_only_commanders_recompute(request, boroughs, client, status):
    assert request.getfixturevalue(client).post(RECOMPUTE, {}, format="json").status_code == status
    assert not HotspotRun.objects.exists()


def test_anonymous_users_cannot_read_hotspots(anon_client):
    assert anon_client.get(LIST).status_code == 401
    assert anon_client.get(GISTAR).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"eps_m": "-5"}, "eps_m"),
        ({"eps_m": "nan"}, "eps_m"),
        ({"min_points": "1"}, "min_points"),
        ({"mode": "quick"}, "mode"),
        ({"vehicle_type": "hoverboard"}, "vehicle_type"),
        ({"source": "field,rumour"}, "source"),
        ({"since": "2025-12-01T00:00:00Z", "until": "2025-11-01T00:00:00Z"}, "since"),
        ({"since": "2025-12-01T00:00:00"}, "since"),
        ({"borough": "Atlantis"}, "borough"),
        ({"cell_m": "5"}, "cell_m"),
        ({"run": "not-a-uuid"}, "run"),
    ],
)
def test_it_rejects_bad_parameters_with_the_field_named(officer_client, commander_client, boroughs, params, field):
    response = officer_client.get(LIST, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    if field != "run":
        posted = commander_client.post(RECOMPUTE, params, format="json")
        assert posted.status_code == 400 and field in posted.json()["errors"]
    assert not HotspotRun.objects.exists()


def test_it_rejects_a_grid_too_coarse_for_eps_on_recompute(commander_client, boroughs):
    response = commander_client.post(RECOMPUTE, {"eps_m": 50, "grid_m": 40}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["grid_m"]


def test_an_unknown_job_is_not_found(officer_client):
    assert officer_client.get("/api/v1/hotspots/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_the_cache_key_follows_the_run(officer_client, planted, operation):
    first = officer_client.get(LIST).json()
    assert first["run"] is None
    hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())
    assert len(officer_client.get(LIST).json()["features"]) == 3
    lay(operation, places.HANWELL_BROADWAY, [(2.0 * i, 0.0) for i in range(6)], start=T0 + timedelta(hours=1))
    hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())
    assert len(officer_client.get(LIST).json()["features"]) == 4
