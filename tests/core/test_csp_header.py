"""The Content-Security-Policy header built once per policy (core.middleware) is django-csp's."""

import copy

import pytest
from csp.utils import build_policy
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/health/", "/accounts/login/", "/api/v1/operations/"])
def test_it_sends_django_csps_header_on_every_kind_of_answer(path):
    response = Client().get(path)
    assert response["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response


def test_a_changed_policy_setting_changes_the_header(settings):
    Client().get("/api/v1/health/")  # the shipped policy, built and kept
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], "https://tiles.example"]
    settings.CONTENT_SECURITY_POLICY = policy
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = Client().get("/api/v1/health/")
    assert "https://tiles.example" in response["Content-Security-Policy"]
    assert response["Content-Security-Policy"] == build_policy()
    assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
