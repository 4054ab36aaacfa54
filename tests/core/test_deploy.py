"""Deployment settings: `check --deploy` clean behind TLS; no public password-reset pages;
errors on /api/ as problem details even outside DRF's views."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client

from ebikeops.core.error_pages import server_error

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_SECRET_KEY": "k9#Qz!w2" * 8,  # long and varied, as a generated key is
    "DJANGO_DEBUG": "false",
    "DJANGO_BEHIND_TLS": "true",
    "DJANGO_ALLOWED_HOSTS": "ebike-ops.police.example",
}


def _check_deploy(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BACKEND_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_under_a_production_environment():
    result = _check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_without_tls_settings():
    result = _check_deploy(**{**PRODUCTION, "DJANGO_BEHIND_TLS": "false"})
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/accounts/password_reset/", "/accounts/reset/MQ/set-password/", "/accounts/password_reset/done/"]
)
def test_the_password_reset_pages_are_gone(path):
    assert Client().get(path).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/tiles/hotspots/null,null/0/0.mvt"])
def test_an_unknown_api_route_is_a_problem_details_404(path):
    """The tile URL: schemathesis found its 404 served as HTML."""
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_an_unknown_page_outside_the_api_stays_html():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_500_under_the_api_is_problem_details_and_html_elsewhere(rf):
    api = server_error(rf.get("/api/v1/seizures/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/problem+json"
    page = server_error(rf.get("/map/"))
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_browser_session_lasts_one_shift(settings, commander):
    assert settings.SESSION_COOKIE_AGE == 10 * 3600
    client = Client()
    client.post("/accounts/login/", {"username": commander.username, "password": "pass-word-123"})
    assert client.cookies["sessionid"]["max-age"] == 10 * 3600
