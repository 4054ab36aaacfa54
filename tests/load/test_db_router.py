"""The read-replica router: lag-tolerant GETs read from `replica` when one is configured."""

from django.db import connections
from django.test import RequestFactory

from ebikeops.core import db_router
from ebikeops.core.db_router import ReplicaReadsMiddleware, ReplicaRouter, lag_tolerant_reads, replica_alias
from ebikeops.operations.models import Seizure


def seen_alias(path: str, method: str = "get") -> str:
    seen = []
    middleware = ReplicaReadsMiddleware(lambda request: seen.append(replica_alias()))
    middleware(getattr(RequestFactory(), method)(path))
    return seen[0]


def test_it_reads_from_the_primary_when_no_replica_is_configured():
    assert "replica" not in connections
    with lag_tolerant_reads():
        assert replica_alias() == "default"
        assert ReplicaRouter().db_for_read(Seizure) == "default"


def test_it_sends_only_lag_tolerant_gets_to_the_replica(monkeypatch):
    monkeypatch.setattr(db_router, "connections", {"default": None, "replica": None})
    assert seen_alias("/api/v1/summaries/?group_by=borough") == "replica"
    assert seen_alias("/tiles/seizures/12/2046/1361.mvt") == "replica"
    assert seen_alias("/api/v1/seizures/") == "default"  # an officer reads what was just written
    assert seen_alias("/api/v1/summaries/", method="post") == "default"
    assert replica_alias() == "default"  # nothing leaks past the request
    assert ReplicaRouter().db_for_write(Seizure) == "default"
    assert ReplicaRouter().allow_migrate("replica", "operations") is False
