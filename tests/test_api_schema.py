"""The OpenAPI document of API v1, its docs page, and the API held to that document.

The document lists every path of trialsite/api_urls.py with its methods; the docs page
loads its scripts and styles from this site, never from a CDN. Schemathesis then generates
requests from the document and sends them to the application in this process (WSGI, inside
the test's transaction), as a data manager and as a site coordinator, on a trial with a
patient at each site who has every kind of record: no answer may be a server error, and
every answer must match the schema the document gives for its status.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

import hypothesis
import lxml.html
import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from rest_framework.throttling import UserRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import User
from accounts.services import api_token_issue
from endpoints.services import analysis_run_execute, analysis_run_request
from tests.api.histories import patient_with_every_record
from tests.factories import screen_patient
from tests.visits.builders import randomize, record_cycle
from trialsite import api_urls

SCHEMA_URL = "/api/schema/?format=json"
METHODS = ("get", "post", "put", "patch", "delete")
CHECKS = [not_a_server_error, response_schema_conformance]
# Few examples, a fixed seed: the same cases in every CI run, in well under a minute.
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


def _openapi_path(route: str) -> str:
    """Return the document's path for a Django route: <str:study_id> becomes {study_id}."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return "/api/v1/" + path.replace("{pk}", "{id}")  # drf-spectacular names a pk `id`


def _routes() -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for pattern in api_urls.urlpatterns:
        view = pattern.callback.view_class
        routes[_openapi_path(str(pattern.pattern))] = {m for m in METHODS if hasattr(view, m)}
    return routes


def test_it_serves_a_valid_openapi_3_document_of_every_path(client):
    from drf_spectacular.validation import validate_schema

    response = client.get(SCHEMA_URL)

    assert response.status_code == 200
    document = json.loads(response.content)
    validate_schema(document)  # against the OpenAPI 3.0 JSON Schema
    assert document["openapi"].startswith("3.")
    assert {path: set(operations) for path, operations in document["paths"].items()} == (_routes())
    assert {"tokenAuth"} <= set(document["components"]["securitySchemes"])


def test_it_serves_the_docs_page_with_every_asset_from_this_site(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w-]+(?:\.[\w-]+)+", html) == []
    page = lxml.html.fromstring(html)
    assets = page.xpath("//script/@src | //link/@href | //img/@src")
    # The start-up script is a file of this page (no inline script under the CSP).
    (start_up,) = [url for url in assets if url.startswith("/api/docs/?")]
    assets.remove(start_up)
    assert len(assets) >= 3  # Swagger UI's bundle, preset and style sheet at least
    for url in assets:
        assert url.startswith("/static/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file here"
    assert not page.xpath("//script[not(@src)]")
    assert 'url: "/api/schema/"' in client.get(start_up).content.decode()


# --- Schemathesis ---------------------------------------------------------------------


@pytest.fixture
def seeded(site_a, site_b, coordinator, coordinator_b, statistician, frozen_today) -> int:
    """A patient with every kind of record at each site, an analysis run finished and one
    queued; and 03-002, randomized and in cycle 1, for the writes. Return that cycle's id."""
    patient_with_every_record(site=site_b, user=coordinator_b, randomized_on=dt.date(2025, 2, 26))
    patient_with_every_record(site=site_a, user=coordinator, randomized_on=dt.date(2025, 3, 5))
    run = analysis_run_request(cutoff=dt.date(2025, 6, 1), user=statistician)
    analysis_run_execute(run_id=run.pk)
    analysis_run_request(cutoff=dt.date(2025, 5, 1), user=statistician)
    in_treatment = screen_patient(site=site_a, user=coordinator)
    randomize(in_treatment, coordinator)
    return record_cycle(in_treatment, coordinator, dt.date(2025, 3, 6)).pk


@pytest.fixture
def application(settings) -> Iterator[WSGIHandler]:
    """Django's WSGI application, answering in this process within the test's transaction."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the WSGI client's host
    # As django.test.Client does: the end of a request must not close the connection that
    # holds the test's transaction (and its data).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _authorization(user: User) -> dict[str, str]:
    # Time is frozen, so the throttle's hour never passes; forget earlier runs' requests.
    cache.delete(UserRateThrottle.cache_format % {"scope": "user", "ident": user.pk})
    _, token = api_token_issue(user=user)
    return {"Authorization": f"Token {token}"}


@pytest.fixture
def api_schema(seeded, application):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, application)


def _fuzz(
    api_schema, methods: set[str], headers: dict[str, str], path_parameters: dict[str, object]
) -> list[str]:
    """Send generated requests to each operation; return what went wrong, per operation.

    (schemathesis.pytest.from_fixture would report per operation, but its 4.x release
    sets `Node._nodeid`, which pytest 9 no longer has.)
    """
    problems = []
    for result in api_schema.get_all_operations():
        if isinstance(result, Err):  # an operation the document describes wrongly
            problems.append(str(result.err()))
            continue
        operation = result.ok()
        if operation.method.lower() not in methods:
            continue
        fixed = {
            p.name: path_parameters[p.name]
            for p in operation.path_parameters
            if p.name in path_parameters
        }

        @FUZZ_SETTINGS
        @hypothesis.given(case=operation.as_strategy(path_parameters=fixed))
        def exchange(case):
            # Each request in a savepoint, undone after: one request's writes (or a database
            # error, which would abort the test's transaction) never reach the next.
            savepoint = transaction.savepoint()
            try:
                response = case.call(headers=headers)
            finally:
                transaction.savepoint_rollback(savepoint)
            case.validate_response(response, checks=CHECKS)

        try:
            exchange()
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis's failures
            problems.append(f"{operation.label}: {exc}")
    return problems


def test_it_answers_every_generated_read_within_the_document(api_schema, data_manager):
    problems = _fuzz(
        api_schema,
        {"get"},
        _authorization(data_manager),
        {"study_id": "03-001", "month": 3, "dataset": "adsl", "fmt": "json"},
    )

    assert not problems, "\n\n".join(problems)


def test_it_answers_every_generated_write_within_the_document(api_schema, seeded, coordinator):
    problems = _fuzz(
        api_schema,
        {"post", "put", "patch", "delete"},
        _authorization(coordinator),
        {"study_id": "03-002", "month": 3, "id": seeded},
    )

    assert not problems, "\n\n".join(problems)
