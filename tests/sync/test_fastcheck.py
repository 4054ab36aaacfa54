"""The quick check of sync items (ebikeops.sync.fastcheck) against the serializers it stands
in for: over a corpus of good and bad values for every field of every sync input (the item
envelope and each type's create and update input), parsing an item with it gives exactly
what the serializers alone give: the same verdict, the same validated values, the same
messages. And it does take the quick path for plainly good items (else it saves nothing)."""

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry
from rest_framework import fields as drf

from ebikeops.core.geofields import AwareDateTimeField, GeoJSONMultiPointField, GeoJSONPointField
from ebikeops.sync.fastcheck import QuickCheck
from ebikeops.sync.serializers import SyncItemInput
from ebikeops.sync.services import ItemResult, SyncItem
from ebikeops.sync.views import ItemParser, parse_item
from tests.sync import items

pytestmark = pytest.mark.django_db

OPERATION_ID = str(uuid.uuid4())
GOOD = {
    "operation": items.operation()["data"],
    "seizure": items.seizure(OPERATION_ID, 1, make="Ribble", notes="left by the bus stop")["data"],
    "arrest": items.arrest(OPERATION_ID)["data"],
}
ENVELOPE = items.seizure(OPERATION_ID)

# Values any field may be sent: wrong types, empties, hostile strings.
ANYTHING = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.5,
    10**30,
    "",
    "   ",
    "x",
    "é",
    "a\x00b",
    "\ud800",
    "x" * 6000,
    [],
    [1, 2],
    {},
    {"type": "Point"},
]
DATETIMES = [
    "2025-11-29T12:00:00Z",
    "2025-11-29T12:00:00+00:00",
    "2025-11-29T13:00:00+01:00",
    "2025-06-29T12:00:00.123456-04:30",
    "2025-11-29T12:00Z",
    "2025-11-29 12:00:00+00:00",
    "2025-11-29T12:00:00",  # naive
    "2025-11-29",
    "20251129T120000Z",
    "2025-02-30T12:00:00Z",
    "2025-11-29T12:00:00+25:00",
    "2025-11-29T12:00:00Z\x00",
    " 2025-11-29T12:00:00Z",
    "yesterday",
]
UUIDS = [
    str(uuid.UUID(int=7)),
    str(uuid.UUID(int=7)).upper(),
    "{" + str(uuid.UUID(int=7)) + "}",
    "urn:uuid:" + str(uuid.UUID(int=7)),
    uuid.UUID(int=7).hex,
    str(uuid.UUID(int=7))[:-1],
    str(uuid.UUID(int=7)) + "\x00",
]
NUMBERS = [0, 0.0, -0.0, 1, 5, 5.0, 49.9, 50, 50.5, 250, 499, 500, 501, -1, -0.5, 1e308, "5", "5.0", " 5 ", "1e3"]
POINTS = [
    {"type": "Point", "coordinates": [-0.3020, 51.5130]},
    {"type": "Point", "coordinates": [-0.3020, 51.5130, 12.0]},
    {"type": "Point", "coordinates": [51.5130, -0.3020]},
    {"type": "Point", "coordinates": [-0.3020]},
    {"type": "Point", "coordinates": ["-0.3020", "51.5130"]},
    {"type": "Point", "coordinates": [True, 51.5]},
    {"type": "Point", "coordinates": [-200, 51.5]},
    {"type": "Point", "coordinates": [-0.3, 91]},
    {"type": "MultiPoint", "coordinates": [[-0.3, 51.5]]},
    {"type": "Point"},
    {"type": "Point", "coordinates": [-0.3, 51.5], "extra": 1},
]


def values_for(field: drf.Field) -> list[Any]:
    """Good and bad values for `field`: its own rule's edges, then ANYTHING."""
    own: list[Any] = []
    if isinstance(field, drf.ChoiceField):
        choices = [str(choice) for choice in field.choice_strings_to_values]
        own = [*choices, choices[0].upper(), f" {choices[0]}", f"{choices[0]} ", "not_a_choice"]
    elif isinstance(field, drf.CharField):
        high = field.max_length or 50
        own = ["Ribble", "  padded  ", "x" * high, "x" * (high + 1), " " + "x" * high + " ", "Ærø", "tab\tin"]
    elif isinstance(field, drf.UUIDField):
        own = UUIDS
    elif isinstance(field, AwareDateTimeField):
        own = DATETIMES
    elif isinstance(field, drf.FloatField | drf.IntegerField):
        own = NUMBERS
    elif isinstance(field, GeoJSONPointField):
        own = POINTS
    elif isinstance(field, GeoJSONMultiPointField):
        own = [{"type": "MultiPoint", "coordinates": [[-0.30, 51.51], [-0.31, 51.51]]}, {"type": "MultiPoint"}]
    elif isinstance(field, drf.DictField):
        own = [{"name": "x"}, {"a": None}]
    return [*own, *ANYTHING]


