"""Each refusal of the domain has one answer across the API, given by one exception handler
(api/base.py), never by the view: a rule refusing the values is a 400 naming the fields at
fault, a role or site that may not act a 403, a record the account cannot see a 404, and a
request clashing with what is recorded (a patient already randomized) a 409 that shows it.

The requests are real; the handler is watched (not replaced) to see which refusal the
service raised.

patient_a is 03-001 (site 3, where coord_a works), screened on 4 March 2025; today is
2 June 2025.
"""

from __future__ import annotations

import ast
import builtins
import importlib
from pathlib import Path

import pytest
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions

import protocol
from api.base import exception_handler
from audit.records import ReasonRequired, VersionConflict
from locks.services import DataLocked, data_lock
from patients.services import ScreeningRefused
from randomization.services import AlreadyRandomized, NotEligible, RandomizationRefused
from refusals import Conflict, Refused
from review.services import query_close, query_raise
from tests.factories import ScreeningValuesFactory, all_criteria_met, screen_patient
from tests.visits.builders import randomize, record_cycle

ROOT = Path(__file__).resolve().parents[2]
raised: list[type[BaseException]] = []


def watching_exception_handler(exc, context):
    """The project's handler, noting which exception it answered."""
    raised.append(type(exc))
    return exception_handler(exc, context)


