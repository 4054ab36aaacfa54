"""Named stops: loading TfL's bus-stop sequences, naming, and GET /api/v1/places/."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ebikeops.areas.models import NamedStop
from ebikeops.areas.named_stops import named_stops_load, readable
from ebikeops.areas.selectors import nearest_named_stops

CAMBRIDGE_CIRCUS = (-0.128868, 51.513243)  # the centroid of its three stops, per the data's README


def test_readable_undoes_tfls_capitals_and_station_markers():
    assert readable("EALING BROADWAY STATION <> #") == "Ealing Broadway Station"
    assert readable("SHEPHERD'S BUSH MARKET") == "Shepherd's Bush Market"
    assert readable("TOTTENHAM CRT RD STN <>/GT RUSSELL ST") == "Tottenham Crt Road Station / Gt Russell St"


def test_it_loads_every_distinct_stop_once_and_again_changes_nothing(db):
    out = StringIO()
    call_command("load_named_stops", stdout=out)
    assert "581 named stops from 782 rows in 2 files: 581 new, 0 updated." in out.getvalue()
    again = named_stops_load()
    assert (again.created, again.updated) == (0, 581)
    assert NamedStop.objects.count() == 581
    circus = NamedStop.objects.filter(source_name="CAMBRIDGE CIRCUS")
    assert circus.count() == 3
    # All six routes through the junction serve it (14, 19, 38 and 24, 29, 176).
    assert set().union(*(s.routes for s in circus)) == {"14", "19", "24", "29", "38", "176"}


def test_it_refuses_a_folder_without_the_files(db, tmp_path):
    with pytest.raises(ValidationError):
        named_stops_load(directory=tmp_path)
    with pytest.raises(CommandError, match="No bus-sequences"):
        call_command("load_named_stops", "--dir", str(tmp_path), stdout=StringIO())


def test_nearest_named_stops_are_distinct_names_nearest_first(db):
    named_stops_load()
    found = nearest_named_stops([(7, *CAMBRIDGE_CIRCUS), (8, 0.5, 51.0)], within_m=150)
    assert 8 not in found
    names = [name for name, _ in found[7]]
    assert names[0] == "Cambridge Circus"
    assert len(names) == len(set(names))
    assert [d for _, d in found[7]] == sorted(d for _, d in found[7])


def test_places_are_geojson_for_every_role_and_filter_by_bbox(officer_client, analyst_client, anon_client):
    named_stops_load()
    assert anon_client.get("/api/v1/places/").status_code == 401
    body = analyst_client.get("/api/v1/places/").json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 581
    soho = officer_client.get("/api/v1/places/", {"bbox": "-0.132,51.511,-0.126,51.516"}).json()
    names = {f["properties"]["name"] for f in soho["features"]}
    assert "Cambridge Circus" in names
    lon, lat = soho["features"][0]["geometry"]["coordinates"]
    assert -0.132 <= lon <= -0.126 and 51.511 <= lat <= 51.516
    assert officer_client.get("/api/v1/places/", {"bbox": "nonsense"}).status_code == 400
