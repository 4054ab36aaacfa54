"""Fixtures shared by every test: real PostGIS, the real borough boundaries, role clients."""

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from ebikeops.areas.models import Borough
from ebikeops.areas.services import boroughs_load
from ebikeops.core.models import Role

from .factories import UserFactory, token_of


@pytest.fixture
def boroughs(db):
    """The 33 real London boroughs from BOROUGHS_FILE (loaded once; reloaded after a
    transactional test has flushed them)."""
    path = settings.BOROUGHS_FILE
    assert path.exists(), (
        f"BOROUGHS_FILE {path} is missing: put the shared geodata beside the repo "
        "or set BOROUGHS_FILE (see docs/operating.md, 'Boroughs')."
    )
    if Borough.objects.count() != 33:
        boroughs_load(path=path)
    return Borough.objects.all()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Request throttles count in the cache: each test starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        boroughs_load(path=settings.BOROUGHS_FILE)


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_of(user)}")
    client.user = user
    return client


@pytest.fixture
def officer(db):
    return UserFactory(username="officer-a", role=Role.OFFICER, team="Ealing Town Centre Team")


@pytest.fixture
def other_officer(db):
    return UserFactory(username="officer-b", role=Role.OFFICER, team="Ealing Town Centre Team")


@pytest.fixture
def commander(db):
    return UserFactory(username="commander", role=Role.COMMANDER)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role=Role.ANALYST)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR)


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def other_officer_client(other_officer):
    return _client_for(other_officer)


@pytest.fixture
def commander_client(commander):
    return _client_for(commander)


@pytest.fixture
def analyst_client(analyst):
    return _client_for(analyst)


@pytest.fixture
def auditor_client(auditor):
    return _client_for(auditor)


@pytest.fixture
def anon_client():
    return APIClient()
