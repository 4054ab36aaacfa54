"""Reads that do not scan every operation's seizures for every page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

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
    count_sql = next(q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"])
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
