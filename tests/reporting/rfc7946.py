"""A strict check of GeoJSON against RFC 7946 (the parts a FeatureCollection of these
records can break). Returns a list of problems; empty means valid."""

import math

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


def _position(value, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) not in (2, 3):
        return [f"{where}: a position is an array of 2 or 3 numbers"]
    if not all(isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c) for c in value):
        return [f"{where}: position members must be finite numbers"]
    lon, lat = value[0], value[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return [f"{where}: [longitude, latitude] out of range (swapped?)"]
    return []


def _geometry(geometry, where: str) -> list[str]:
    if geometry is None:
        return []
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        return [f"{where}: geometry must be null or a GeoJSON geometry object"]
    if "crs" in geometry:
        return [f"{where}: 'crs' is not part of RFC 7946"]
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Point":
        return _position(coordinates, where)
    if geometry["type"] == "MultiPoint":
        if not isinstance(coordinates, list):
            return [f"{where}: MultiPoint coordinates must be an array"]
        return [p for i, c in enumerate(coordinates) for p in _position(c, f"{where}[{i}]")]
    return [] if isinstance(coordinates, list) else [f"{where}: coordinates must be an array"]


def feature_collection_problems(document) -> list[str]:
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return ["top level must be an object with type FeatureCollection"]
    if "crs" in document:
        return ["'crs' is not part of RFC 7946"]
    features = document.get("features")
    if not isinstance(features, list):
        return ["'features' must be an array"]
    problems: list[str] = []
    for index, feature in enumerate(features):
        where = f"features[{index}]"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{where}: type must be Feature")
            continue
        if "geometry" not in feature or "properties" not in feature:
            problems.append(f"{where}: a Feature has 'geometry' and 'properties' members")
        if "id" in feature and not isinstance(feature["id"], str | int | float):
            problems.append(f"{where}: id must be a string or a number")
        if feature.get("properties") is not None and not isinstance(feature["properties"], dict):
            problems.append(f"{where}: properties must be an object or null")
        problems.extend(_geometry(feature.get("geometry"), f"{where}.geometry"))
        for name, value in (feature.get("properties") or {}).items():
            if isinstance(value, dict) and value.get("type") in GEOMETRY_TYPES:
                problems.extend(_geometry(value, f"{where}.properties.{name}"))
    return problems
