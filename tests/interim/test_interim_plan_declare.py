"""The statistician declares the interim analysis plan; a revision is a new version with its
reason; once a look has been taken the plan no longer changes. Nobody else declares it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InternalError, transaction
from pghistory.models import Events

from interim import services
from interim.models import InterimPlan
from tests.interim.conftest import month

PLAN = {
    "planned_deaths": 120,
    "planned_fractions": [0.5, 1.0],
    "spending": "asP",
    "alpha": 0.05,
    "sided": 2,
}


def test_the_first_plan_is_version_1_and_its_declaration_is_audited(statistician, frozen_today):
    plan = services.interim_plan_declare(user=statistician, **PLAN)

    assert (plan.version, plan.planned_deaths, plan.planned_fractions) == (1, 120, [0.5, 1.0])
    (event,) = Events.objects.tracks(plan)
    assert event.pgh_context["user"] == statistician.pk
    assert event.pgh_context["reason"] == "Interim analysis plan declared"


def test_a_revision_before_the_first_look_is_a_new_version_with_its_reason(plan, statistician):
    with pytest.raises(ValidationError) as refused:
        services.interim_plan_declare(user=statistician, **PLAN)
    assert "reason" in refused.value.message_dict

    revised = services.interim_plan_declare(
        user=statistician, **PLAN, reason="Event rate lower than assumed: 120 deaths"
    )

    assert revised.version == 2
    assert services.current_plan() == revised
    assert InterimPlan.objects.get(version=1).planned_deaths == 20  # kept as declared
    (event,) = Events.objects.tracks(revised)
    assert event.pgh_context["reason"] == "Event rate lower than assumed: 120 deaths"


def test_once_a_look_is_taken_the_plan_cannot_change(plan, statistician, legacy_trial, analysed):
    legacy_trial([("control", "intensive", 30, 0), ("dex", "intensive", None, 120)])
    services.interim_look_take(user=statistician, analysis_run=analysed(month(6)))

    with pytest.raises(ValidationError, match="can no longer change"):
        services.interim_plan_declare(user=statistician, **PLAN, reason="More deaths")

    assert InterimPlan.objects.count() == 1


@pytest.mark.parametrize("role", ["dmc", "data_manager", "sponsor", "investigator", "coordinator"])
def test_only_the_statistician_declares_the_plan(role, request, frozen_today):
    with pytest.raises(PermissionDenied):
        services.interim_plan_declare(user=request.getfixturevalue(role), **PLAN)

    assert not InterimPlan.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"planned_deaths": 0}, "planned_deaths"),
        ({"planned_fractions": [0.6, 0.4, 1.0]}, "planned_fractions"),
        ({"planned_fractions": [0.5, 0.9]}, "planned_fractions"),
        ({"planned_fractions": [0.0, 1.0]}, "planned_fractions"),
        ({"planned_fractions": []}, "planned_fractions"),
        ({"spending": "asKD"}, "spending"),
        ({"alpha": 0.5}, "alpha"),
        ({"alpha": 0}, "alpha"),
        ({"sided": 3}, "sided"),
    ],
)
def test_a_plan_that_is_no_design_is_refused_field_by_field(
    change, field, statistician, frozen_today
):
    with pytest.raises(ValidationError) as refused:
        services.interim_plan_declare(user=statistician, **{**PLAN, **change})

    assert list(refused.value.message_dict) == [field]
    assert not InterimPlan.objects.exists()


def test_a_declared_plan_is_never_altered_nor_deleted_behind_the_service(plan):
    for attempt in (
        lambda: InterimPlan.objects.filter(pk=plan.pk).update(planned_deaths=200),
        lambda: InterimPlan.objects.filter(pk=plan.pk).delete(),
    ):
        with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
            attempt()
    plan.refresh_from_db()
    assert plan.planned_deaths == 20
