"""Open a file to import as a header and a stream of CSV bytes for COPY.

CSV files are streamed to COPY as they are (CRLF or LF, a UTF-8 byte-order mark dropped).
GeoJSON, GeoPackage and Shapefiles (a .shp beside its .dbf/.prj, or all of them in a .zip)
go through GDAL's `ogr2ogr`, which reprojects the points from the layer's CRS to WGS84 and
writes CSV with the point as the columns X (longitude) and Y (latitude). Either way only a
chunk of the file is in memory at a time.
"""

import codecs
import csv
import subprocess
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource
from django.contrib.gis.gdal.error import GDALException

from . import errors
from .mapping import MappingError

CHUNK_BYTES = 1 << 20
CSV_SUFFIXES = {".csv", ".txt"}
# Uploads come from users, and GDAL 3.6 picks a driver by content (a VRT could make it read
# files on the server): the content must look like the format its suffix names (`_sniff`), and
# GDAL must then have opened it with that driver.
GDAL_DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile",
                ".zip": "ESRI Shapefile"}  # fmt: skip
GDAL_SUFFIXES = set(GDAL_DRIVERS)
BOM = codecs.BOM_UTF8


@dataclass
class Source:
    header: list[str]
    chunks: Iterator[bytes]  # the whole file as CSV, header line included
    total_bytes: int
    geometry: bool  # the point comes from the geometry (X, Y in WGS84)
    delimiter: str


def _header(first: bytes, delimiter: str) -> list[str]:
    line = first.split(b"\n", 1)[0].rstrip(b"\r")
    if not line.strip():
        raise MappingError(errors.FILE_EMPTY)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(errors.FILE_NOT_UTF8.format(error=exc)) from None
    return [name.strip() for name in next(csv.reader([text], delimiter=delimiter))]


def _read_first(stream, size: int = CHUNK_BYTES) -> bytes:
    """The first chunk, extended to the end of the header line."""
    first = stream.read(size)
    while first and b"\n" not in first:
        more = stream.read(size)
        if not more:
            break
        first += more
    return first


def _chunks(first: bytes, stream) -> Iterator[bytes]:
    if first:
        yield first
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


SHAPEFILE_PARTS = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml"}


def _sniff(path: Path, suffix: str) -> None:
    """Refuse a file whose bytes are not of the format its suffix names."""
    with path.open("rb") as stream:
        head = stream.read(100)
    if suffix in (".geojson", ".json"):
        ok = head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
    elif suffix == ".gpkg":
        ok = head.startswith(b"SQLite format 3\x00") and head[68:72] == b"GPKG"
    elif suffix == ".shp":
        ok = head[:4] == b"\x00\x00\x27\x0a"  # the shapefile file code, 9994
    else:  # .zip: one shapefile and its sidecar files, nothing else
        try:
            with zipfile.ZipFile(path) as archive:
                names = [Path(name) for name in archive.namelist() if not name.endswith("/")]
        except zipfile.BadZipFile:
            names = []
        suffixes = [name.suffix.lower() for name in names]
        ok = suffixes.count(".shp") == 1 and all(s in SHAPEFILE_PARTS for s in suffixes)
    if not ok:
        raise MappingError(errors.FILE_NOT_ITS_FORMAT.format(format=GDAL_DRIVERS[suffix], suffix=suffix))


def _check_points(path: Path, driver: str) -> None:
    try:
        source = DataSource(_gdal_path(path))
        layer = source[0]
    except (GDALException, IndexError) as exc:
        raise MappingError(errors.FILE_MALFORMED.format(format=driver, error=exc)) from None
    if source.driver.name != driver:
        raise MappingError(errors.FILE_MALFORMED.format(format=driver, error=f"GDAL reads it as {source.driver.name}"))
    if layer.geom_type.name.replace("25D", "") != "Point":
        raise MappingError(errors.FILE_NOT_POINTS.format(geom_type=layer.geom_type.name))


@contextmanager
def source_open(path: Path, *, delimiter: str = ",", source_srid: int | None = None):
    """Yield a Source for `path`; raises MappingError for a file that cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        with path.open("rb") as stream:
            first = _read_first(stream)
            if first.startswith(BOM):
                first = first[len(BOM) :]
            yield Source(_header(first, delimiter), _chunks(first, stream), path.stat().st_size, False, delimiter)
        return
    if suffix not in GDAL_SUFFIXES:
        raise MappingError(errors.FILE_UNSUPPORTED.format(suffix=suffix))
    driver = GDAL_DRIVERS[suffix]
    _sniff(path, suffix)
    _check_points(path, driver)
    command = ["ogr2ogr", "-f", "CSV", "/vsistdout/", _gdal_path(path), "-t_srs", "EPSG:4326"]
    command += ["-lco", "GEOMETRY=AS_XY", "-lco", "LINEFORMAT=LF"]
    if source_srid:
        command += ["-s_srs", f"EPSG:{source_srid}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603 - fixed argv
    try:
        first = _read_first(process.stdout)
        if not first:
            error = process.stderr.read().decode("utf-8", "replace").strip()
            raise MappingError(errors.FILE_MALFORMED.format(format="a GDAL vector file", error=error or "no rows"))
        size = sum(p.stat().st_size for p in path.parent.glob(path.stem + ".*")) if suffix == ".shp" else None
        yield Source(_header(first, ","), _chunks(first, process.stdout), size or path.stat().st_size, True, ",")
    finally:
        process.stdout.close()
        process.kill()
        process.wait()
        process.stderr.close()
