"""Accept records posted as GeoJSON Features as well as flat objects."""

from rest_framework import serializers


def unwrap_feature(data, geometry_field: str):
    """Return a flat dict for a posted Feature: its properties, its geometry under
    `geometry_field` and its `id`. Any other body is returned unchanged."""
    if not isinstance(data, dict) or data.get("type") != "Feature":
        return data
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise serializers.ValidationError({"properties": ["A Feature's properties must be an object."]})
    flat = dict(properties)
    if "geometry" in data:
        flat[geometry_field] = data["geometry"]
    if data.get("id") is not None:
        flat["id"] = data["id"]
    return flat
