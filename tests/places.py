"""Hand-picked London points (lon, lat), clear of borough boundaries
(see ../shared/geodata/PROVENANCE.md)."""

from django.contrib.gis.geos import Point


def pt(lon: float, lat: float) -> Point:
    return Point(lon, lat, srid=4326)


def geojson(point: Point) -> dict:
    return {"type": "Point", "coordinates": [point.x, point.y]}


# Uxbridge Road, Ealing
EALING_BROADWAY = pt(-0.3020, 51.5130)
UXBRIDGE_ROAD_EALING = pt(-0.3050, 51.5128)
WEST_EALING = pt(-0.3190, 51.5128)
HANWELL_BROADWAY = pt(-0.335177, 51.508826)
SOUTHALL_BROADWAY = pt(-0.377953, 51.511467)
ACTON_TOWN_HALL = pt(-0.267253, 51.506746)
SHEPHERDS_BUSH_GREEN = pt(-0.224359, 51.504045)  # Hammersmith and Fulham
# West End (Westminster)
LEICESTER_SQUARE = pt(-0.12833, 51.511616)
DEAN_STREET = pt(-0.130937, 51.51235)
# Outside London
PARIS = pt(2.3522, 48.8566)
READING = pt(-0.9781, 51.4543)
