"""Every endpoint in the URL configuration, with every role: the audit event it leaves.

One table, CASES, keyed by URL name: for each method, the roles that succeed, the action their
request leaves (None: no event, e.g. a page with no record data) and what the event must name
(records, filters, count). A role the endpoint refuses leaves no event. A new endpoint fails
`test_the_table_covers_every_endpoint` until it is added here.

Analysts never receive an officer's username, in any format (the last test).
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import mapbox_vector_tile
import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from ebikeops.audit.models import AuditEvent
from ebikeops.operations import services
from ebikeops.operations.models import Arrest, Operation
from tests.conftest import _client_for
from tests.factories import ArrestFactory, OperationFactory, SeizureFactory
from tests.operations import payloads
from tests.operations.test_photos import upload
from tests.planning.conftest import AT, EALING_BROADWAY, corridors, uxbridge_saturdays  # noqa: F401 - fixtures
from tests.sync import images, items

pytestmark = pytest.mark.django_db

ROLES = ("officer", "commander", "analyst", "auditor")
READERS = ("officer", "commander", "analyst")
FIELD = ("officer", "commander")
COMMANDER = ("commander",)
OVERSIGHT = ("commander", "auditor")
# Pages and endpoints that hand over no record data, and Django's own log-in pages.
NO_RECORD_DATA = {"schema", "swagger-ui", "health", "map"}
# Signing in and out with API tokens (core.api.tokens): no record data; tested in tests/core.
NO_RECORD_DATA |= {"token-login", "token-revoke", "token-revoke-all", "token-rotate"}
# Import jobs (ebikeops.imports): their writes leave a collection/alteration event with the
# counts, tested in tests/imports; uploads need files and a worker, not this table.
NO_RECORD_DATA |= {"import-create", "import-detail", "import-rejects"}


def features(response) -> int:
    body = response.json()
    return len(body["features"] if isinstance(body, dict) and "features" in body else body)


def results(response) -> int:
    return len(response.json()["results"])


def csv_rows(response) -> int:
    return len(_body(response).decode().splitlines()) - 1  # the header aside


def geojson_features(response) -> int:
    return len(json.loads(_body(response))["features"])


ONE = 1


def tile_features(response) -> int:
    """Features in a vector tile, decoded by mapbox-vector-tile (none in an empty 204)."""
    if response.status_code == 204:
        return 0
    return sum(len(layer["features"]) for layer in mapbox_vector_tile.decode(response.content).values())


def summary_groups(response) -> int:
    return len(response.json()["groups"])


def summary_rows(response) -> int:
    return len(response.json()["rows"])


WHEN = AT.isoformat().replace("+00:00", "Z")  # a query string's "+" would be a space
END = (AT + timedelta(hours=6)).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Case:
    method: str
    url: str  # formatted with the world's ids
    roles: tuple[str, ...]  # the roles that succeed; the others are refused (403)
    action: str | None  # the event a successful request leaves (None: none)
    records: tuple[str, ...] = ()  # record keys, formatted with the world's ids
    filters: dict[str, Any] | None = None  # None: the URL's query string, as the event must hold it
    count: int | Callable | None = None  # an int, a function of the response, or None
    body: Callable[[dict], dict] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()  # heavier setup: "planning" data, a "suggestion", a hotspot "job"


IF_MATCH = {"HTTP_IF_MATCH": '"1"'}


def _seizure_body(w: dict) -> dict:
    return payloads.seizure()


CASES: dict[str, list[Case]] = {
    "operation-list": [
        Case(
            "get", "/api/v1/operations/?status=active", READERS, "consult", filters={"status": "active"}, count=features
        ),
        Case("post", "/api/v1/operations/", FIELD, "collect", body=lambda w: payloads.operation()),
    ],
    "operation-detail": [
        Case("get", "/api/v1/operations/{operation}/", READERS, "consult", ("operation:{operation}",), count=ONE),
        Case(
            "patch",
            "/api/v1/operations/{operation}/",
            FIELD,
            "alter",
            ("operation:{operation}",),
            body=lambda w: {"name": "Op Renamed"},
            headers=IF_MATCH,
        ),
        Case("delete", "/api/v1/operations/{empty}/", COMMANDER, "erase", ("operation:{empty}",), headers=IF_MATCH),
    ],
    "operation-seizure-list": [
        Case(
            "get",
            "/api/v1/operations/{operation}/seizures/",
            READERS,
            "consult",
            ("operation:{operation}",),
            count=features,
        ),
        Case("post", "/api/v1/operations/{operation}/seizures/", FIELD, "collect", body=_seizure_body),
    ],
    "operation-seizure-detail": [
        Case(
            "get",
            "/api/v1/operations/{operation}/seizures/{seizure}/",
            READERS,
            "consult",
            ("operation:{operation}", "seizure:{seizure}"),
            count=ONE,
        ),
        Case(
            "patch",
            "/api/v1/operations/{operation}/seizures/{seizure}/",
            FIELD,
            "alter",
            ("seizure:{seizure}",),
            body=lambda w: {"colour": "red"},
            headers=IF_MATCH,
        ),
        Case(
            "delete",
            "/api/v1/operations/{operation}/seizures/{seizure}/",
            COMMANDER,
            "erase",
            ("seizure:{seizure}",),
            headers=IF_MATCH,
        ),
    ],
    "operation-arrest-list": [
        Case(
            "get",
            "/api/v1/operations/{operation}/arrests/",
            READERS,
            "consult",
            ("operation:{operation}",),
            count=features,
        ),
        Case("post", "/api/v1/operations/{operation}/arrests/", FIELD, "collect", body=lambda w: payloads.arrest()),
    ],
    "operation-arrest-detail": [
        Case(
            "get",
            "/api/v1/operations/{operation}/arrests/{arrest}/",
            READERS,
            "consult",
            ("operation:{operation}", "arrest:{arrest}"),
            count=ONE,
        ),
        Case(
            "patch",
            "/api/v1/operations/{operation}/arrests/{arrest}/",
            FIELD,
            "alter",
            ("arrest:{arrest}",),
            body=lambda w: {"disposal": "street_bail"},
            headers=IF_MATCH,
        ),
        Case(
            "delete",
            "/api/v1/operations/{operation}/arrests/{arrest}/",
            COMMANDER,
            "erase",
            ("arrest:{arrest}",),
            headers=IF_MATCH,
        ),
    ],
    "seizure-list": [
        Case(
            "get",
            "/api/v1/seizures/?vehicle_type=e_bike",
            READERS,
            "consult",
            filters={"vehicle_type": "e_bike"},
            count=features,
        ),
        Case(
            "post",
            "/api/v1/seizures/",
            FIELD,
            "collect",
            body=lambda w: {**payloads.seizure(), "operation": w["operation"]},
        ),
    ],
    "seizure-detail": [
        Case("get", "/api/v1/seizures/{seizure}/", READERS, "consult", ("seizure:{seizure}",), count=ONE),
        Case(
            "patch",
            "/api/v1/seizures/{seizure}/",
            FIELD,
            "alter",
            ("seizure:{seizure}",),
            body=lambda w: {"make": "Talaria"},
            headers=IF_MATCH,
        ),
        Case(
            "delete",
            "/api/v1/seizures/{seizure}/",
            COMMANDER,
            "erase",
            ("seizure:{seizure}", "photo:{photo}"),
            headers=IF_MATCH,
        ),
    ],
    "arrest-list": [
        Case("get", "/api/v1/arrests/", READERS, "consult", count=features),
        Case(
            "post",
            "/api/v1/arrests/",
            FIELD,
            "collect",
            body=lambda w: {**payloads.arrest(), "operation": w["operation"]},
        ),
    ],
    "arrest-detail": [
        Case("get", "/api/v1/arrests/{arrest}/", READERS, "consult", ("arrest:{arrest}",), count=ONE),
        Case(
            "patch",
            "/api/v1/arrests/{arrest}/",
            FIELD,
            "alter",
            ("arrest:{arrest}",),
            body=lambda w: {"disposal": "de_arrested"},
            headers=IF_MATCH,
        ),
        Case("delete", "/api/v1/arrests/{arrest}/", COMMANDER, "erase", ("arrest:{arrest}",), headers=IF_MATCH),
    ],
    "seizure-photo-list": [
        Case("get", "/api/v1/seizures/{seizure}/photos/", FIELD, "consult", ("seizure:{seizure}",), count=features),
    ],
    "photo-content": [
        Case("get", "/api/v1/photos/{photo}/", FIELD, "consult", ("photo:{photo}",), count=ONE),
        Case("delete", "/api/v1/photos/{photo}/", FIELD, "erase", ("photo:{photo}",)),
    ],
    "seizure-custody": [
        Case(
            "get",
            "/api/v1/seizures/{seizure}/custody/",
            READERS,
            "consult",
            ("seizure:{seizure}",),
            count=lambda r: len(r.json()["steps"]),
        ),
        Case(
            "post",
            "/api/v1/seizures/{seizure}/custody/",
            FIELD,
            "alter",
            ("seizure:{seizure}",),
            body=lambda w: {"step": "held", "store": "Perivale pound"},
        ),
    ],
    "borough-list": [Case("get", "/api/v1/boroughs/", READERS, "consult", count=features)],
    # Reference layers with no record data of the force's (corridors, the river, named stops, the
    # words of the display table) and police.uk context: consultations like the boroughs.
    "corridor-list": [Case("get", "/api/v1/corridors/", READERS, "consult", count=features)],
    "river-list": [Case("get", "/api/v1/river/", READERS, "consult", count=features)],
    "place-list": [Case("get", "/api/v1/places/", READERS, "consult", count=features)],
    "display-names": [Case("get", "/api/v1/display-names/", READERS, "consult")],
    "incident-list": [Case("get", "/api/v1/incidents/", READERS, "consult", count=features)],
    "incident-layer": [Case("get", "/api/v1/incidents/layer/", READERS, "consult")],  # a prebuilt body: no count
    "incident-summary": [Case("get", "/api/v1/incidents/summary/", READERS, "consult", count=summary_rows)],
    "sync": [
        Case("get", "/api/v1/sync/", FIELD, None),  # the client's own settings, no record data
        Case("post", "/api/v1/sync/", FIELD, "collect", body=lambda w: {"items": [items.seizure(w["operation"], 1)]}),
    ],
    "suggestion-list": [
        Case(
            "get",
            f"/api/v1/suggestions/?lon={EALING_BROADWAY[0]}&lat={EALING_BROADWAY[1]}&at={WHEN}",
            READERS,
            "consult",
            count=features,
        ),
    ],
    "suggestion-bundle": [
        Case(
            "get",
            f"/api/v1/suggestions/bundle/?borough=Ealing&start={WHEN}",
            FIELD,
            "consult",
            count=features,
        ),
    ],
    "suggestion-followed-report": [
        Case("get", "/api/v1/suggestions/followed-report/", ("commander", "analyst"), "consult"),
    ],
    "suggestion-detail": [
        Case(
            "get",
            "/api/v1/suggestions/{suggestion}/",
            READERS,
            "consult",
            ("suggestion:{suggestion}",),
            count=ONE,
            needs=("suggestion",),
        ),
    ],
    "plan-list": [
        Case(
            "get", f"/api/v1/plans/?borough=Ealing&teams=2&start={WHEN}&end={END}", COMMANDER, "consult", count=features
        ),
    ],
    "plan-sent": [
        Case(
            "get",
            f"/api/v1/plans/sent/?start={WHEN}&end={END}",
            READERS,
            "consult",
            count=features,
            needs=("plan",),
        ),
    ],
    "operation-followed-suggestion": [
        Case(
            "put",
            "/api/v1/operations/{operation}/followed-suggestion/",
            FIELD,
            "combine",
            ("operation:{operation}", "suggestion:{suggestion}"),
            body=lambda w: {"suggestion": w["suggestion"]},
            needs=("suggestion",),
        ),
    ],
    "hotspot-list": [Case("get", "/api/v1/hotspots/", READERS, "consult", count=features)],
    "hotspot-gistar": [Case("get", "/api/v1/hotspots/gistar/", READERS, "consult", count=features)],
    "hotspot-recompute": [Case("post", "/api/v1/hotspots/recompute/", COMMANDER, None, body=lambda w: {})],
    "hotspot-job": [
        Case(
            "get", "/api/v1/hotspots/jobs/{job}/", READERS, "consult", ("hotspot_job:{job}",), count=ONE, needs=("job",)
        )
    ],
    "summaries": [
        Case(
            "get",
            "/api/v1/summaries/?group_by=borough",
            READERS,
            "consult",
            filters={"group_by": "borough"},
            count=summary_groups,
        )
    ],
    "layer-seizures": [Case("get", "/api/v1/layers/seizures/", READERS, "consult", count=features)],
    "layer-operations": [Case("get", "/api/v1/layers/operations/", READERS, "consult", count=features)],
    "layer-hotspots": [Case("get", "/api/v1/layers/hotspots/", READERS, "consult", count=features)],
    **{
        f"export-{kind}-{fmt}": [
            Case(
                "get",
                f"/api/v1/exports/{kind}.{fmt}",
                READERS,
                "disclose",
                count=csv_rows if fmt == "csv" else geojson_features,
            )
        ]
        for kind in ("operations", "seizures", "arrests")
        for fmt in ("geojson", "csv")
    },
    "audit-event-list": [
        Case(
            "get",
            "/api/v1/audit/events/?action=collect",
            OVERSIGHT,
            "consult",
            filters={"action": "collect"},
            count=results,
        )
    ],
    "audit-event-export": [
        Case(
            "get",
            "/api/v1/audit/events.csv?action=collect",
            OVERSIGHT,
            "disclose",
            filters={"action": "collect"},
            count=csv_rows,
        )
    ],
    "operation-history": [
        Case(
            "get",
            "/api/v1/operations/{operation}/history/",
            OVERSIGHT,
            "consult",
            ("operation:{operation}",),
            count=lambda r: len(r.json()["versions"]),
            needs=("written",),
        )
    ],
    "seizure-history": [
        Case(
            "get",
            "/api/v1/seizures/{seizure}/history/",
            OVERSIGHT,
            "consult",
            ("seizure:{seizure}",),
            count=lambda r: len(r.json()["versions"]),
        )
    ],
    "arrest-history": [
        Case(
            "get",
            "/api/v1/arrests/{arrest}/history/",
            OVERSIGHT,
            "consult",
            ("arrest:{arrest}",),
            count=lambda r: len(r.json()["versions"]),
            needs=("written",),
        )
    ],
    "tile": [
        Case(
            "get",
            "/tiles/seizures/14/8178/5447.mvt",
            READERS,
            "consult",
            filters={"layer": "seizures", "z": 14, "x": 8178, "y": 5447},
            count=tile_features,
        )
    ],
}


def _query(url: str) -> dict[str, Any] | None:
    parsed = parse_qs(urlsplit(url).query)
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()} or None


def _names(patterns, namespace="") -> set[str]:
    names: set[str] = set()
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin",):
                continue
            names |= _names(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
    return names


def test_the_table_covers_every_endpoint():
    names = _names(get_resolver().url_patterns)
    accounts = {n for n in names if n.startswith(("login", "logout", "password_"))}
    missing = sorted(names - set(CASES) - NO_RECORD_DATA - accounts)
    assert not missing, f"add these endpoints to CASES with the event each leaves: {missing}"


@pytest.fixture
def world(officer, commander, analyst, auditor, media_root):
    """An operation led by the officer with a seizure (and its photo) and an arrest, and an
    empty operation."""
    operation = OperationFactory(lead_officer=officer, created_by=officer, status="active", ended_at=None)
    seizure = SeizureFactory(operation=operation, created_by=officer)
    arrest = ArrestFactory(operation=operation, created_by=officer)
    empty = OperationFactory(lead_officer=officer, created_by=officer)
    photo = upload(_client_for(officer), seizure.pk, images.jpeg(), "image/jpeg").json()["id"]
    return {
        "operation": str(operation.pk),
        "seizure": str(seizure.pk),
        "arrest": str(arrest.pk),
        "empty": str(empty.pk),
        "photo": photo,
        "users": {"officer": officer, "commander": commander, "analyst": analyst, "auditor": auditor},
    }


def _more(request, world: dict, needs: tuple[str, ...]) -> None:
    """The heavier setup some endpoints need: the planning tests' Uxbridge Road data, a
    suggestion made from it, a hotspot job."""
    commander = _client_for(world["users"]["commander"])
    if "written" in needs:  # through the services, so that their histories hold a version
        officer = world["users"]["officer"]
        services.operation_update(
            operation=Operation.objects.get(pk=world["operation"]), user=officer, changes={"officer_count": 6}
        )
        services.arrest_update(
            arrest=Arrest.objects.get(pk=world["arrest"]), user=officer, changes={"disposal": "de_arrested"}
        )
    if {"planning", "suggestion", "plan"} & set(needs):
        request.getfixturevalue("uxbridge_saturdays")
    if "suggestion" in needs:
        # A GET stores nothing (and has no ids); a POST keeps the answer, as a client that will follow it does.
        near = commander.post(
            "/api/v1/suggestions/", {"lon": EALING_BROADWAY[0], "lat": EALING_BROADWAY[1], "at": WHEN}, format="json"
        )
        world["suggestion"] = near.json()["features"][0]["id"]
    if "plan" in needs:  # a plan a commander sent (stored), for officers to read
        commander.post(
            "/api/v1/plans/", {"borough": "Ealing", "teams": ["Ealing Town Centre Team"], "start": WHEN, "end": END},
            format="json",
        )  # fmt: skip
    if "job" in needs:
        location = commander.post("/api/v1/hotspots/recompute/", {}, format="json").headers["Location"]
        world["job"] = location.rstrip("/").split("/")[-1]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _client(user):
    return _client_for(user)


CELLS = [
    pytest.param(name, case, role, id=f"{case.method.upper()} {name} as {role}")
    for name, cases in CASES.items()
    for case in cases
    for role in ROLES
]


@pytest.mark.parametrize(("name", "case", "role"), CELLS)
def test_each_request_leaves_the_event_it_should(request, world, name, case, role):
    _more(request, world, case.needs)
    # Events of the setup are not the subject: the test's own begin after them.
    world["start"] = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    user = world["users"][role]
    client = _client(user)
    ids = {k: v for k, v in world.items() if isinstance(v, str)}
    url = case.url.format(**ids)
    kwargs = {"format": "json"} if case.method != "get" else {}
    data = case.body(ids) if case.body else None
    if case.method == "get":
        response = client.get(url, **case.headers)
    else:
        response = getattr(client, case.method)(url, data, **kwargs, **case.headers)
    _body(response)  # read to the end first, as a client does: an export's COPY holds the connection
    events = list(AuditEvent.objects.filter(id__gt=world["start"]).order_by("id"))
    if role not in case.roles:
        assert response.status_code == 403, (url, response.status_code)
        assert events == [], f"a refused request left {[(e.action, e.endpoint) for e in events]}"
        return
    assert 200 <= response.status_code < 300, (url, response.status_code, getattr(response, "content", b"")[:300])
    if case.action is None:
        assert [e for e in events if e.endpoint == name] == []
        return
    count = case.count(response) if callable(case.count) else case.count
    mine = [e for e in events if e.action == case.action]
    assert mine, f"{case.method.upper()} {url} as {role} left {[(e.action, e.endpoint) for e in events]}"
    event = mine[-1]
    assert (event.actor_id, event.actor_username, event.actor_role) == (user.pk, user.username, role)
    for record in case.records:
        assert record.format(**ids) in event.records, (record.format(**ids), event.records)
    if case.action in ("consult", "disclose"):
        assert len(events) == 1, "one event per read, never per feature"
        assert event.endpoint == name
        assert event.filters == (case.filters if case.filters is not None else _query(url))
        assert event.count == count
    if case.action == "alter":
        key = case.records[0].format(**ids)
        assert event.changes[key], "an alteration carries before and after"
        assert all(isinstance(pair, list) and len(pair) == 2 for pair in event.changes[key].values())


READS_FOR_ANALYSTS = [
    pytest.param(name, case, id=f"GET {name}")
    for name, cases in CASES.items()
    for case in cases
    if case.method == "get" and "analyst" in case.roles
]


def _body(response) -> bytes:
    """The whole body, streamed or not (a stream is read once, to the end)."""
    if response.streaming and not hasattr(response, "read_body"):
        response.read_body = b"".join(response.streaming_content)
    return response.read_body if response.streaming else response.content


@pytest.mark.parametrize(("name", "case"), READS_FOR_ANALYSTS)
def test_analysts_never_receive_an_officers_username(request, world, name, case):
    """In every format an analyst can read (JSON, GeoJSON, CSV, layers, tiles, summaries),
    officers appear as pseudonyms or teams, never by username."""
    _more(request, world, case.needs)
    officer, commander = world["users"]["officer"], world["users"]["commander"]
    # Distinctive usernames, so that a pseudonym can never contain one by chance.
    for user, username in ((officer, "pc-jane-doe-4471"), (commander, "insp-john-roe-2290")):
        user.username = username
        user.save(update_fields=["username"])
    Operation.objects.filter(pk=world["operation"]).update(lead_officer=officer)
    ids = {k: v for k, v in world.items() if isinstance(v, str)}
    response = _client_for(world["users"]["analyst"]).get(case.url.format(**ids))
    assert 200 <= response.status_code < 300, (name, response.status_code)
    body = _body(response)
    for username in ("pc-jane-doe-4471", "insp-john-roe-2290"):
        assert username.encode() not in body, f"{name} gave an analyst the username {username}"


def test_officers_and_commanders_still_see_the_username(world):
    """The control for the test above: the same data names the officer to a commander."""
    body = _client_for(world["users"]["commander"]).get("/api/v1/operations/{operation}/".format(**world)).json()
    assert body["properties"]["lead_officer"] == world["users"]["officer"].username
    export = _body(_client_for(world["users"]["commander"]).get("/api/v1/exports/operations.csv"))
    assert world["users"]["officer"].username.encode() in export
