"""The demo trial holds MRD assessments entered through the service: negative and positive
ones by flow, at the protocol evaluation of responders, none dated after today; and events
after the allo-HSCT (acute GVHD, DLI)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

import protocol
from demo.trial import DEFAULT_SEED, demo_trial_seed
from visits.models import MrdAssessment, PostTransplantEvent, Transplant


def test_the_demo_responders_have_flow_mrd_both_negative_and_positive(db):
    with time_machine.travel(dt.datetime(2025, 6, 2, 8, 0, tzinfo=dt.UTC), tick=False):
        demo_trial_seed(patients=60, seed=DEFAULT_SEED)

        flow = MrdAssessment.objects.filter(method=protocol.MrdMethod.FLOW)
        assert flow.filter(negative=True).exists()
        assert flow.filter(negative=False).exists()
        assert not MrdAssessment.objects.filter(assessed_on__gt=timezone.localdate()).exists()
        # What followed the transplants: GVHD and DLI, each linked to the first HSCT.
        assert Transplant.objects.exists()
        assert set(PostTransplantEvent.objects.values_list("after_hsct", flat=True)) == {1}
        assert PostTransplantEvent.objects.filter(
            kind=protocol.TransplantEventKind.ACUTE_GVHD
        ).exists()