def comparable(value: Any) -> Any:
    """A value with its exact identity spelled out: geometries with their SRID and text,
    datetimes with their zone (== alone ignores it), containers all the way down."""
    if isinstance(value, GEOSGeometry):
        return ("geometry", value.srid, value.ewkt)
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), str(value.tzinfo))
    if isinstance(value, date):
        return ("date", value.isoformat())
    if isinstance(value, dict):
        return {key: comparable(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [comparable(inner) for inner in value]
    if isinstance(value, SyncItem | ItemResult):
        return comparable(vars(value))
    return (type(value).__name__, value)


def serializers_under_test(parser: ItemParser | None = None):
    parser = parser or ItemParser()
    yield "envelope", parser.envelope, ENVELOPE
    for record_type, good in GOOD.items():
        yield f"{record_type} create", parser.input_for(record_type, "create"), good
        update = {key: value for key, value in good.items() if key != "operation"}
        yield f"{record_type} update", parser.input_for(record_type, "update"), update


def cases(parser: ItemParser):
    """(name, serializer, data): the good data, each field dropped, each field given each
    of its values, an unknown field, a Feature, and not an object at all; with `parser`'s
    serializers."""
    for label, serializer, good in serializers_under_test(parser):
        yield label, serializer, good
        yield f"{label}, unknown field", serializer, {**good, "colour_of_rider": "red"}
        for bad in (None, [], "x", 3):
            yield f"{label}, not an object", serializer, bad
        for name, field in serializer.fields.items():
            if field.read_only:
                continue
            yield f"{label}, without {name}", serializer, {k: v for k, v in good.items() if k != name}
            for value in values_for(field):
                yield f"{label}, {name}={value!r:.40}", serializer, {**good, name: value}
    seizure = GOOD["seizure"]
    feature = {"type": "Feature", "geometry": seizure["point"], "properties": {k: v for k, v in seizure.items()}}
    yield "seizure create as a Feature", parser.input_for("seizure", "create"), feature


def verdict(parser: ItemParser, serializer, data) -> Any:
    validated, problems = parser.check(serializer, data, "data")
    return ("valid", comparable(validated)) if problems is None else ("rejected", problems)


def test_it_answers_every_case_as_the_serializers_do(officer):
    quick_parser, slow_parser = ItemParser(), ItemParser(quick=False)
    quick_taken = valid = checked = 0
    for (label, slow, data), (_, serializer, _) in zip(cases(slow_parser), cases(quick_parser), strict=True):
        expected = verdict(slow_parser, slow, data)
        quick = QuickCheck(serializer).check(data)
        if quick is not None:
            quick_taken += 1
            assert expected[0] != "rejected", f"{label}: the quick check accepted what the serializer refuses"
        assert verdict(quick_parser, serializer, data) == expected, label
        checked += 1
        valid += expected[0] == "valid"
    print(f"{checked} cases, {valid} valid, {quick_taken} through the quick check")
    assert checked > 2000
    # What it leaves to the serializers among valid values (~22 % of this corpus, and none of
    # what the officer client sends): numbers sent as strings or strings as numbers, UUIDs as
    # integers, booleans as numbers, a Feature instead of a flat object.
    assert quick_taken > valid * 0.75, "the quick check should take plainly good values"


LABELS = ["envelope"] + [f"{record_type} {op}" for record_type in GOOD for op in ("create", "update")]


@pytest.mark.parametrize("label", LABELS)
def test_it_takes_the_quick_path_for_a_plainly_good_item(label):
    serializer, good = next((s, g) for name, s, g in serializers_under_test() if name == label)
    quick = QuickCheck(serializer)
    assert quick.usable, f"{label}: every field of the sync inputs should have a quick check"
    assert comparable(quick.check(good)) == comparable(serializer.run_validation(good))


def item_corpus(operation_id: str) -> list[Any]:
    """Whole items: good ones of every op and type, and envelopes broken every way."""
    good = [
        items.operation(),
        items.seizure(operation_id, 0),
        items.seizure(operation_id, 4, make="Ribble", frame_number=" WX123 "),
        items.arrest(operation_id),
        items.update("seizure", items.new_id(), 2, notes="moved to the yard"),
        items.update("operation", items.new_id(), 1, status="closed"),
        items.delete("arrest", items.new_id()),
        items.delete("seizure", items.new_id(), base_version=3),
    ]
    broken = []
    base = items.seizure(operation_id, 2)
    for name in base:
        broken.append({k: v for k, v in base.items() if k != name})
        for value in values_for(SyncItemInput().fields[name]):
            broken.append({**base, name: value})
    broken += [
        {**base, "base_version": 0},
        {**base, "base_version": 1},
        {**base, "base_version": None},
        {**items.update("seizure", items.new_id(), 2), "base_version": None},
        {**items.update("seizure", items.new_id(), 2), "data": None},
        {**items.delete("seizure", items.new_id()), "data": {"notes": "x"}},
        {**base, "data": {**base["data"], "id": items.new_id()}},
        {**base, "data": {**base["data"], "id": base["id"]}},
        {**items.operation(), "data": {**items.operation()["data"], "seizures": []}},
        {**base, "extra": 1},
        None,
        [],
        "item",
    ]
    return good + broken


def test_it_parses_whole_items_as_the_serializers_do(officer):
    corpus = item_corpus(OPERATION_ID)
    quick_parser, slow_parser = ItemParser(), ItemParser(quick=False)
    for index, raw in enumerate(corpus):
        expected = comparable(parse_item(index, raw, slow_parser))
        assert comparable(parse_item(index, raw, quick_parser)) == expected, f"item {index}: {raw!r:.200}"
