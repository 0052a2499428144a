"""Breadcrumbs on the SAE pages: a report sits under its patient's adverse events, its draft
and its submission under the report, each step but the last a link back."""

from __future__ import annotations

from django.urls import reverse

from tests.dashboard.test_breadcrumbs import _trail
from tests.safety.conftest import draft_of


def test_the_report_sits_under_the_patients_adverse_events(client, sae, coordinator):
    study_id = sae.patient.study_id

    assert _trail(client, coordinator, reverse("safety-sae-report", args=[sae.pk])) == [
        ("Trial", "/", False),
        (f"Patient {study_id}", f"/patients/{study_id}/", False),
        ("Adverse events", f"/patients/{study_id}/#timeline-adverse-events", False),
        (f"SAE · {study_id}", None, True),
    ]


def test_the_draft_sits_under_its_report(client, sae, coordinator):
    study_id = sae.patient.study_id
    draft = draft_of(sae)
    url = reverse("safety-sae-edit", args=[sae.pk, draft.number])

    assert _trail(client, coordinator, url) == [
        ("Trial", "/", False),
        (f"Patient {study_id}", f"/patients/{study_id}/", False),
        (f"SAE · {study_id}", f"/safety/sae/{sae.pk}/", False),
        (f"SAE {draft.display_label} · {study_id}", None, True),
    ]


def test_the_sponsor_assessment_sits_under_sponsor_safety(client, sae, pharmacovigilance):
    url = reverse("pharmacovigilance-case", args=[sae.pk])

    assert _trail(client, pharmacovigilance, url) == [
        ("Trial", "/", False),
        ("Sponsor safety", "/pharmacovigilance/", False),
        (f"SAE assessment · {sae.patient.study_id}", None, True),
    ]