@pytest.fixture
def refusals(settings) -> list[type[BaseException]]:
    """The refusals the views raised during the test, in order."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": f"{__name__}.watching_exception_handler",
    }
    raised.clear()
    return raised


@pytest.fixture
def randomized(patient_a, coordinator):
    return randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)


def test_it_answers_409_to_a_second_randomization_with_the_allocation_made(
    coordinator, patient_a, api_as, refusals
):
    api = api_as(coordinator)
    url = f"/api/v1/patients/{patient_a.study_id}/randomize/"
    first = api.post(url, {"regimen": "intensive"}, format="json")

    again = api.post(url, {"regimen": "intensive"}, format="json")

    assert refusals == [AlreadyRandomized]
    assert issubclass(AlreadyRandomized, Conflict)
    assert again.status_code == 409
    assert set(again.json()) == {"detail", "randomization"}
    assert again.json()["randomization"] == first.json()


def test_it_answers_400_under_patient_to_randomizing_a_screen_failure(
    coordinator, site_a, frozen_today, api_as, refusals
):
    failure = screen_patient(
        site=site_a, user=coordinator, answers={**all_criteria_met(), "EXC_APL": True}
    )

    response = api_as(coordinator).post(
        f"/api/v1/patients/{failure.study_id}/randomize/", {"regimen": "intensive"}, format="json"
    )

    assert refusals == [NotEligible]
    assert issubclass(NotEligible, RandomizationRefused) and issubclass(NotEligible, Refused)
    assert response.status_code == 400
    assert list(response.json()) == ["patient"]


def test_it_answers_400_with_checklist_errors_nested_as_they_were_sent(
    coordinator, site_a, frozen_today, api_as, refusals
):
    answers = all_criteria_met()
    del answers["EXC_CNS"]  # left unanswered
    body = {
        "site": site_a.number,
        "sex": "F",
        "year_of_birth": 1960,
        "answers": answers,
        **ScreeningValuesFactory(mutations={"FLT3-ITD": "detected", "FLT4": "detected"}),
    }

    response = api_as(coordinator).post("/api/v1/patients/", body, format="json")

    assert refusals == [ScreeningRefused]
    assert response.status_code == 400
    assert response.json() == {
        "answers": {"EXC_CNS": ["Answer yes or no."]},
        "mutations": {"FLT4": ["FLT4 is not a gene recorded in this protocol."]},
    }


def test_it_answers_400_under_reason_to_a_correction_that_gives_none(
    randomized, coordinator, api_as, refusals
):
    cycle = record_cycle(randomized.patient, coordinator, randomized.randomized_at.date())

    response = api_as(coordinator).patch(
        f"/api/v1/patients/03-001/cycles/{cycle.pk}/",
        {"delay_days": 2, "modification_note": "Infection", "version": cycle.version},
        format="json",
    )

    assert refusals == [ReasonRequired]
    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_it_answers_400_under_version_to_a_correction_of_a_stale_version(
    randomized, coordinator, api_as, refusals
):
    """A colleague saved the cycle since it was read: a conflict, yet answered as a field
    error, as the API always has, so the client reloads and applies its change again."""
    cycle = record_cycle(randomized.patient, coordinator, randomized.randomized_at.date())
    url = f"/api/v1/patients/03-001/cycles/{cycle.pk}/"
    read = {"version": cycle.version}
    colleague = api_as(coordinator).patch(
        url, {**read, "modification_note": "Seen on day 3", "reason": "Note added"}, format="json"
    )

    response = api_as(coordinator).patch(
        url,
        {**read, "delay_days": 2, "modification_note": "Infection", "reason": "Delay omitted"},
        format="json",
    )

    assert colleague.status_code == 200
    assert refusals == [VersionConflict]
    assert response.status_code == 400
    assert list(response.json()) == ["version"]
    assert "changed by someone else" in response.json()["version"][0]


def test_it_answers_400_to_a_change_of_locked_data(
    patient_a, coordinator, data_manager, api_as, refusals
):
    data_lock(user=data_manager, patient=patient_a, reason="Interim cut-off")

    response = api_as(coordinator).patch(
        "/api/v1/patients/03-001/", {"ecog": 2, "version": 1, "reason": "typo"}, format="json"
    )

    assert refusals == [DataLocked]
    assert response.status_code == 400
    assert list(response.json()) == ["__all__"]
    assert "locked" in response.json()["__all__"][0]


def test_it_answers_400_naming_the_field_to_a_refusal_of_no_named_class(
    patient_a, data_manager, coordinator, api_as, refusals
):
    query = query_raise(
        user=data_manager, record=patient_a.screening, field_name="ecog", text="ECOG?"
    )
    query_close(user=data_manager, query=query)

    response = api_as(data_manager).post(f"/api/v1/queries/{query.pk}/close/", {}, format="json")

    assert refusals == [ValidationError]
    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_it_answers_403_with_a_detail_when_the_role_may_not(
    patient_a, data_manager, coordinator, api_as, refusals
):
    query = query_raise(
        user=data_manager, record=patient_a.screening, field_name="ecog", text="ECOG?"
    )

    response = api_as(coordinator).post(f"/api/v1/queries/{query.pk}/close/", {}, format="json")

    # Refused by the default permission, before the input is read (issue 12, item 3).
    assert refusals == [exceptions.PermissionDenied]
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role may read these data but not change them."}


def test_it_answers_404_with_a_detail_for_what_the_account_cannot_see(
    patient_a, patient_b, coordinator, api_as, refusals
):
    other_site = api_as(coordinator).post(
        f"/api/v1/patients/{patient_b.study_id}/randomize/", {"regimen": "intensive"}, format="json"
    )

    assert refusals == [Http404]
    assert other_site.status_code == 404
    assert other_site.json() == {"detail": "No such patient."}


# --- No view catches a refusal ----------------------------------------------------------

REFUSALS = (ValidationError, PermissionDenied, Http404, ObjectDoesNotExist, Conflict)


def _api_modules() -> list[Path]:
    return sorted(
        path
        for pattern in ("*/apis.py", "*/*_apis.py", "*/*/apis.py", "*/*/*_apis.py")
        for path in ROOT.glob(pattern)
        if path.parts[len(ROOT.parts)] not in {".venv", "tests", "bench"}
    )


def _resolve(node: ast.expr, namespace: dict) -> type:
    """The class an `except` clause names (`Name` or `module.Name`) in the module's namespace."""
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(node.value, namespace), node.attr)
    assert isinstance(node, ast.Name), ast.unparse(node)
    return namespace[node.id] if node.id in namespace else getattr(builtins, node.id)


def _caught(module_path: Path) -> list[str]:
    """Return the refusals an API module catches itself, as `file:line Name`."""
    module = importlib.import_module(".".join(module_path.relative_to(ROOT).with_suffix("").parts))
    found = []
    for node in ast.walk(ast.parse(module_path.read_text())):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for name in names:
            caught = _resolve(name, vars(module))
            if issubclass(caught, REFUSALS):
                found.append(f"{module_path.relative_to(ROOT)}:{node.lineno} {ast.unparse(name)}")
    return found


def test_no_api_module_catches_a_refusal_itself():
    modules = _api_modules()

    assert len(modules) >= 6  # patients, randomization, visits, review, accounts, exports...
    assert [caught for path in modules for caught in _caught(path)] == []
