"""GET /api/v1/summaries/: grouped counts against the hand-counted layout (conftest.py),
CSV, conditional GET, query budget, roles and bad input."""

import csv
import io
from datetime import UTC, datetime

import pytest

from ebikeops.reporting import selectors

from .conftest import EALING, HAMMERSMITH, WESTMINSTER

pytestmark = pytest.mark.django_db

URL = "/api/v1/summaries/"
END_OF_2025 = "until=2025-12-31T23:59:59Z"


def zeros(values) -> dict[str, int]:
    return dict.fromkeys(values, 0)


def seizures(total=0, vehicle_type=None, reason=None, disposition=None) -> dict:
    from ebikeops.operations.models import Disposition, SeizureReason, VehicleType

    return {
        "total": total,
        "by_vehicle_type": {**zeros(VehicleType.values), **(vehicle_type or {})},
        "by_reason": {**zeros(SeizureReason.values), **(reason or {})},
        "by_disposition": {**zeros(Disposition.values), **(disposition or {})},
    }


def arrests(total=0, offence_category=None) -> dict:
    from ebikeops.operations.models import OffenceCategory

    return {"total": total, "by_offence_category": {**zeros(OffenceCategory.values), **(offence_category or {})}}


def borough(code: str, name: str) -> dict:
    return {"gss_code": code, "name": name}


def get(client, query: str, **headers):
    response = client.get(f"{URL}?{query}", **headers)
    assert response.status_code == 200, response.content
    return response


def test_it_counts_by_borough_and_month_against_hand_counts(analyst_client, layout):
    body = get(analyst_client, f"group_by=borough,month&{END_OF_2025}").json()
    assert body["group_by"] == ["borough", "month"]
    assert body["timezone"] == "Europe/London"
    assert body["groups"] == [
        {
            "borough": borough(EALING, "Ealing"),
            "month": "2024-10",
            "operations": 1,
            "seizures": seizures(1, {"e_bike": 1}, {"no_insurance_or_licence": 1}, {"destroyed": 1}),
            "arrests": arrests(),
        },
        {
            "borough": borough(EALING, "Ealing"),
            "month": "2025-11",
            "operations": 1,
            "seizures": seizures(
                3,
                {"e_bike": 2, "e_scooter": 1},
                {"non_compliant_eapc": 2, "private_e_scooter": 1},
                {"held": 2, "destroyed": 1},
            ),
            "arrests": arrests(1, {"theft": 1}),
        },
        {  # the operation began at 22:30 BST on 30 June ...
            "borough": borough(HAMMERSMITH, "Hammersmith and Fulham"),
            "month": "2025-06",
            "operations": 1,
            "seizures": seizures(),
            "arrests": arrests(),
        },
        {  # ... its seizure at 00:30 BST on 1 July (still June in UTC)
            "borough": borough(HAMMERSMITH, "Hammersmith and Fulham"),
            "month": "2025-07",
            "operations": 0,
            "seizures": seizures(1, {"e_scooter": 1}, {"private_e_scooter": 1}, {"returned": 1}),
            "arrests": arrests(),
        },
        {
            "borough": borough(WESTMINSTER, "Westminster"),
            "month": "2025-12",
            "operations": 1,
            "seizures": seizures(
                2,
                {"e_bike": 1, "e_motorcycle": 1},
                {"non_compliant_eapc": 1, "suspected_stolen": 1},
                {"held": 1, "retained_evidence": 1},
            ),
            "arrests": arrests(2, {"robbery": 1, "wanted_on_warrant": 1}),
        },
    ]
    assert body["totals"]["operations"] == 4
    assert body["totals"]["seizures"] == seizures(
        7,
        {"e_bike": 4, "e_scooter": 2, "e_motorcycle": 1},
        {"non_compliant_eapc": 3, "private_e_scooter": 2, "suspected_stolen": 1, "no_insurance_or_licence": 1},
        {"held": 3, "destroyed": 2, "returned": 1, "retained_evidence": 1},
    )
    assert body["totals"]["arrests"] == arrests(3, {"theft": 1, "robbery": 1, "wanted_on_warrant": 1})


def test_it_gives_a_rolling_12_month_figure_that_reaches_outside_the_range(analyst_client, layout):
    body = get(analyst_client, f"since=2025-11-01T00:00:00Z&{END_OF_2025}").json()
    assert (body["totals"]["operations"], body["totals"]["seizures"]["total"], body["totals"]["arrests"]["total"]) == (
        2,
        5,
        3,
    )
    rolling = body["rolling_12_months"]
    assert rolling["since"] == "2024-12-31T23:59:59Z"
    assert rolling["until"] == "2025-12-31T23:59:59Z"
    # the summer operation and its seizure count; last autumn's do not
    assert (rolling["operations"], rolling["seizures"]["total"], rolling["arrests"]["total"]) == (3, 6, 3)
    assert rolling["seizures"]["by_vehicle_type"]["e_scooter"] == 2


