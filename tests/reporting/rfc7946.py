"""A strict check of GeoJSON against RFC 7946 (the parts a FeatureCollection of these
records can break). Returns a list of problems; empty means valid."""

import itertools
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
    if geometry["type"] == "LineString":
        return _line(coordinates, where)
    if geometry["type"] == "MultiLineString":
        return _each(coordinates, where, _line)
    if geometry["type"] == "Polygon":
        return _polygon(coordinates, where)
    return _each(coordinates, where, _polygon)


def _each(coordinates, where: str, check) -> list[str]:
    if not isinstance(coordinates, list):
        return [f"{where}: coordinates must be an array"]
    return [p for i, part in enumerate(coordinates) for p in check(part, f"{where}[{i}]")]


def _line(coordinates, where: str) -> list[str]:
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return [f"{where}: a LineString has two or more positions"]
    return [p for i, c in enumerate(coordinates) for p in _position(c, f"{where}[{i}]")]


def _signed_area(ring) -> float:
    """Shoelace formula: positive for a counterclockwise ring."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1, *_), (x2, y2, *_) in itertools.pairwise(ring)) / 2


def _polygon(rings, where: str) -> list[str]:
    """RFC 7946 3.1.6: closed linear rings of four or more positions; the exterior ring
    counterclockwise, holes clockwise (the right-hand rule)."""
    if not isinstance(rings, list) or not rings:
        return [f"{where}: a Polygon is an array of linear rings"]
    problems: list[str] = []
    for index, ring in enumerate(rings):
        at = f"{where}[{index}]"
        if not isinstance(ring, list) or len(ring) < 4:
            problems.append(f"{at}: a linear ring has four or more positions")
            continue
        problems.extend(p for i, c in enumerate(ring) for p in _position(c, f"{at}[{i}]"))
        if problems:
            continue
        if ring[0] != ring[-1]:
            problems.append(f"{at}: a linear ring is closed (first and last positions equal)")
        area = _signed_area(ring)
        if (index == 0 and area < 0) or (index > 0 and area > 0):
            problems.append(f"{at}: {'exterior' if index == 0 else 'interior'} ring breaks the right-hand rule")
    return problems


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
