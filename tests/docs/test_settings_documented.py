"""The settings table in docs/operating.md names every setting that the settings read."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
READ = re.compile(r"""env_(?:str|bool|number|list)\(\s*["'](?P<name>[A-Z][A-Z0-9_]*)["']""")


def settings_read() -> set[str]:
    source = (REPO / "backend" / "config" / "settings" / "base.py").read_text(encoding="utf-8")
    return {match["name"] for match in READ.finditer(source)}


def documented() -> set[str]:
    text = (REPO / "docs" / "operating.md").read_text(encoding="utf-8")
    table = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", row.split("|")[1])}


def test_it_finds_the_settings_base_py_reads():
    names = settings_read()
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "HOTSPOT_EPS_M", "REPORTING_TILE_MAX_ZOOM"} <= names


def test_every_setting_read_from_the_environment_is_in_the_operating_table():
    missing = sorted(settings_read() - documented())
    assert not missing, f"add these to the settings table in docs/operating.md: {missing}"
