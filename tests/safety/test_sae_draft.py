"""The site completes the draft: what it says is checked as it is saved, and completeness
when it is submitted. A drug the patient received by the onset is judged; one they did not is
'not given'. The time the site became aware is the initial report's, in the past, not before
the onset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pghistory.models import Events

import protocol
from audit.records import VersionConflict
from locks.services import data_lock
from protocol.safety import SaeCausality
from safety.services import sae_draft_save
from tests.conftest import TODAY
from tests.safety.conftest import CYCLE_1_ON, ONSET_ON, complete, complete_values, draft_of


def _save(report, user, **values):
    draft = draft_of(report)
    return sae_draft_save(draft=draft, user=user, values=values, version=draft.version)


def test_the_coordinator_saves_the_draft(sae, coordinator):
    saved = _save(sae, coordinator, narrative="Admitted for sepsis.", life_threatening=True)

    saved.refresh_from_db()
    assert (saved.narrative, saved.life_threatening, saved.version) == (
        "Admitted for sepsis.",
        True,
        2,
    )


def test_every_draft_save_is_audited_with_author_and_reason(sae, investigator):
    _save(sae, investigator, narrative="Admitted for sepsis.")

    saved = Events.objects.tracks(draft_of(sae)).order_by("pgh_id").last()
    assert saved.pgh_context["user"] == investigator.pk
    assert saved.pgh_context["reason"] == "Draft of the initial report saved"


def test_a_drug_given_before_the_onset_cannot_be_not_given(sae, coordinator):
    """Intensive salvage: cytarabine was given in cycle 1, before the onset."""
    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, cytarabine_causality=SaeCausality.NOT_GIVEN)

    assert (
        "received cytarabine before the onset"
        in refused.value.message_dict["cytarabine_causality"][0]
    )


def test_a_drug_never_given_is_not_given_and_only_that(sae, coordinator):
    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, azacitidine_causality=SaeCausality.POSSIBLE)

    assert refused.value.message_dict["azacitidine_causality"] == [
        "The patient had received no azacitidine by the onset (30/05/2025): its causality is "
        "'not given'."
    ]
    assert draft_of(sae).azacitidine_causality == SaeCausality.NOT_GIVEN


def test_dexamethasone_follows_what_the_cycles_say(sae, coordinator):
    given = sae.patient.randomization.arm == protocol.DEXAMETHASONE_ARM
    wrong = SaeCausality.NOT_GIVEN if given else SaeCausality.PROBABLE

    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, dexamethasone_causality=wrong)

    assert list(refused.value.message_dict) == ["dexamethasone_causality"]


def test_nothing_is_saved_when_one_value_is_refused(sae, coordinator):
    with pytest.raises(ValidationError):
        _save(
            sae,
            coordinator,
            narrative="Admitted for sepsis.",
            azacitidine_causality=SaeCausality.DEFINITE,
        )

    draft = draft_of(sae)
    assert (draft.narrative, draft.version) == ("", 1)


def test_text_with_a_control_character_is_refused(sae, coordinator):
    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, relevant_tests="CRP\x00240")

    assert list(refused.value.message_dict) == ["relevant_tests"]


def test_the_site_corrects_when_it_became_aware(sae, coordinator):
    earlier = TODAY - dt.timedelta(hours=30)

    _save(sae, coordinator, site_aware_at=earlier)

    sae.refresh_from_db()
    assert sae.site_aware_at == earlier
    assert sae.initial_due_at == TODAY - dt.timedelta(hours=6)
    corrected = Events.objects.tracks(sae).order_by("pgh_id").last()
    assert "time the site became aware corrected" in corrected.pgh_context["reason"]


@pytest.mark.parametrize(
    ("aware_at", "message"),
    [
        (TODAY + dt.timedelta(minutes=5), "Cannot be in the future."),
        (
            dt.datetime(2025, 5, 29, 21, 0, tzinfo=dt.UTC),  # 23:00 on 29 May in Paris
            "Cannot precede the event's onset (30/05/2025).",
        ),
    ],
)
def test_awareness_is_not_in_the_future_nor_before_the_onset(sae, coordinator, aware_at, message):
    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, site_aware_at=aware_at)

    assert refused.value.message_dict == {"site_aware_at": [message]}


def test_a_stale_version_is_refused(sae, coordinator, investigator):
    draft = draft_of(sae)
    _save(sae, investigator, narrative="First.")

    with pytest.raises(VersionConflict):
        sae_draft_save(draft=draft, user=coordinator, values={"narrative": "Second."}, version=1)

    assert draft_of(sae).narrative == "First."


def test_another_sites_staff_and_other_roles_may_not_write(
    sae, coordinator_b, data_manager, monitor_a
):
    for user in (coordinator_b, data_manager, monitor_a):
        with pytest.raises(PermissionDenied):
            _save(sae, user, narrative="Not mine to write.")


def test_a_locked_patients_draft_is_refused(sae, coordinator, data_manager):
    data_lock(user=data_manager, reason="Interim cut-off", patient=sae.patient)

    with pytest.raises(ValidationError) as refused:
        _save(sae, coordinator, narrative="After the lock.")

    assert "locked" in refused.value.messages[0]
    assert draft_of(sae).narrative == ""


def test_the_complete_report_fixture_passes_the_rules(sae, coordinator):
    """The values the other tests submit: every suspect drug accounted for."""
    saved = complete(sae, coordinator)

    assert saved.amsacrine_causality == SaeCausality.POSSIBLE
    assert complete_values(sae.patient)["azacitidine_causality"] == SaeCausality.NOT_GIVEN
    assert CYCLE_1_ON < ONSET_ON
