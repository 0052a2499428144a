"""Each role sees only what it can do: no link or button on any page ends in a refusal.

A crawler signs in as each role of the trial (coordinator, investigator and monitor of site
03; data manager, sponsor, statistician, DMC and pharmacovigilance at every site), starts at
the landing page, and follows every link and every form on every page it reaches. A "Record",
"Edit", "Add" or "Correct" link shown to a role that may not act answers 403: the crawl
lists each one with the page that showed it. A form is submitted as found, its
hidden fields only (nothing typed): a role that may act gets the form back with its errors,
never a 403.

The trial: patient 03-001 randomized to intensive salvage, a first cycle, a response, a serious
sepsis (its SAE report open), a query open on the screening; 03-002 in follow-up, its month-3
visit due; 07-001 at another site.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from django.urls import Resolver404, resolve

import protocol
from accounts.models import Role, User
from patients.models import Screening
from review.services import query_raise
from tests.factories import UserFactory, screen_patient
from tests.visits.builders import (
    randomize,
    record_adverse_event,
    record_cycle,
    record_response,
    treated_patient,
)

# Not followed: signing in or out, Django's admin (its own permission pages, checked for
# the administrator below) and the API (tests/api).
_NOT_FOLLOWED = ("/login/", "/logout/", "/admin/", "/api/", "/static/")
# The same page for another patient or record adds nothing: two of each kind are enough.
_PER_KIND = 2
_MOST_PAGES = 250
# The casebook's entry pages (screen, record, correct a form, record a visit): the
# coordinator's alone.
_CASEBOOK_ENTRY = re.compile(
    r"GET /(screening/new/|patients/[^/]+/(screening/edit|[a-z-]+/new|[a-z-]+/(\d+/)?edit"
    r"|visits/M\d+)/)"
)


@dataclass(frozen=True)
class Step:
    method: str
    url: str
    data: tuple[tuple[str, str], ...]
    found_on: str
    text: str


def _internal(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or parts.path.startswith(_NOT_FOLLOWED):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _kind(url: str, method: str) -> str:
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return f"{method} {path}"
    # A form's name or a step in the URL ('cycles', 'answer') makes another kind of page; a
    # patient's or a record's id does not.
    words = sorted(
        f"{k}={v}" for k, v in match.kwargs.items() if k != "study_id" and not str(v).isdigit()
    )
    return " ".join([method, match.url_name or match.view_name, *words])


def _steps_on(page_url: str, html: str) -> list[Step]:
    """Every link and form of the page, with what it says."""
    tree = lxml.html.fromstring(html)
    steps = []
    for link in tree.iter("a"):
        href = link.get("href")
        url = _internal(urljoin(page_url, href)) if href and not href.startswith("#") else None
        if url:
            steps.append(Step("GET", url, (), page_url, link.text_content().strip()[:60]))
    for form in tree.iter("form"):
        method = (form.get("method") or "get").upper()
        url = _internal(urljoin(page_url, form.get("action") or page_url))
        if not url:
            continue
        hidden = tuple(
            (field.get("name"), field.get("value") or "")
            for field in form.iter("input")
            if field.get("type") == "hidden" and field.get("name")
        )
        buttons = " / ".join(b.text_content().strip() for b in form.iter("button"))[:60]
        steps.append(Step(method, url, hidden, page_url, buttons or "(form)"))
    return steps


def crawl(client, start: str = "/") -> tuple[list[str], list[str]]:
    """Follow every link and form from `start`; return (refused steps, pages visited)."""
    queue: deque[Step] = deque([Step("GET", start, (), "(start)", "start")])
    seen: set[tuple[str, str, tuple]] = set()
    per_kind: dict[str, int] = {}
    refused, visited = [], []
    while queue and len(visited) < _MOST_PAGES:
        step = queue.popleft()
        key = (step.method, step.url, step.data if step.method == "POST" else ())
        if key in seen:
            continue
        seen.add(key)
        kind = _kind(step.url, step.method)
        per_kind[kind] = per_kind.get(kind, 0) + 1
        if per_kind[kind] > _PER_KIND:
            continue
        if step.method == "POST":
            answer = client.post(step.url, dict(step.data))
        else:
            answer = client.get(step.url)
        visited.append(f"{step.method} {step.url} {answer.status_code}")
        if answer.status_code == 403:
            refused.append(
                f"{step.method} {step.url} ('{step.text}', on {step.found_on}) answers 403"
            )
        content_type = answer.get("Content-Type", "")
        if step.method == "GET" and answer.status_code == 200 and "text/html" in content_type:
            queue.extend(_steps_on(step.url, answer.content.decode()))
    return refused, visited


@pytest.fixture
def trial(site_a, patient_a, patient_b, coordinator, data_manager, frozen_today):
    """03-001 in treatment with a response and an open SAE; a query on its screening."""
    ic_patient = patient_a
    randomize(ic_patient, coordinator, protocol.Regimen.INTENSIVE)
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(ic_patient, coordinator, dt.date(2025, 4, 10))
    record_adverse_event(ic_patient, coordinator, dt.date(2025, 5, 30))
    # 03-002 ended treatment on 13 March: its month-3 follow-up visit is due (the worklist).
    treated_patient(
        screen_patient(site=site_a, user=coordinator),
        coordinator,
        cycle_started_on=dt.date(2025, 3, 6),
        cycle_ended_on=dt.date(2025, 3, 12),
        ended_treatment_on=dt.date(2025, 3, 13),
    )
    query_raise(
        user=data_manager,
        record=Screening.objects.get(patient=ic_patient),
        field_name="ecog",
        text="ECOG 1, but the clinic letter says 2?",
    )
    return ic_patient


def _account(request, site_a, role: str) -> User:
    if role in (Role.COORDINATOR, Role.INVESTIGATOR, Role.DATA_MANAGER):
        return request.getfixturevalue(
            {"coordinator": "coordinator", "investigator": "investigator"}.get(role, "data_manager")
        )
    sites = [site_a] if role == Role.MONITOR else []
    return UserFactory(username=f"crawl_{role}", role=role, sites=sites)


@pytest.mark.parametrize(
    "role",
    [
        Role.COORDINATOR,
        Role.INVESTIGATOR,
        Role.MONITOR,
        Role.DATA_MANAGER,
        Role.SPONSOR,
        Role.STATISTICIAN,
        Role.DMC,
        Role.PHARMACOVIGILANCE,
    ],
)
def test_no_link_or_form_shown_to_a_role_answers_403(request, client, trial, site_a, role):
    client.force_login(_account(request, site_a, role))

    refused, visited = crawl(client)

    assert not refused, "\n".join(refused)
    assert 10 < len(visited) < _MOST_PAGES, visited  # through the trial's pages, to the end
    assert any("/patients/03-001/" in v for v in visited)
    entry_forms = [v for v in visited if _CASEBOOK_ENTRY.match(v)]
    if role == Role.COORDINATOR:  # the crawl does reach the forms, where they are shown
        assert len(entry_forms) > 20, visited
    else:
        assert not entry_forms, entry_forms


def test_the_administrators_landing_page_links_to_the_admin(client, db):
    administrator = User.objects.create_user(username="admin", is_staff=True, is_superuser=True)
    client.force_login(administrator)

    page = lxml.html.fromstring(client.get("/").content.decode())

    [link] = [a for a in page.iter("a") if a.get("href") == "/admin/"]
    assert "Administration" in link.text_content()
    assert client.get("/admin/").status_code == 200


def test_no_link_or_form_shown_to_the_administrator_answers_403(client, trial):
    """The administrator has no role: no patient, and no page that refuses them either."""
    client.force_login(User.objects.create_user(username="admin", is_staff=True))

    refused, visited = crawl(client)

    assert not refused, "\n".join(refused)
    assert not [v for v in visited if "/patients/0" in v]


def test_a_staff_role_sees_no_administration_link(client, trial, coordinator):
    client.force_login(coordinator)

    page = lxml.html.fromstring(client.get("/").content.decode())

    assert not [a for a in page.iter("a") if (a.get("href") or "").startswith("/admin/")]