def test_its_rolling_window_ends_with_today_when_the_range_has_no_end():
    london_evening = datetime(2025, 11, 29, 23, 30, tzinfo=UTC)  # already 29th in London (GMT)
    window = selectors.summary_window(since=None, until=None, now=london_evening)
    assert window.rolling_until.isoformat() == "2025-11-30T00:00:00+00:00"
    assert window.rolling_since.isoformat() == "2024-11-30T00:00:00+00:00"
    leap = selectors.summary_window(since=None, until=datetime(2028, 2, 29, 12, 0, tzinfo=UTC), now=london_evening)
    assert leap.rolling_since.date().isoformat() == "2027-02-28"


def test_it_groups_by_iso_week_and_by_local_weekday_and_hour(analyst_client, layout):
    weeks = get(analyst_client, "group_by=week").json()["groups"]
    assert [(g["week"], g["operations"], g["seizures"]["total"], g["arrests"]["total"]) for g in weeks] == [
        ("2024-W40", 1, 1, 0),
        ("2025-W27", 1, 1, 0),  # Monday 30 June and Tuesday 1 July
        ("2025-W48", 1, 3, 1),
        ("2025-W49", 1, 2, 2),
    ]
    cells = get(analyst_client, "group_by=weekday,hour").json()["groups"]
    assert [
        (g["weekday"], g["hour"], g["operations"], g["seizures"]["total"], g["arrests"]["total"]) for g in cells
    ] == [
        (1, 22, 1, 0, 0),  # summer operation, 22:30 BST Monday
        (2, 0, 0, 1, 0),  # its seizure, 00:30 BST Tuesday
        (2, 13, 1, 1, 0),  # last autumn, 13:00 BST (12:00 UTC)
        (5, 18, 1, 1, 0),
        (5, 19, 0, 1, 2),
        (6, 13, 1, 3, 1),
    ]


def test_it_groups_by_team_and_vehicle_type_with_operations_and_arrests_under_no_vehicle_type(analyst_client, layout):
    groups = get(analyst_client, "group_by=team,vehicle_type").json()["groups"]
    assert [
        (g["team"], g["vehicle_type"], g["operations"], g["seizures"]["total"], g["arrests"]["total"]) for g in groups
    ] == [
        ("Ealing Town Centre Team", "e_bike", 0, 3, 0),
        ("Ealing Town Centre Team", "e_scooter", 0, 2, 0),
        ("Ealing Town Centre Team", None, 3, 0, 1),
        ("West End Neighbourhood Team", "e_bike", 0, 1, 0),
        ("West End Neighbourhood Team", "e_motorcycle", 0, 1, 0),
        ("West End Neighbourhood Team", None, 1, 0, 2),
    ]


def test_without_group_by_it_answers_one_group_equal_to_the_totals(analyst_client, layout):
    body = get(analyst_client, END_OF_2025).json()
    assert body["group_by"] == []
    assert body["groups"] == [body["totals"]]


def test_it_answers_zeros_when_nothing_matches(analyst_client, layout):
    body = get(analyst_client, "group_by=borough&since=2030-01-01T00:00:00Z").json()
    assert body["groups"] == []
    assert body["totals"] == {"operations": 0, "seizures": seizures(), "arrests": arrests()}


@pytest.mark.parametrize(
    "query",
    [
        "vehicle_type=e_scooter",
        "team=west end neighbourhood team",
        "borough=Ealing",
        f"borough={WESTMINSTER}&since=2025-12-05T19:00:00Z",
        "bbox=-0.325,51.510,-0.295,51.516",
        "lon=-0.3020&lat=51.5130&radius_m=1300",
        "status=active&source=field",
        "offence_category=robbery&reason=suspected_stolen",
    ],
)
def test_each_figure_equals_the_count_of_the_list_endpoint(analyst_client, layout, query):
    totals = get(analyst_client, f"{query}&group_by=borough").json()["totals"]
    for path, figure in (
        ("operations", totals["operations"]),
        ("seizures", totals["seizures"]["total"]),
        ("arrests", totals["arrests"]["total"]),
    ):
        listed = analyst_client.get(f"/api/v1/{path}/?{query}&page_size=1")
        assert listed.status_code == 200, listed.content
        assert figure == listed.json()["count"], f"{path} for {query}"


