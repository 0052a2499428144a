"""Pharmacovigilance enters a new RSI version (drug, document, effective date, expected
reactions); never retroactive, one per drug and day, audited; other roles read the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pghistory.models import Events

from pharmacovigilance.models import ReferenceSafetyInformation
from pharmacovigilance.selectors import rsi_in_force
from pharmacovigilance.services import rsi_version_enter

TODAY = dt.date(2025, 6, 2)  # the suite's frozen today
PAGE = reverse("pharmacovigilance-rsi")


def _enter(user, **overrides):
    values = {
        "drug": "dexamethasone",
        "document": "SmPC Dexamethasone Mylan 4 mg, rev. 2025-06",
        "effective_from": TODAY + dt.timedelta(days=7),
        "terms": ["Hyperglycemia", "Psychosis"],
        "system_organ_classes": ["Infections and infestations"],
    }
    values.update(overrides)
    return rsi_version_enter(user=user, **values)


def test_it_enters_a_version_in_force_from_its_date_and_audited(pharmacovigilance, frozen_today):
    rsi = _enter(pharmacovigilance)

    assert {str(r) for r in rsi.expected_reactions.all()} == {
        "Hyperglycemia",
        "Psychosis",
        "Infections and infestations (whole class)",
    }
    assert rsi_in_force("dexamethasone", on=TODAY).document.endswith("rev. 2024-03")
    assert rsi_in_force("dexamethasone", on=TODAY + dt.timedelta(days=7)) == rsi
    event = Events.objects.tracks(rsi).get()
    assert event.pgh_context["user"] == pharmacovigilance.pk


def test_it_is_never_retroactive_and_one_per_drug_and_day(pharmacovigilance, frozen_today):
    with pytest.raises(ValidationError) as past:
        _enter(pharmacovigilance, effective_from=TODAY - dt.timedelta(days=1))
    assert "effective_from" in past.value.message_dict

    _enter(pharmacovigilance)
    with pytest.raises(ValidationError) as twice:
        _enter(pharmacovigilance, document="Another document")
    assert "effective_from" in twice.value.message_dict


def test_its_reactions_are_ctcae_terms_or_classes(pharmacovigilance, frozen_today):
    with pytest.raises(ValidationError) as refused:
        _enter(pharmacovigilance, terms=["Moon sickness"], system_organ_classes=["Unknown"])

    assert set(refused.value.message_dict) == {"terms", "system_organ_classes"}
    with pytest.raises(ValidationError):
        _enter(pharmacovigilance, terms=[], system_organ_classes=[])
    assert ReferenceSafetyInformation.objects.count() == 4  # the four seeded


@pytest.mark.parametrize("role_fixture", ["sponsor", "data_manager", "investigator"])
def test_only_pharmacovigilance_enters_one(request, role_fixture, frozen_today):
    with pytest.raises(PermissionDenied):
        _enter(request.getfixturevalue(role_fixture))


def test_the_page_enters_a_version_and_keeps_what_was_typed_when_refused(
    client, pharmacovigilance, sponsor, frozen_today
):
    client.force_login(pharmacovigilance)
    typed = {
        "drug": "cytarabine",
        "document": "SmPC Cytarabine Hospira, rev. 2025-05",
        "effective_from": "2025-05-01",
        "terms": ["Pneumonitis"],
    }

    refused = client.post(PAGE, typed)
    assert refused.status_code == 400
    assert refused.context["form"]["document"].value() == typed["document"]
    assert "effective_from" in refused.context["form"].errors

    assert client.post(PAGE, {**typed, "effective_from": "2025-06-02"}).status_code == 302
    assert rsi_in_force("cytarabine", on=TODAY).document == typed["document"]

    client.force_login(sponsor)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {**typed, "effective_from": "2025-06-03"}).status_code == 403
