"""Filters that answer: a borough filter (spatial only) is answered from the London-wide run
when no run was computed for the borough alone; the answer says so."""

import pytest
from django.core.cache import cache

from ebikeops.hotspots.services import hotspots_compute

from .conftest import EPS_M, MIN_POINTS, window

pytestmark = pytest.mark.django_db

LIST = "/api/v1/hotspots/"
GISTAR = "/api/v1/hotspots/gistar/"
EALING, WESTMINSTER, CAMDEN = "E09000009", "E09000033", "E09000007"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def london_run(planted):
    return hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, **window())


def test_a_borough_with_no_run_of_its_own_gets_the_london_runs_hotspots_in_it(analyst_client, london_run):
    ealing = analyst_client.get(LIST, {"borough": "Ealing"}).json()
    assert ealing["run"]["id"] == str(london_run.pk)
    assert ealing["cut_to_borough"] == EALING
    assert [f["properties"]["seizure_count"] for f in ealing["features"]] == [12]
    assert "London-wide run" in ealing["detail"] and "Ealing" in ealing["detail"]

    westminster = analyst_client.get(LIST, {"borough": WESTMINSTER}).json()
    assert [f["properties"]["seizure_count"] for f in westminster["features"]] == [10]
    camden = analyst_client.get(LIST, {"borough": CAMDEN}).json()
    assert camden["features"] == [] and camden["cut_to_borough"] == CAMDEN

    london = analyst_client.get(LIST).json()
    assert london["cut_to_borough"] is None
    assert len(london["features"]) == 3


def test_a_run_computed_for_the_borough_comes_first(officer_client, london_run):
    own = hotspots_compute(eps_m=EPS_M, min_points=MIN_POINTS, borough="Ealing", **window())
    body = officer_client.get(LIST, {"borough": "Ealing"}).json()
    assert body["run"]["id"] == str(own.pk)
    assert body["cut_to_borough"] is None


def test_gistar_cells_are_cut_to_the_borough_too(analyst_client, london_run):
    whole = analyst_client.get(GISTAR).json()["features"]
    ealing = analyst_client.get(GISTAR, {"borough": "Ealing"}).json()
    assert ealing["cut_to_borough"] == EALING
    assert 0 < len(ealing["features"]) < len(whole)


def test_a_vehicle_filter_is_not_cut_from_another_run(officer_client, london_run):
    """Vehicle types change which seizures count: no run answers until one is computed."""
    body = officer_client.get(LIST, {"vehicle_type": "e_scooter", "borough": "Ealing"}).json()
    assert body["run"] is None and body["features"] == []


def test_an_unknown_borough_is_a_field_error(officer_client, london_run):
    response = officer_client.get(LIST, {"borough": "Atlantis"})
    assert response.status_code == 400
    assert "borough" in str(response.json())


def test_the_cut_answer_reads_in_a_fixed_number_of_queries(officer_client, london_run, django_assert_num_queries):
    # token, the borough, its own run (none), the London run, the hotspots in the borough,
    # and the read's audit event
    with django_assert_num_queries(6):
        assert len(officer_client.get(LIST, {"borough": "Ealing"}).json()["features"]) == 1
