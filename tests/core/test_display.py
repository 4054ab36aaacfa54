"""The one table of display names: every code the API sends has words, and the API serves them."""

import re

import pytest
from django.apps import apps

from ebikeops.core.display import MODEL_CHOICES, display, display_names

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
