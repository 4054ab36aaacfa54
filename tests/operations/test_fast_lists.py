"""The lists' Features built from `.values()` rows (ebikeops.operations.api.listing) are the
DRF serializer's Features: the same parsed JSON for every role, format, page and filter."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.gis.geos import MultiPoint, Point
from django.utils import timezone

from ebikeops.core.display import display_for
from ebikeops.core.pseudonyms import pseudonym
from ebikeops.operations.api import listing
from ebikeops.operations.api import serializers as s
from ebikeops.operations.models import RecordType, Seizure, VehicleType
from tests import places
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory

pytestmark = pytest.mark.django_db

# A summer time (BST, +01:00) and a winter time (GMT: DRF writes "Z"), with microseconds.
SUMMER = datetime(2026, 7, 3, 21, 15, 7, 123456, tzinfo=UTC)
WINTER = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
LISTS = (
    "/api/v1/operations/",
    "/api/v1/seizures/",
    "/api/v1/arrests/",
    "/api/v1/operations/?page_size=1&page=2",
    "/api/v1/operations/?ordering=-seizure_count&page_size=2",
    "/api/v1/seizures/?page_size=3&page=2&ordering=seized_at",
    "/api/v1/seizures/?vehicle_type=e_scooter",
    "/api/v1/seizures/?bbox=-0.40,51.45,-0.20,51.55",
    "/api/v1/arrests/?page_size=1&page=last",
)
FORMATS = ("", "format=json", "format=geojson", "HTTP_ACCEPT=application/json")


@pytest.fixture
def records(boroughs, officer):
    ealing = boroughs.get(name="Ealing")
    first = OperationFactory(
        borough=ealing,
        lead_officer=officer,
        started_at=SUMMER,
        ended_at=None,
        stop_points=MultiPoint(places.EALING_BROADWAY, Point(-0.3180617283945, 51.5101234567891, srid=4326)),
        officer_count=6,
        notes='Riders split at the lights; "Ealing" \u2028 café',
    )
    second = OperationFactory(borough=None, lead_officer=None, started_at=WINTER, reference="OP/2026/7")
    for index, vehicle_type in enumerate(VehicleType.values):
        SeizureFactory(
            operation=first,
            borough=ealing if index % 2 else None,
            vehicle_type=vehicle_type,
            accuracy_m=None if index == 1 else 3.25 + index,
            seized_at=SUMMER + timedelta(minutes=index, microseconds=index),
            point=Point(-0.30 - index / 1000, 51.5101234567891 + index / 10_000, srid=4326),
            make="Sur-Ron",
            colour="ünknown",
        )
    SeizureFactory(operation=second, seized_at=WINTER)
    ArrestFactory(operation=first, borough=ealing, disposal="street_bail")
    ArrestFactory(
        operation=second, arrested_at=WINTER, offence_category="wanted_on_warrant", warrant_offence_category="theft"
    )
    return first, second


def _served(client, url: str, fmt: str) -> tuple[str, object]:
    if fmt.startswith("HTTP_"):
        header, value = fmt.split("=")
        response = client.get(url, **{header: value})
    else:
        response = client.get(f"{url}{'&' if '?' in url else '?'}{fmt}" if fmt else url)
    assert response.status_code == 200, response.content
    return response["Content-Type"], json.loads(response.content)


@pytest.mark.parametrize("role", ["commander", "officer", "analyst"])
def test_it_serves_the_serializers_features_for_every_role_format_and_page(role, records, request, monkeypatch):
    client = request.getfixturevalue(f"{role}_client")
    first, _ = records
    urls = (*LISTS, f"/api/v1/operations/{first.pk}/seizures/", f"/api/v1/operations/{first.pk}/arrests/")
    fast = {(url, fmt): _served(client, url, fmt) for url in urls for fmt in FORMATS}
    monkeypatch.setattr(listing, "plan_for", lambda serializer_class: None)  # DRF's serializers
    for url in urls:
        for fmt in FORMATS:
            assert fast[(url, fmt)] == _served(client, url, fmt), f"{role} {url} {fmt}: differs from DRF's"
    features = fast[("/api/v1/operations/", "")][1]["features"]
    assert len(features) == 2 and features[0]["geometry"]["type"] == "Point", "the check must compare something"


def test_it_has_a_plan_for_every_roles_serializer():
    for record_type in RecordType.values:
        shapes = s.SHAPES[record_type]
        for serializer_class in (shapes.public, shapes.sensitive):
            assert listing.plan_for(serializer_class) is not None, (
                f"{serializer_class.__name__} is served by DRF field by field: give its new field a plan "
                "(ebikeops.operations.api.listing) or make it readable from a row"
            )


def test_it_shows_analysts_pseudonyms_not_usernames(records, analyst_client, commander_client):
    first, _ = records
    by_analyst = analyst_client.get("/api/v1/operations/?ordering=-started_at").json()["features"]
    by_commander = commander_client.get("/api/v1/operations/?ordering=-started_at").json()["features"]
    assert by_analyst[0]["properties"]["lead_officer"] == pseudonym(first.lead_officer_id)
    assert "notes" not in by_analyst[0]["properties"]
    assert by_commander[0]["properties"]["lead_officer"] == "officer-a"
    assert by_analyst[1]["properties"]["lead_officer"] is None
    seizure = analyst_client.get("/api/v1/seizures/?page_size=1").json()["features"][0]["properties"]
    assert "frame_number" not in seizure and "notes" not in seizure


def test_it_reads_uuids_as_postgresqls_text_and_words_each_features_codes(records):
    first, _ = records
    plan = listing.plan_for(s.SHAPES[RecordType.SEIZURE].sensitive)
    rows = plan.rows(Seizure.objects.filter(operation=first).order_by("seized_at"))
    page = list(rows[:3])
    # The ids come as PostgreSQL's text of them (no UUID parsed and written back per value).
    assert page[0][listing.TEXT + "id"] == str(Seizure.objects.filter(operation=first).earliest("seized_at").pk)
    features = plan.features(page)
    assert [feature["id"] for feature in features] == [row[listing.TEXT + "id"] for row in page]
    assert {feature["properties"]["operation"] for feature in features} == {str(first.pk)}
    assert all(type(feature["id"]) is str for feature in features)
    # Rows sharing codes share their words, but each Feature holds its own `display` object.
    assert features[0]["properties"]["display"] == display_for("seizure", page[0])
    same = [feature["properties"]["display"] for feature in features if feature["properties"]["source"]]
    assert len({id(words) for words in same}) == len(same) == 3


def test_it_counts_only_a_full_page(records, officer_client, django_assert_num_queries):
    # A page shorter than its size is the last: token + page + the audit event, no COUNT.
    with django_assert_num_queries(3) as short:
        collection = officer_client.get("/api/v1/seizures/?page_size=100").json()
    assert collection["count"] == len(collection["features"]) == len(VehicleType.values) + 1
    assert not any(query["sql"].startswith("SELECT COUNT(*)") for query in short.captured_queries)
    # A full page counts the filtered table alone: no join, no annotation.
    with django_assert_num_queries(4) as full:
        collection = officer_client.get("/api/v1/operations/?page_size=1").json()
    assert collection["count"] == 2 and collection["next"] is not None
    (count,) = [query["sql"] for query in full.captured_queries if query["sql"].startswith("SELECT COUNT(*)")]
    assert "JOIN" not in count and "SELECT U0" not in count, count


def test_it_answers_a_page_past_the_end_with_404(records, officer_client):
    response = officer_client.get("/api/v1/seizures/?page_size=5&page=3")
    assert response.status_code == 404
    assert officer_client.get("/api/v1/seizures/?page=0").status_code == 404
    assert officer_client.get("/api/v1/seizures/?page=two").status_code == 404
    # Far past any table: the offset would not fit PostgreSQL's bigint (found by schemathesis).
    for path in ("seizures", "arrests", "operations"):
        huge = officer_client.get(f"/api/v1/{path}/?page=438357634778915969488125952")
        assert huge.status_code == 404, path
        assert huge["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "value",
    [
        SUMMER,
        WINTER,
        datetime(1800, 1, 1, tzinfo=UTC),  # London's local mean time (-00:01:15): written in UTC
        datetime(1847, 12, 1, 0, 1, 15, tzinfo=UTC),  # the first instant of GMT in London
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # the first instant of BST in 2026
    ],
)
def test_a_page_writes_each_timestamp_as_the_serializers_field_does(value):
    field = s.SeizureFeature().fields["seized_at"]
    plan = listing.plan_for(s.SeizureFeature)
    (column,) = (
        column.for_zone(timezone.get_current_timezone()) for column in plan.properties if column.name == "seized_at"
    )
    assert column.convert(value) == field.to_representation(value)


def test_a_list_asked_again_has_its_filters_values_and_the_rows_as_they_are_now(records, officer_client):
    # The page's SQL is compiled once per filters asked for (ebikeops.core.statements).
    first, _ = records
    bikes = officer_client.get("/api/v1/seizures/?vehicle_type=e_bike").json()
    scooters = officer_client.get("/api/v1/seizures/?vehicle_type=e_scooter").json()
    assert {feature["properties"]["vehicle_type"] for feature in bikes["features"]} == {"e_bike"}
    assert {feature["properties"]["vehicle_type"] for feature in scooters["features"]} == {"e_scooter"}
    SeizureFactory(operation=first, vehicle_type="e_bike", seized_at=SUMMER)
    again = officer_client.get("/api/v1/seizures/?vehicle_type=e_bike").json()
    assert len(again["features"]) == again["count"] == bikes["count"] + 1


TIMES = [
    SUMMER,
    WINTER,
    datetime(1800, 1, 1, tzinfo=UTC),
    datetime(1847, 12, 1, 0, 1, 14, 999999, tzinfo=UTC),  # the last instant of local mean time
    datetime(1847, 12, 1, 0, 1, 15, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 59, 59, 1, tzinfo=UTC),  # the last second of BST
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 10, tzinfo=UTC),
    datetime(801, 2, 3, 4, 5, 6, tzinfo=UTC),
]


@pytest.mark.parametrize(
    "zone", ["Europe/London", "UTC", "America/St_Johns", "Asia/Kathmandu", "America/Los_Angeles", "Pacific/Chatham"]
)
def test_postgresql_writes_each_timestamp_as_the_serializers_field_does(zone, boroughs):
    operation = OperationFactory(started_at=SUMMER)
    ids = [SeizureFactory(operation=operation, seized_at=value).pk for value in TIMES]
    field = s.SeizureFeature().fields["seized_at"]
    with timezone.override(zone):
        written = dict(Seizure.objects.filter(pk__in=ids).values_list("pk", listing.LocalIsoTime("seized_at", zone)))
        for pk, value in zip(ids, TIMES, strict=True):
            assert written[pk] == field.to_representation(value), (zone, value)
    assert written[ids[0]] != written[ids[1]], "the check must compare something"


def test_a_page_is_written_by_python_in_a_zone_postgresql_is_not_told(records, officer_client):
    # A fixed offset has no IANA name: the plan writes its times in Python, as before.
    fixed = timezone.get_fixed_timezone(-150)
    with timezone.override(fixed):
        assert listing.sql_zone() is None
        served = officer_client.get("/api/v1/seizures/?ordering=seized_at").json()["features"]
    assert served[0]["properties"]["seized_at"].endswith("-02:30"), served[0]["properties"]["seized_at"]
