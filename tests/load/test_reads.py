"""Reads that do not scan every operation's seizures for every page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from ebikeops.areas.selectors import borough_for_point
from ebikeops.operations.api.serializers import SHAPES
from ebikeops.operations.records import BY_PLURAL
from tests import places
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory


def test_a_page_of_operations_counts_only_its_own_rows_seizures(commander_client, boroughs):
    operations = [OperationFactory() for _ in range(3)]
    for n, operation in enumerate(operations):
        for _ in range(n + 1):
            SeizureFactory(operation=operation)
    ArrestFactory(operation=operations[0])
    with CaptureQueriesContext(connection) as queries:
        response = commander_client.get("/api/v1/operations/?page_size=1&ordering=-seizure_count")
    assert response.status_code == 200
    feature = response.json()["features"][0]
    assert feature["properties"]["seizure_count"] == 3
    assert response.json()["count"] == 3
    # The list's total (the rows' query holds COUNT(*)s too: the per-operation totals).
    count_sql = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)"))
    # The total is a plain count of operations: the per-operation totals are not computed for it.
    assert "operations_seizure" not in count_sql and "operations_arrest" not in count_sql, count_sql


def test_the_totals_are_those_of_each_operation(commander_client, boroughs):
    busy, quiet = OperationFactory(), OperationFactory()
    for vehicle_type in ("e_bike", "e_bike", "e_scooter"):
        SeizureFactory(operation=busy, vehicle_type=vehicle_type)
    ArrestFactory(operation=busy)
    ArrestFactory(operation=busy)
    features = {f["id"]: f["properties"] for f in commander_client.get("/api/v1/operations/").json()["features"]}
    assert features[str(busy.pk)]["seizure_count"] == 3
    assert features[str(busy.pk)]["e_bike_count"] == 2
    assert features[str(busy.pk)]["e_scooter_count"] == 1
    assert features[str(busy.pk)]["arrest_count"] == 2
    assert features[str(quiet.pk)]["seizure_count"] == 0
    assert features[str(quiet.pk)]["arrest_count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/seizures/?page_size=100", "/api/v1/arrests/", "/api/v1/operations/"])
def test_a_list_page_reads_no_borough_boundary_and_sends_the_same_bytes(commander_client, boroughs, path):
    operation = OperationFactory(borough=borough_for_point(places.EALING_BROADWAY))
    for point in (places.EALING_BROADWAY, places.LEICESTER_SQUARE, places.SHEPHERDS_BUSH_GREEN):
        SeizureFactory(operation=operation, point=point, borough=borough_for_point(point))
        ArrestFactory(operation=operation, point=point, borough=borough_for_point(point))
    with CaptureQueriesContext(connection) as queries:
        response = commander_client.get(path)
    assert response.status_code == 200
    assert not any('"areas_borough"."geom"' in q["sql"] for q in queries.captured_queries)
    # The same page from the boundary-reading queryset, through the same serializer and renderer.
    kind = BY_PLURAL[path.split("/")[3]]
    full = kind.model.objects.select_related("borough")  # boundaries and all
    rows = [full.get(pk=feature["id"]) for feature in response.json()["features"]]
    if kind.plural == "operations":
        rows = [kind.selector().get(pk=row.pk) for row in rows]  # with their totals
    serializer = SHAPES[kind.type].output_for(commander_client.user)
    features = b'"features":' + JSONRenderer().render(serializer(rows, many=True).data["features"])
    assert features in response.content, "the features' bytes differ from the serializer's"
    assert {f["properties"]["borough"] for f in response.json()["features"]} >= {"Ealing"}
