"""Demo data: each randomized patient's clinical course up to today, through the services.

Cycles per regimen (the latest still open), response assessments, some transplants, the end
of treatment and its follow-up (most visits done, some missed, some left overdue, those of
this month due), relapses, adverse events (the recent serious ones awaiting review), deaths
and a few patients leaving the study.

Each patient's course comes from a random source of its own, seeded with the demo's seed and
the study ID, and no draw depends on the arm: two runs with the same seed give every patient
the same course whatever arm the concealed sequence gave them. The one thing that follows the
arm is the dexamethasone given with each cycle (with the occasional deviation, drawn without
looking at the arm). So the demo has no treatment effect: any difference between its arms is
chance, as it should be for made-up data.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

import protocol
from accounts.models import User
from demo.batches import batches
from randomization.models import Randomization
from visits import services
from visits.ctcae import allowed_grades
from visits.models import AdverseEvent, FollowUpVisit
from visits.state import patient_records_held

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
_NEW_THERAPIES = ("Venetoclax + azacitidine", "Gilteritinib", "Best supportive care", "")
# Serious adverse events younger than this are still waiting for their review.
SAE_REVIEW_DAYS = 14


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


class _PatientCourse:
    """One randomized patient's course, drawn from `rng` without regard to the arm."""

    def __init__(
        self,
        *,
        rng: random.Random,
        randomization: Randomization,
        user: User,
        reviewer: User,
        today: dt.date,
    ):
        self.rng, self.user, self.reviewer, self.today = rng, user, reviewer, today
        self.patient = randomization.patient
        self.dex_arm = randomization.arm == protocol.DEXAMETHASONE_ARM
        self.plan = protocol.REGIMEN_PLANS[randomization.regimen]
        self.intensive = self.plan.regimen == protocol.Regimen.INTENSIVE
        self.randomized_on = timezone.localtime(randomization.randomized_at).date()
        self.responder = rng.random() < 0.5
        # Survival in days from randomization: longer after a response (never by arm).
        median = 720 if self.responder else 240
        self.death_on = self.randomized_on + _days(12 + int(rng.expovariate(math.log(2) / median)))
        # Most responders relapse some weeks before they die; the others die in remission.
        relapse_on = self.death_on - _days(rng.randint(40, 150))
        self.relapse_on = relapse_on if rng.random() < 0.7 else None
        leaving = rng.random()
        self.leaves = (
            protocol.OffStudyReason.CONSENT_WITHDRAWN
            if leaving < 0.03
            else protocol.OffStudyReason.LOST_TO_FOLLOW_UP
            if leaving < 0.06
            else None
        )
        leaves_on = self.randomized_on + _days(rng.randint(90, 600))
        self.leaves_on = leaves_on if self.leaves and leaves_on < self.death_on else None
        # The patient's story stops at death or on leaving the study: nothing is dated later.
        self.stops_on = self.leaves_on or self.death_on
        # A death reaches the casebook some days after it happened.
        self.death_known = self.leaves_on is None and self.death_on <= today - _days(
            rng.randint(0, 21)
        )
        self.leaving_known = self.leaves_on is not None and self.leaves_on <= today
        self.best_response: str | None = None
        self.transplanted = False
        self.open_cycle = False
        self.end_of_treatment_on: dt.date | None = None

    def _known(self, day: dt.date) -> bool:
        """True when something dated `day` has happened and can be in the casebook."""
        return day <= self.today and day < self.stops_on

    # --- Treatment ---------------------------------------------------------------------

    def _cycle(self, start: dt.date, end: dt.date | None) -> None:
        doses = (
            {"amsacrine_mg_m2": Decimal("360"), "cytarabine_mg_m2": Decimal("6000")}
            if self.intensive
            else {"azacitidine_mg_m2": Decimal("525")}
        )
        deviation = self.rng.random() < 0.04  # the occasional deviation, as in any real trial
        dex = self.dex_arm != deviation
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

    def _response(self, day: dt.date) -> None:
        if self.responder:
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
        self.best_response = category

    def _adverse_event(self, onset: dt.date) -> None:
        rng = self.rng
        grade = rng.choices([1, 2, 3, 4], weights=[2, 3, 4, 1])[0]
        serious = grade >= 3 and rng.random() < 0.6
        resolved = onset + _days(rng.randint(3, 20))
        term = rng.choice(_AE_TERMS)
        related = (rng.choice(protocol.RELATEDNESS_JUDGED), rng.choice(protocol.RELATEDNESS_JUDGED))
        if not self._known(onset):
            return
        # Into the grades CTCAE v5.0 has for the term, short of a death (febrile neutropenia
        # starts at 3, nausea stops at 3).
        grades = [g for g in allowed_grades(term) if g < protocol.FATAL_GRADE]
        grade = min(max(grade, grades[0]), grades[-1])
        event = services.adverse_event_record(
            patient=self.patient,
            user=self.user,
            values={
                "term": term,
                "term_specified": "",
                "grade": grade,
                "serious": serious,
                "onset_on": onset,
                "resolved_on": resolved if self._known(resolved) else None,
                "related_to_dexamethasone": self._dexamethasone_relatedness(onset, related[0]),
                "related_to_salvage": related[1],
                "action_taken": protocol.ActionTaken.NONE,
            },
        )
        self._sae_review(event)

    def _dexamethasone_relatedness(self, onset: dt.date, judged: str) -> str:
        """The investigator's judgement, or "not applicable" for a control-arm patient who
        received no dexamethasone before the onset (the only answer then)."""
        exposed = self.patient.cycles.filter(
            dexamethasone_given=True, started_on__lte=onset
        ).exists()
        if self.dex_arm or exposed:
            return judged
        return protocol.Relatedness.NOT_APPLICABLE

    def _sae_review(self, event: AdverseEvent) -> None:
        """Review a serious event unless it is recent (or, now and then, overlooked)."""
        overlooked = self.rng.random() < 0.1
        recent = event.onset_on > self.today - _days(SAE_REVIEW_DAYS)
        if event.serious and not recent and not overlooked:
            services.adverse_event_review(event=event, user=self.reviewer)

    def _treatment(self) -> tuple[dt.date, str] | None:
        """Record the cycles, the response and any allo-HSCT up to today.

        Return the end of treatment (date and reason) once the treatment is over, or None
        while it goes on (a cycle open, the next one or the response still to come) or when
        the patient's story stopped first.
        """
        rng, plan = self.rng, self.plan
        if self.intensive:  # 1 induction, then up to 3 consolidations for responders
            planned = 1 + (rng.choice([1, 2, 3]) if self.responder else 0)
        else:  # azacitidine until progression: 3 cycles before the response, more if it works
            planned = rng.randint(5, 14) if self.responder else plan.response_after_cycle
        # Now and then the induction's response is not entered: an automatic query asks.
        response_not_entered = self.intensive and rng.random() < 0.06
        start = self.randomized_on + _days(rng.randint(1, 4))
        last_on = start
        for number in range(1, planned + 1):
            end = start + _days(6)
            entry_lag = rng.randint(0, 10)  # days before the site records the cycle's end
            ae_onset = start + _days(rng.randint(2, 12)) if rng.random() < 0.35 else None
            if not self._known(start) or end >= self.stops_on:
                return None
            # Still running, or ended but not yet recorded: the cycle stays open today.
            story_over = self.death_known or self.leaving_known
            self.open_cycle = end + _days(entry_lag) > self.today and not story_over
            self._cycle(start, None if self.open_cycle else end)
            if ae_onset is not None:
                self._adverse_event(ae_onset)
            if self.open_cycle:
                return None
            last_on = end
            if number == plan.response_after_cycle:
                assessed_on = start + _days(rng.randint(24, 32) if self.intensive else 21)
                if response_not_entered or not self._known(assessed_on):
                    return None
                self._response(assessed_on)
                last_on = assessed_on
                if not self.responder:  # resistant disease: treatment stops
                    ended_on = last_on + _days(rng.randint(3, 14))
                    return ended_on, protocol.EndOfTreatmentReason.PROGRESSION
            start += _days(rng.randint(35, 45) if self.intensive else rng.randint(28, 35))
        if rng.random() < 0.35:  # allo-HSCT for a responder, then treatment ends
            transplanted_on = last_on + _days(rng.randint(20, 60))
            donor = rng.choice(protocol.DonorType.values)
            conditioning = rng.choice(protocol.Conditioning.values)
            if not self._known(transplanted_on):
                return None
            services.transplant_record(
                patient=self.patient,
                user=self.user,
                values={
                    "transplanted_on": transplanted_on,
                    "donor_type": donor,
                    "conditioning": conditioning,
                },
            )
            self.transplanted = True
            return transplanted_on, protocol.EndOfTreatmentReason.HSCT
        reason = (
            protocol.EndOfTreatmentReason.COMPLETED
            if self.intensive
            else rng.choices(
                [
                    protocol.EndOfTreatmentReason.PROGRESSION,
                    protocol.EndOfTreatmentReason.TOXICITY,
                    protocol.EndOfTreatmentReason.INVESTIGATOR,
                ],
                weights=[6, 2, 2],
            )[0]
        )
        return last_on + _days(rng.randint(7, 21)), reason

    def _end_of_treatment(self, on: dt.date, reason: str) -> None:
        services.end_of_treatment_record(
            patient=self.patient,
            user=self.user,
            values={"ended_on": on, "reason": reason, "note": ""},
        )
        self.end_of_treatment_on = on

    # --- Follow-up ---------------------------------------------------------------------

    def _relapses_in_follow_up(self) -> bool:
        """True when the patient relapses from a remission after the end of treatment; the
        relapse is then recorded as a response assessment, and the visits after it say so."""
        return (
            self.best_response in protocol.REMISSION_RESPONSES
            and self.relapse_on is not None
            and self.end_of_treatment_on is not None
            and self.relapse_on > self.end_of_treatment_on
        )

    def _visit_done(self, visit: FollowUpVisit, on: dt.date) -> None:
        Status = protocol.FollowUpDiseaseStatus
        if not self.responder:
            status, therapy = Status.PERSISTENT, self.rng.choice(_NEW_THERAPIES)
        elif self.relapse_on is None or on < self.relapse_on:
            status, therapy = Status.CONTINUING_REMISSION, ""
        elif self._relapses_in_follow_up():
            status, therapy = Status.RELAPSE, self.rng.choice(_NEW_THERAPIES)
        else:
            status, therapy = Status.PROGRESSION, self.rng.choice(_NEW_THERAPIES)
        services.followup_visit_record(
            visit=visit,
            user=self.user,
            version=None,
            values={
                "performed_on": on,
                "vital_status": protocol.VitalStatus.ALIVE,
                "disease_status": status,
                "new_therapy": therapy,
                "transplant_since_last": False,
            },
        )

    def _follow_up(self) -> None:
        """Fill in the visits of the schedule the end of treatment built, up to today."""
        rng = self.rng
        for visit in FollowUpVisit.objects.filter(patient=self.patient).order_by("month"):
            if visit.window_opens_on > self.today or visit.window_closes_on >= self.stops_on:
                break
            roll = rng.random()
            on = visit.target_on + _days(rng.randint(-10, 10))
            if visit.window_closes_on >= self.today:  # its window is open: due this month
                if roll < 0.4 and on <= self.today:
                    self._visit_done(visit, on)
                continue
            if roll < 0.07:
                continue  # left overdue: the worklist shows it, an automatic query follows
            if roll < 0.11:
                services.followup_visit_miss(
                    visit=visit,
                    user=self.user,
                    version=None,
                    missed_reason="Patient could not be reached",
                )
            elif roll < 0.13:  # done well after its window: an automatic query asks why
                late = visit.window_closes_on + _days(rng.randint(22, 35))
                if self._known(late):
                    self._visit_done(visit, late)
            else:
                self._visit_done(visit, on)

    def _relapse(self) -> None:
        """Record a relapse after remission once it has happened (a response assessment)."""
        relapse_on = self.relapse_on
        if relapse_on is None or not self._relapses_in_follow_up() or not self._known(relapse_on):
            return
        services.response_record(
            patient=self.patient,
            user=self.user,
            values={
                "assessed_on": relapse_on,
                "category": protocol.ResponseCategory.RELAPSE,
                "marrow_blasts_pct": Decimal(str(self.rng.randint(10, 60))),
                "circulating_blasts": True,
                "auer_rods": False,
                "extramedullary_disease": False,
                "anc": Decimal("0.4"),
                "platelets": Decimal("35"),
                "transfusion_dependent": True,
                "mrd_negative": None,
            },
        )

    # --- Leaving the study -------------------------------------------------------------

    def _leave(self, on: dt.date) -> None:
        """Consent withdrawn or lost to follow-up, on the day the patient's story stops."""
        withdrawn = self.leaves == protocol.OffStudyReason.CONSENT_WITHDRAWN
        if withdrawn and self.end_of_treatment_on is None and not self.open_cycle:
            self._end_of_treatment(on, protocol.EndOfTreatmentReason.WITHDRAWAL)
        services.off_study_record(
            patient=self.patient,
            user=self.user,
            values={
                "reason": self.leaves,
                "event_on": on,
                "death_cause": "",
                "data_use": protocol.WithdrawnDataUse.UNTIL_WITHDRAWAL if withdrawn else "",
                "note": "",
            },
        )

    def _death(self) -> None:
        rng = self.rng
        roll = rng.random()
        if self.transplanted and roll < 0.3:
            cause = protocol.DeathCause.TRANSPLANT
        elif roll < 0.42:
            cause = protocol.DeathCause.ADVERSE_EVENT
        elif not self.responder or self.relapse_on is not None:
            cause = protocol.DeathCause.LEUKAEMIA
        else:  # died in remission
            cause = rng.choice([protocol.DeathCause.OTHER, protocol.DeathCause.UNKNOWN])
        fatal = None
        if cause == protocol.DeathCause.ADVERSE_EVENT:
            onset = max(self.death_on - _days(rng.randint(2, 8)), self.randomized_on)
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
                    "related_to_dexamethasone": self._dexamethasone_relatedness(
                        onset, protocol.Relatedness.POSSIBLE
                    ),
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
        if fatal is not None:
            self._sae_review(fatal)
        if self.end_of_treatment_on is None:  # died on treatment
            self._end_of_treatment(self.death_on, protocol.EndOfTreatmentReason.DEATH)

    def run(self) -> None:
        ended = self._treatment()
        if ended is not None:
            on, reason = ended
            recorded_by = on + _days(self.rng.randint(0, 14))  # the site's delay in entering it
            if self._known(recorded_by):
                self._end_of_treatment(on, reason)
                self._follow_up()
                self._relapse()
        if self.death_known:
            self._death()
        elif self.leaving_known and self.leaves_on is not None:
            self._leave(self.leaves_on)


def demo_courses_seed(
    *, seed: int, coordinators: dict[int, User], reviewer: User, today: dt.date
) -> None:
    """Give every randomized demo patient a clinical course up to today."""
    randomizations = Randomization.objects.select_related("patient", "patient__site").order_by(
        "randomized_at", "patient__study_id"
    )
    for batch in batches(randomizations):
        with transaction.atomic():
            for randomization in batch:
                patient = randomization.patient
                user = coordinators[patient.site.number]
                # One permission check, row lock and data-lock check for the patient's writes.
                with transaction.atomic(), patient_records_held(patient, user):
                    _PatientCourse(
                        rng=random.Random(f"{seed}:{patient.study_id}"),
                        randomization=randomization,
                        user=user,
                        reviewer=reviewer,
                        today=today,
                    ).run()
