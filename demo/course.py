"""Demo data: a plausible clinical course after randomization, written through the services.

Cycles per regimen, response assessments, some transplants, the end of treatment and its
follow-up (most visits done, some missed, some left overdue), adverse events (some serious,
some still awaiting review) and deaths spread over time. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

import protocol
from accounts.models import User
from randomization.models import Randomization
from visits import services
from visits.models import AdverseEvent, FollowUpVisit

_DAY = dt.timedelta(days=1)
_AE_TERMS = (
    "Febrile neutropenia",
    "Sepsis",
    "Hyperglycemia",
    "Mucositis oral",
    "Lung infection",
    "Nausea",
    "Insomnia",
    "Hypokalemia",
)


class _PatientCourse:
    def __init__(
        self,
        rng: random.Random,
        randomization: Randomization,
        user: User,
        reviewer: User,
        today: dt.date,
    ):
        self.rng, self.user, self.reviewer, self.today = rng, user, reviewer, today
        self.patient = randomization.patient
        self.arm, self.regimen = randomization.arm, randomization.regimen
        self.randomized_on = timezone.localtime(randomization.randomized_at).date()
        # Survival in days, longer on average with dexamethasone (the demo's assumption).
        median = 420 if self.arm == protocol.Arm.DEX else 330
        self.death_on = self.randomized_on + dt.timedelta(
            days=int(rng.expovariate(0.693 / median)) + 12
        )

    def _alive_on(self, day: dt.date) -> bool:
        return day < self.death_on and day <= self.today

    def _cycle(self, start: dt.date, length: int) -> bool:
        end = start + dt.timedelta(days=length)
        if not self._alive_on(end):
            return False
        doses = (
            {"amsacrine_mg_m2": Decimal("360"), "cytarabine_mg_m2": Decimal("6000")}
            if self.regimen == protocol.Regimen.INTENSIVE
            else {"azacitidine_mg_m2": Decimal("525")}
        )
        dex = self.arm == protocol.Arm.DEX
        if self.rng.random() < 0.04:  # the occasional deviation, as in any real trial
            dex = not dex
        services.cycle_record(
            patient=self.patient,
            user=self.user,
            values={
                "started_on": start,
                "ended_on": end,
                **doses,
                "dexamethasone_given": dex,
                "dexamethasone_mg": Decimal("160") if dex else None,
            },
        )
        return True

    def _response(self, day: dt.date, responder: bool) -> str | None:
        if not self._alive_on(day):
            return None
        if responder:
            category = self.rng.choices(["CR", "CRi", "MLFS"], weights=[6, 3, 1])[0]
            values = {
                "marrow_blasts_pct": Decimal("2.0"),
                "circulating_blasts": False,
                "anc": Decimal("1.8") if category == "CR" else Decimal("0.6"),
                "platelets": Decimal("140") if category == "CR" else Decimal("60"),
                "transfusion_dependent": category != "CR",
            }
        else:
            category = "resistant"
            values = {
                "marrow_blasts_pct": Decimal(str(self.rng.randint(30, 80))),
                "circulating_blasts": True,
                "anc": Decimal("0.3"),
                "platelets": Decimal("20"),
                "transfusion_dependent": True,
            }
        services.response_record(
            patient=self.patient,
            user=self.user,
            values={
                "assessed_on": day,
                "category": category,
                "auer_rods": False,
                "extramedullary_disease": False,
                "mrd_negative": None,
                **values,
            },
        )
        return category

    def _adverse_event(self, onset: dt.date) -> AdverseEvent | None:
        if not self._alive_on(onset):
            return None
        grade = self.rng.choices([1, 2, 3, 4], weights=[2, 3, 4, 1])[0]
        resolved = onset + dt.timedelta(days=self.rng.randint(3, 20))
        event = services.adverse_event_record(
            patient=self.patient,
            user=self.user,
            values={
                "term": self.rng.choice(_AE_TERMS),
                "term_specified": "",
                "grade": grade,
                "serious": grade >= 3 and self.rng.random() < 0.6,
                "onset_on": onset,
                "resolved_on": resolved if self._alive_on(resolved) else None,
                "related_to_dexamethasone": self.rng.choice(protocol.Relatedness.values),
                "related_to_salvage": self.rng.choice(protocol.Relatedness.values),
                "action_taken": protocol.ActionTaken.NONE,
            },
        )
        if event.serious and self.rng.random() < 0.7:  # the rest await review on the dashboard
            services.adverse_event_review(event=event, user=self.reviewer)
        return event

    def run(self) -> None:
        rng = self.rng
        start = self.randomized_on + dt.timedelta(days=rng.randint(1, 4))
        plan = protocol.REGIMEN_PLANS[self.regimen]
        responder = rng.random() < (0.55 if self.arm == protocol.Arm.DEX else 0.45)
        length = 7 if self.regimen == protocol.Regimen.INTENSIVE else 6
        cycles = 0
        last_event = None
        while True:
            if not self._cycle(start, length):
                break
            cycles += 1
            last_event = start + dt.timedelta(days=length)
            if rng.random() < 0.35:
                self._adverse_event(start + dt.timedelta(days=rng.randint(2, 10)))
            if cycles == plan.response_after_cycle:
                category = self._response(start + dt.timedelta(days=26), responder)
                if category is None or category == "resistant":
                    break
                last_event = start + dt.timedelta(days=26)
            limit = plan.max_cycles or rng.randint(4, 9)
            if cycles >= limit:
                break
            start += dt.timedelta(days=rng.randint(30, 40))
        if last_event is None:
            return self._death()
        if responder and cycles >= plan.response_after_cycle and rng.random() < 0.3:
            hsct_on = last_event + dt.timedelta(days=rng.randint(20, 60))
            if self._alive_on(hsct_on):
                services.transplant_record(
                    patient=self.patient,
                    user=self.user,
                    values={
                        "transplanted_on": hsct_on,
                        "donor_type": rng.choice(protocol.DonorType.values),
                        "conditioning": rng.choice(protocol.Conditioning.values),
                    },
                )
                last_event = hsct_on
        eot_on = last_event + dt.timedelta(days=rng.randint(1, 10))
        if not self._alive_on(eot_on):
            return self._death()
        services.end_of_treatment_record(
            patient=self.patient,
            user=self.user,
            values={
                "ended_on": eot_on,
                "note": "",
                "reason": protocol.EndOfTreatmentReason.COMPLETED
                if responder
                else protocol.EndOfTreatmentReason.PROGRESSION,
            },
        )
        self._follow_up()
        self._death()

    def _follow_up(self) -> None:
        for visit in FollowUpVisit.objects.filter(patient=self.patient).order_by("month"):
            if visit.window_closes_on > self.today - 10 * _DAY:
                break
            if not self._alive_on(visit.target_on + 8 * _DAY):
                break
            roll = self.rng.random()
            if roll < 0.07:
                continue  # left overdue: the worklist shows it
            if roll < 0.12:
                services.followup_visit_miss(
                    visit=visit,
                    user=self.user,
                    version=None,
                    missed_reason="Patient could not be reached",
                )
                continue
            services.followup_visit_record(
                visit=visit,
                user=self.user,
                version=None,
                values={
                    "performed_on": visit.target_on + dt.timedelta(days=self.rng.randint(-7, 7)),
                    "vital_status": protocol.VitalStatus.ALIVE,
                    "disease_status": protocol.FollowUpDiseaseStatus.CONTINUING_REMISSION,
                    "new_therapy": "",
                    "transplant_since_last": False,
                },
            )

    def _death(self) -> None:
        if self.death_on > self.today:
            return
        fatal = None
        cause = self.rng.choices(protocol.DeathCause.values, weights=[70, 12, 8, 6, 4])[0]
        if cause == protocol.DeathCause.ADVERSE_EVENT:
            onset = max(self.death_on - dt.timedelta(days=5), self.randomized_on)
            fatal = services.adverse_event_record(
                patient=self.patient,
                user=self.user,
                values={
                    "term": "Sepsis",
                    "term_specified": "",
                    "grade": 4,
                    "serious": True,
                    "onset_on": onset,
                    "resolved_on": None,
                    "related_to_dexamethasone": protocol.Relatedness.POSSIBLE,
                    "related_to_salvage": protocol.Relatedness.PROBABLE,
                    "action_taken": protocol.ActionTaken.WITHDRAWN,
                },
            )
        services.off_study_record(
            patient=self.patient,
            user=self.user,
            values={
                "reason": protocol.OffStudyReason.DEATH,
                "event_on": self.death_on,
                "death_cause": cause,
                "data_use": "",
                "note": "",
            },
            fatal_adverse_event=fatal,
        )


def demo_courses_seed(*, rng: random.Random, coordinators: dict[int, User], reviewer: User) -> None:
    """Give every randomized demo patient a clinical course up to today."""
    today = timezone.localdate()
    for randomization in Randomization.objects.select_related("patient", "patient__site").order_by(
        "randomized_at"
    ):
        user = coordinators[randomization.patient.site.number]
        _PatientCourse(rng, randomization, user, reviewer, today).run()
