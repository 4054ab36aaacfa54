"""Start-up settings, read in a fresh interpreter: settings are evaluated once per process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRINT_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Import the real settings (config.settings.base) without DJANGO_SECRET_KEY, as a plain shell would."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_SECRET_KEY_FILE": str(tmp_path / "none")})
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PRINT_KEY],
        cwd=settings.BACKEND_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_reads_the_secret_key_that_make_run_keeps_when_the_environment_has_none(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("key-from-the-file\n")
    started = _start(tmp_path, DJANGO_SECRET_KEY_FILE=str(key_file))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "key-from-the-file"


def test_it_prefers_the_environment_to_the_key_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("key-from-the-file\n")
    started = _start(tmp_path, DJANGO_SECRET_KEY_FILE=str(key_file), DJANGO_SECRET_KEY="key-from-the-env")
    assert started.stdout.strip() == "key-from-the-env", started.stderr


@pytest.mark.parametrize("content", [None, "\n"])
def test_it_refuses_to_start_without_a_key_unless_debug(tmp_path, content):
    if content is not None:
        (tmp_path / "none").write_text(content)  # an empty file is no key
    started = _start(tmp_path)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr and "DJANGO_SECRET_KEY" in started.stderr
    assert _start(tmp_path, DJANGO_DEBUG="true").stdout.strip() == "insecure-dev-key-only"


def test_a_malformed_boolean_setting_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_bool

    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("DJANGO_DEBUG", default=False)
