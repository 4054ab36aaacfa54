import pytest

from ebikeops.core.models import Role
from tests.conftest import _client_for
from tests.factories import UserFactory


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR)


@pytest.fixture
def auditor_client(auditor):
    return _client_for(auditor)
