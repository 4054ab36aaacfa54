"""The one table of display names: the words a person reads for every code the API sends.

Codes (`e_scooter`, `rta_1988_s165a`, `intensifying_hot_spot`, Gi* bin `3`) are for programs;
every page and every `display` field shows the words from here instead. The model choices
come from the models' own TextChoices labels, read through the app registry (by label, so
that `core` imports no higher app); the words that are not model choices (Gi* confidence,
trend in plain words, weekdays, three-hour bands) are written out below.

`display_names()` returns the whole table as plain data (it is what
`GET /api/v1/display-names/` serves); `display(group, code)` looks one code up;
`display_for(resource, row)` builds the `display` object of one API representation (the one
place that does: the serializers, and any fast path that renders plain dicts, call it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache

from django.apps import apps

# (group, "app_label.Model", field): a group is named after the API field that carries the code.
MODEL_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("role", "core.User", "role"),
    ("operation_status", "operations.Operation", "status"),
    ("vehicle_type", "operations.Seizure", "vehicle_type"),
    ("reason", "operations.Seizure", "reason"),
    ("power", "operations.Seizure", "power"),
    ("disposition", "operations.Seizure", "disposition"),
    ("offence_category", "operations.Arrest", "offence_category"),
    ("disposal", "operations.Arrest", "disposal"),
    ("custody_step", "operations.CustodyEvent", "step"),
    ("trend_category", "hotspots.Hotspot", "trend_category"),
    ("run_status", "hotspots.HotspotRun", "status"),
    ("suggestion_kind", "planning.Suggestion", "kind"),
    ("run_kind", "planning.SuggestionRun", "kind"),
    ("import_kind", "imports.ImportJob", "kind"),
    ("import_status", "imports.ImportJob", "status"),
)
# Source is declared on the abstract TrackedModel: read it from a concrete model.
SOURCE_FIELD = ("operations.Seizure", "source")

# Getis-Ord Gi* bins: how sure the statistic is that a place is hotter (or colder) than chance.
GI_CONFIDENCE: dict[str, str] = {
    "3": "Hot spot, 99 % confidence",
    "2": "Hot spot, 95 % confidence",
    "1": "Hot spot, 90 % confidence",
    "0": "Not significant",
    "-1": "Cold spot, 90 % confidence",
    "-2": "Cold spot, 95 % confidence",
    "-3": "Cold spot, 99 % confidence",
}

# The emerging-hotspot trend in one phrase a commander can say aloud, grouped by direction.
TREND_WORDS: dict[str, str] = {
    "new": "newly hot",
    "consecutive": "hot for the latest months in a row",
    "intensifying": "getting hotter",
    "persistent": "steadily hot",
    "diminishing": "cooling down",
    "sporadic": "hot on and off",
    "oscillating": "swinging between hot and cold",
    "historical": "was hot, not lately",
    "cold": "colder than the rest of London",
    "no_pattern": "no trend over time",
}
# Which way each trend points: the map draws heating trends with a solid outline, cooling or
# irregular ones dashed, and no pattern thin.
TREND_DIRECTION: dict[str, str] = {
    "new": "heating",
    "consecutive": "heating",
    "intensifying": "heating",
    "persistent": "heating",
    "diminishing": "cooling",
    "sporadic": "irregular",
    "oscillating": "irregular",
    "historical": "cooling",
    "cold": "cooling",
    "no_pattern": "none",
}
DIRECTION_WORDS: dict[str, str] = {
    "heating": "Heating up or steadily hot",
    "cooling": "Cooling down",
    "irregular": "Hot on and off",
    "none": "No trend over time",
}

WEEKDAYS: dict[str, str] = {
    "1": "Monday",
    "2": "Tuesday",
    "3": "Wednesday",
    "4": "Thursday",
    "5": "Friday",
    "6": "Saturday",
    "7": "Sunday",
}
HOUR_BANDS: dict[str, str] = {f"{h:02d}-{h + 3:02d}": f"{h:02d}:00 to {h + 3:02d}:00" for h in range(0, 24, 3)}

# Property names as column headings (the details panel's left column). The sensitive fields'
# names (notes, frame numbers) are left out: the table goes to every role, and an analyst's
# page should not even learn those fields exist (the page words them itself when it gets them).
FIELDS: dict[str, str] = {
    "reference": "Reference",
    "team": "Team",
    "status": "Status",
    "started_at": "Started",
    "ended_at": "Ended",
    "borough": "Borough",
    "seizure_count": "Seizures",
    "arrest_count": "Arrests",
    "officer_count": "Officers",
    "e_bike_count": "E-bikes",
    "e_scooter_count": "E-scooters",
    "e_motorcycle_count": "Converted bicycles or e-motorcycles",
    "other_count": "Other vehicles",
    "seized_at": "Seized",
    "vehicle_type": "Vehicle",
    "reason": "Reason",
    "power": "Power used",
    "make": "Make",
    "model": "Model",
    "colour": "Colour",
    "disposition": "What happened to it",
    "rank": "Rank",
    "share": "Share of all seizures",
    "area_m2": "Area",
    "density_per_km2": "Seizures per km²",
    "first_seizure_at": "First seizure",
    "last_seizure_at": "Latest seizure",
    "busiest_weekday": "Busiest day",
    "busiest_hour_band": "Busiest hours",
    "vehicle_mix": "Vehicles",
    "gi_bin": "Gi* confidence",
    "trend_category": "Trend",
    "category": "Trend",
    "count": "Seizures in the cell",
    "z": "Gi* z-score",
    "p": "p-value",
    "p_fdr": "p-value after the false discovery correction",
    "kind": "Kind",
    "corridor_name": "Road",
    "demand_per_km": "Seizures per km of road (weighted)",
    "counts": "Evidence",
    "time_fit": "How well the time fits",
    "cooldown": "Last operation here",
    "score": "Score",
    "seizures": "Seizures",
    "arrests": "Arrests",
}


def _model_choices(model_label: str, field: str) -> dict[str, str]:
    model = apps.get_model(model_label)
    return {str(value): str(label) for value, label in model._meta.get_field(field).choices}


@cache
def display_names() -> dict[str, dict[str, str]]:
    """Every group of codes with its words: {group: {code: words}}. Built once per process
    (choices do not change at run time)."""
    table: dict[str, dict[str, str]] = {}
    for group, model_label, field in MODEL_CHOICES:
        table[group] = _model_choices(model_label, field)
    table["source"] = _model_choices(*SOURCE_FIELD)
    table["gi_bin"] = dict(GI_CONFIDENCE)
    table["trend"] = dict(TREND_WORDS)
    table["trend_direction"] = dict(TREND_DIRECTION)
    table["direction"] = dict(DIRECTION_WORDS)
    table["weekday"] = dict(WEEKDAYS)
    table["hour_band"] = dict(HOUR_BANDS)
    table["field"] = dict(FIELDS)
    return table


@cache
def display_names_json() -> str:
    """The table as JSON text, for SQL that words codes itself (reporting's layers and
    exports pass it as a jsonb parameter)."""
    return json.dumps(display_names(), ensure_ascii=False)


def display(group: str, code: object) -> str:
    """The words for `code` in `group`; the code itself only if the table has no entry (a
    test asserts every choice has one)."""
    if code is None:
        return ""
    return display_names().get(group, {}).get(str(code), str(code))


def trend_key(category: str | None) -> str:
    """`intensifying_hot_spot` -> `intensifying`; every cold category -> `cold`."""
    if not category:
        return "no_pattern"
    if "cold" in category:
        return "cold"
    return category.removesuffix("_hot_spot")


# The `display` object of each resource: {property carrying a code: group of the table that
# words it}, in the order the object lists them. Incidents have none: police.uk publishes
# crime types and outcomes in words already.
DISPLAY_FIELDS: dict[str, dict[str, str]] = {
    "operation": {"status": "operation_status", "source": "source"},
    "seizure": {
        "vehicle_type": "vehicle_type",
        "reason": "reason",
        "power": "power",
        "disposition": "disposition",
        "source": "source",
    },
    "arrest": {
        "offence_category": "offence_category",
        "warrant_offence_category": "offence_category",
        "disposal": "disposal",
        "source": "source",
    },
    "hotspot": {"trend_category": "trend_category", "gi_bin": "gi_bin", "busiest_hour_band": "hour_band"},
    "gistar_cell": {"category": "trend_category", "gi_bin": "gi_bin"},
    "suggestion": {"kind": "suggestion_kind"},
    "held_back": {"kind": "suggestion_kind"},
    "suggestion_run": {"kind": "run_kind"},
    "custody_step": {"step": "custody_step"},
    "custody_timeline": {"disposition": "disposition"},
    "import_job": {"kind": "import_kind", "status": "import_status"},
}


def display_for(resource: str, row: Mapping[str, object]) -> dict[str, str | None]:
    """The `display` object of one representation of `resource` (a key of DISPLAY_FIELDS):
    {property: words} for each coded property, from the plain values in `row` (codes as the
    API sends them; a missing, null or empty code gives null). Pure: no query, no model."""
    table = display_names()
    words: dict[str, str | None] = {}
    for name, group in DISPLAY_FIELDS[resource].items():
        code = row.get(name)
        if code is None or code == "":
            words[name] = None
        else:
            words[name] = table[group].get(str(code), str(code))
    return words


def display_of(resource: str, instance: object) -> dict[str, str | None]:
    """`display_for` over a model instance's (or any object's) attributes."""
    return display_for(resource, {name: getattr(instance, name, None) for name in DISPLAY_FIELDS[resource]})


def display_schema(resource: str) -> dict:
    """The OpenAPI schema of `resource`'s `display` object."""
    return {
        "type": "object",
        "description": "the coded properties in words (GET /api/v1/display-names/); null where the code is",
        "properties": {name: {"type": "string", "nullable": True} for name in DISPLAY_FIELDS[resource]},
        "required": list(DISPLAY_FIELDS[resource]),
    }
