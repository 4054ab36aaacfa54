"""The one table of display names: every code the API sends has words, and the API serves them."""

import re

import pytest
from django.apps import apps

from ebikeops.core.display import DISPLAY_FIELDS, MODEL_CHOICES, display, display_for, display_names
from ebikeops.operations.models import ArrestDisposal, OffenceCategory, VehicleType
from tests.factories import ArrestFactory, SeizureFactory

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")


def test_every_model_choice_has_words_from_its_label():
    table = display_names()
    for group, model_label, field in MODEL_CHOICES:
        choices = apps.get_model(model_label)._meta.get_field(field).choices
        assert choices, f"{model_label}.{field} has no choices"
        for code, words in choices:
            assert table[group][code] == words
            assert not SNAKE.search(table[group][code]), f"{group}.{code} reads as a code: {words!r}"


def test_it_has_words_for_what_is_not_a_model_choice():
    assert display("gi_bin", 3) == "Hot spot, 99 % confidence"
    assert display("gi_bin", "-2") == "Cold spot, 95 % confidence"
    assert display("vehicle_type", "e_scooter") == "E-scooter"
    assert display("power", "rta_1988_s165a") == "Road Traffic Act 1988 s.165A"
    assert display("trend_category", "no_pattern") == "No pattern detected"
    assert display("hour_band", "18-21") == "18:00 to 21:00"
    assert display("weekday", 6) == "Saturday"
    for group in ("trend", "direction", "field", "gi_bin", "hour_band", "weekday"):
        for code, words in display_names()[group].items():
            assert not SNAKE.search(words), f"{group}.{code} reads as a code: {words!r}"


def test_it_serves_the_table_to_every_role_and_to_nobody_else(client, officer_client, analyst_client):
    assert client.get("/api/v1/display-names/").status_code in (401, 403)
    for api in (officer_client, analyst_client):
        response = api.get("/api/v1/display-names/")
        assert response.status_code == 200
        assert response.json() == display_names()


def test_display_for_words_each_coded_property_and_nulls_empty_codes():
    words = display_for(
        "arrest", {"offence_category": "wanted_on_warrant", "warrant_offence_category": "", "disposal": None}
    )
    assert words == {
        "offence_category": "Wanted on warrant",
        "warrant_offence_category": None,
        "disposal": None,
        "source": None,
    }
    assert display_for("hotspot", {"gi_bin": 2, "trend_category": "new_hot_spot", "busiest_hour_band": "18-21"}) == {
        "trend_category": "New hot spot",
        "gi_bin": "Hot spot, 95 % confidence",
        "busiest_hour_band": "18:00 to 21:00",
    }


def test_every_display_field_is_worded_by_a_group_of_the_table():
    table = display_names()
    for resource, fields in DISPLAY_FIELDS.items():
        for name, group in fields.items():
            assert group in table, f"{resource}.{name}: add group {group!r} to ebikeops.core.display"


def test_records_carry_their_codes_in_words_for_every_role(officer_client, analyst_client, officer):
    arrest = ArrestFactory(
        operation__lead_officer=officer,
        offence_category=OffenceCategory.WANTED_ON_WARRANT,
        warrant_offence_category=OffenceCategory.ROBBERY,
        disposal=ArrestDisposal.STREET_BAIL,
    )
    SeizureFactory(operation=arrest.operation, vehicle_type=VehicleType.E_SCOOTER)
    for api in (officer_client, analyst_client):
        seizure = api.get("/api/v1/seizures/").json()["features"][0]["properties"]
        assert seizure["display"] == {
            "vehicle_type": "E-scooter",
            "reason": "E-bike outside EAPC rules (over 250 W, assistance above 15.5 mph, or a throttle)",
            "power": "Police Reform Act 2002 s.59",
            "disposition": "Held",
            "source": "Logged in the field",
        }
        assert list(seizure)[-1] == "display"
        found = api.get(f"/api/v1/arrests/{arrest.pk}/").json()["properties"]["display"]
        assert found == {
            "offence_category": "Wanted on warrant",
            "warrant_offence_category": "Robbery",
            "disposal": "Released on street bail",
            "source": "Logged in the field",
        }
        operation = api.get("/api/v1/operations/").json()["features"][0]["properties"]["display"]
        assert operation == {"status": "Completed", "source": "Logged in the field"}
        layer = api.get("/api/v1/layers/seizures/").json()["features"][0]["properties"]["display"]
        assert layer == seizure["display"]