def test_a_seizure_only_filter_leaves_operations_and_arrests_unfiltered(analyst_client, layout):
    totals = get(analyst_client, "vehicle_type=e_scooter").json()["totals"]
    assert (totals["operations"], totals["seizures"]["total"], totals["arrests"]["total"]) == (4, 2, 3)


def test_it_runs_one_query_for_the_summary(analyst_client, layout, django_assert_num_queries):
    with django_assert_num_queries(4) as captured:  # token, data version, the summary, the audit event
        get(analyst_client, "group_by=borough,month,vehicle_type&vehicle_type=e_bike&bbox=-0.5,51.3,0.3,51.7")
    touching = [q["sql"] for q in captured.captured_queries if "operations_seizure" in q["sql"]]
    assert len(touching) == 1
    assert "GROUPING SETS" in touching[0]


# --- CSV ------------------------------------------------------------------------------------------


def parse_csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("how", ["format", "accept"])
def test_it_answers_csv_with_a_header_for_format_or_accept(analyst_client, layout, how):
    query = f"group_by=borough,month&{END_OF_2025}"
    if how == "format":
        response = get(analyst_client, f"{query}&format=csv")
    else:
        response = get(analyst_client, query, HTTP_ACCEPT="text/csv")
    rows = parse_csv(response)
    assert list(rows[0])[:5] == ["row", "borough_code", "borough_name", "month", "since"]
    assert [(r["row"], r["borough_name"], r["month"], r["seizures"]) for r in rows] == [
        ("group", "Ealing", "2024-10", "1"),
        ("group", "Ealing", "2025-11", "3"),
        ("group", "Hammersmith and Fulham", "2025-06", "0"),
        ("group", "Hammersmith and Fulham", "2025-07", "1"),
        ("group", "Westminster", "2025-12", "2"),
        ("total", "", "", "7"),
        ("rolling_12_months", "", "", "6"),
    ]
    westminster = rows[4]
    assert westminster["borough_code"] == WESTMINSTER
    assert westminster["seizures_vehicle_type_e_motorcycle"] == "1"
    assert westminster["arrests_offence_category_wanted_on_warrant"] == "1"
    assert rows[-1]["since"] == "2024-12-31T23:59:59+00:00"


def test_json_and_csv_have_different_etags(analyst_client, layout):
    as_json = get(analyst_client, "group_by=month")
    as_csv = get(analyst_client, "group_by=month", HTTP_ACCEPT="text/csv")
    assert as_json["ETag"] != as_csv["ETag"]
    again = analyst_client.get(f"{URL}?group_by=month", HTTP_ACCEPT="text/csv", HTTP_IF_NONE_MATCH=as_json["ETag"])
    assert again.status_code == 200


# --- Conditional GET ---------------------------------------------------------------------------------


def test_it_answers_304_to_a_matching_etag_without_running_the_summary(
    analyst_client, layout, django_assert_num_queries
):
    first = get(analyst_client, "group_by=borough")
    assert first["Cache-Control"] == "private, no-cache"
    assert "Accept" in first["Vary"]
    with django_assert_num_queries(3):  # token, data version, the audit event
        again = analyst_client.get(f"{URL}?group_by=borough", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""


def test_it_answers_304_to_if_modified_since(analyst_client, layout):
    first = get(analyst_client, "group_by=borough")
    again = analyst_client.get(f"{URL}?group_by=borough", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_another_query_has_another_etag(analyst_client, layout):
    assert get(analyst_client, "group_by=borough")["ETag"] != get(analyst_client, "group_by=month")["ETag"]


# --- Roles and bad input -------------------------------------------------------------------------------


def test_it_refuses_anonymous_callers(anon_client, layout):
    response = anon_client.get(f"{URL}?group_by=borough")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("client_name", ["officer_client", "commander_client", "analyst_client"])
def test_every_role_may_read_it(request, layout, client_name):
    get(request.getfixturevalue(client_name), "group_by=borough")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("group_by=borough,district", "group_by"),
        ("group_by=month,month", "group_by"),
        ("format=xml", "format"),
        ("since=yesterday", "since"),
        ("since=2025-12-01T00:00:00Z&until=2025-11-01T00:00:00Z", "until"),
        ("vehicle_type=hoverboard", "vehicle_type"),
        ("offence_category=littering", "offence_category"),
        ("bbox=1,2,3", "bbox"),
        ("lon=-0.3&lat=51.5", "radius_m"),
    ],
)
def test_it_names_the_bad_parameter(analyst_client, layout, query, field):
    response = analyst_client.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_a_csv_request_gets_its_error_as_json(analyst_client, layout):
    response = analyst_client.get(f"{URL}?group_by=nope&format=csv")
    assert response.status_code == 400
    assert response.json()["errors"]["group_by"]
