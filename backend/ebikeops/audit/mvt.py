"""How many features a Mapbox Vector Tile holds, read from its protobuf bytes, so that a tile's
consultation event carries its count of records without the tile's SQL being asked twice.

Vector Tile 2.1: Tile { repeated Layer layers = 3 }, Layer { repeated Feature features = 2 };
only the field headers and lengths are read, never a feature's content.
"""

_VARINT, _FIXED64, _LENGTH, _FIXED32 = 0, 1, 2, 5
_LAYER, _FEATURE = 3, 2


class NotATile(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise NotATile("a varint runs past the end")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(data: bytes):
    """(field number, wire type, payload or None) for each field of one message."""
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, at = _varint(data, at)
            yield number, wire, None
        elif wire == _LENGTH:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise NotATile("a field runs past the end")
            yield number, wire, data[at : at + length]
            at += length
        elif wire in (_FIXED64, _FIXED32):
            at += 8 if wire == _FIXED64 else 4
            yield number, wire, None
        else:
            raise NotATile(f"wire type {wire}")
    if at != len(data):
        raise NotATile("the last field runs past the end")


def tile_feature_count(tile: bytes) -> int:
    """The number of features in all the tile's layers (0 for no bytes). Raises NotATile."""
    return sum(
        1
        for number, wire, layer in _fields(tile)
        if number == _LAYER and wire == _LENGTH
        for feature_number, feature_wire, _ in _fields(layer)
        if feature_number == _FEATURE and feature_wire == _LENGTH
    )
