import pytest


@pytest.mark.django_db
def test_it_reports_database_and_postgis(anon_client):
    response = anon_client.get("/api/v1/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis"][0].isdigit(), body
