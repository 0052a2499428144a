"""The subgroup trial of tests/data/reference/subgroups_inputs.csv as analysis facts and OS rows."""

from __future__ import annotations

import datetime as dt

from endpoints.datasets import PatientFacts, TimeToEvent
from tests.endpoints.r_reference import rows

RANDOMIZED_ON = dt.date(2024, 1, 1)


def patient(
    study_id: str,
    *,
    arm: str,
    days: int,
    event: int,
    regimen: str = "intensive",
    disease_status: str = "relapsed",
    **baseline: str,
) -> tuple[PatientFacts, TimeToEvent]:
    """A randomized patient and their OS row (`days` from randomization, event 1 = death)."""
    facts = PatientFacts(
        study_id=study_id,
        site="01",
        arm=arm,
        regimen=regimen,
        disease_status=disease_status,
        sex="F",
        age=60,
        randomized_on=RANDOMIZED_ON,
        # FLT3_ITD stands for the gene's name, FLT3-ITD, which is not a Python name.
        baseline={"FLT3-ITD" if k == "FLT3_ITD" else k: v for k, v in baseline.items()},
    )
    end = RANDOMIZED_ON + dt.timedelta(days=days)
    row = TimeToEvent(study_id, "OS", RANDOMIZED_ON, end, days, event, "Death" if event else "")
    return facts, row


def subgroup_trial() -> tuple[list[TimeToEvent], dict[str, PatientFacts]]:
    """The committed subgroup trial (360 patients)."""
    built = [
        patient(
            r["patient_id"],
            arm=r["arm"],
            days=int(r["os_days"]),
            event=int(r["os_event"]),
            regimen=r["regimen"],
            disease_status=r["disease_status"],
            NPM1=r["npm1"],
            RUNX1=r["runx1"],
            FLT3_ITD=r["flt3_itd"],
            eln_risk=r["eln_risk"],
        )
        for r in rows("subgroups_inputs.csv")
    ]
    return [row for _, row in built], {facts.study_id: facts for facts, _ in built}
