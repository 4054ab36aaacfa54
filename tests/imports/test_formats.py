"""GeoJSON, GeoPackage and Shapefile imports through GDAL, in WGS84 and in British National Grid."""

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ebikeops.operations.models import Seizure
from tests import places

MAPPING = """source_system = "niche-test"
timezone = "Europe/London"
[columns]
external_ref = "ref"
operation_ref = "op"
seized_at = "seized"
vehicle_type = "type"
reason = "reason"
power = "power"
accuracy_m = "acc"
"""
POINTS = {"S-1": places.EALING_BROADWAY, "S-2": places.LEICESTER_SQUARE, "S-3": places.PARIS}


def _geojson(path: Path) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"ref": ref, "op": "OP-1", "seized": "2025-11-29T13:30:00+00:00", "type": "e_bike",
                           "reason": "non_compliant_eapc", "power": "pra_2002_s59", "acc": 8.0},
            "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
        }
        for ref, point in POINTS.items()
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True)  # noqa: S603, S607


def _gpkg_bng(tmp_path: Path) -> Path:
    out = tmp_path / "seizures.gpkg"
    _ogr("-f", "GPKG", str(out), str(_geojson(tmp_path / "src.geojson")), "-t_srs", "EPSG:27700")
    return out


def _shapefile_zip_bng(tmp_path: Path) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir()
    # Shapefiles have no date-time type: the time travels as text, as forces' exports do.
    _ogr("-f", "ESRI Shapefile", str(folder / "seizures.shp"), str(_geojson(tmp_path / "src.geojson")),
         "-t_srs", "EPSG:27700", "-mapFieldType", "DateTime=String")  # fmt: skip
    out = tmp_path / "seizures.zip"
    with zipfile.ZipFile(out, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return out


def _geojson_file(tmp_path: Path) -> Path:
    return _geojson(tmp_path / "seizures.geojson")


@pytest.mark.parametrize(
    "make", [_geojson_file, _gpkg_bng, _shapefile_zip_bng], ids=["geojson", "gpkg-27700", "shp-zip-27700"]
)
def test_it_imports_points_from_gdal_formats_in_any_crs(operation, tmp_path, make):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    source = make(tmp_path)

    call_command("import_seizures", str(source), mapping=str(mapping), no_progress=True,
                 rejects=str(tmp_path / "rejects.csv"))  # fmt: skip

    stored = {s.external_ref: s for s in Seizure.objects.all()}
    assert sorted(stored) == ["S-1", "S-2"]
    for ref, seizure in stored.items():
        # Reprojection through BNG and back moves a point by far less than a metre.
        assert seizure.point.distance(POINTS[ref]) < 1e-5
        assert seizure.seized_at.isoformat() == "2025-11-29T13:30:00+00:00"
    assert stored["S-2"].borough.name == "Westminster"
    rejects = (tmp_path / "rejects.csv").read_text().splitlines()
    assert rejects == ["row,field,message", "3,point,The point is outside Greater London."]


def test_it_refuses_a_layer_of_lines(operation, tmp_path):
    path = tmp_path / "lines.geojson"
    line = {"type": "LineString", "coordinates": [[-0.3, 51.5], [-0.2, 51.5]]}
    feature = {"type": "Feature", "properties": {"ref": "L"}, "geometry": line}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    with pytest.raises(CommandError, match="only points can be imported"):
        call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)
    assert not Seizure.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("seizures.geojson", b'<OGRVRTDataSource><OGRVRTLayer name="x"/></OGRVRTDataSource>'),
        ("seizures.gpkg", b"not a geopackage"),
        ("seizures.zip", b"PK not a zip"),
    ],
)
def test_a_file_whose_content_is_not_its_suffix_is_refused_before_gdal_reads_it(operation, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    with pytest.raises(CommandError, match="content is not"):
        call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)


def test_a_zip_holding_anything_but_one_shapefile_is_refused(operation, tmp_path):
    path = tmp_path / "seizures.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("seizures.vrt", "<OGRVRTDataSource/>")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(MAPPING)
    with pytest.raises(CommandError, match="content is not"):
        call_command("import_seizures", str(path), mapping=str(mapping), no_progress=True)
