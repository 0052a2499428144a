"""Every change of an SAE report, from its opening to a follow-up, is in the audit trail
with who made it and why."""

from __future__ import annotations

from pghistory.models import Events

from safety.services import sae_follow_up_start
from tests.safety.conftest import complete, submit


def test_every_change_of_an_sae_names_its_author_and_reason(
    sae, coordinator, investigator, signing_request
):
    complete(sae, coordinator)
    submit(sae, investigator, signing_request)
    sae_follow_up_start(report=sae, user=coordinator)

    tracked = [sae, *sae.versions.all()]
    events = sorted(
        (e for record in tracked for e in Events.objects.tracks(record)),
        key=lambda e: e.pgh_created_at,
    )
    trail = [(e.pgh_label, e.pgh_context["user"], e.pgh_context["reason"]) for e in events]

    assert trail == [
        ("insert", coordinator.pk, "SAE opened"),
        ("insert", coordinator.pk, "Initial report drafted"),
        ("update", coordinator.pk, "Draft of the initial report saved"),
        (
            "update",
            investigator.pk,
            f"Initial report submitted: signed by {investigator.get_full_name() or 'inv_a'}",
        ),
        ("update", investigator.pk, "Initial report received by the sponsor"),
        ("insert", coordinator.pk, "Follow-up report started"),
    ]
