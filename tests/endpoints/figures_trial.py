"""A hand-made trial for the figure tests: patients randomized over two years, each dying or
last seen alive, the arms alike; the analysis and figures computed as the worker does."""

from __future__ import annotations

import datetime as dt
import random
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from endpoints.analysis import analysis_compute
from endpoints.datasets import PatientFacts, TimeToEvent, time_to_event_rows

SVG = "{http://www.w3.org/2000/svg}"
MONTH = 365.25 / 12  # days: a twelfth of a Julian year
FIRST_RANDOMIZED = dt.date(2023, 1, 2)
STRATA = ["regimen", "disease_status"]


def facts(*, patients: int = 80, accrual_days: int = 700, cutoff: dt.date, seed: int = 2018):
    """Patients alternating between the arms; about nine in ten die within the follow-up.
    Every fifth one shares the previous patient's follow-up, so deaths and censorings tie."""
    draw = random.Random(seed)
    built, previous = [], (None, None)
    for i in range(patients):
        arm = "dex" if i % 2 else "control"
        randomized_on = FIRST_RANDOMIZED + dt.timedelta(days=draw.randint(0, accrual_days))
        survival = int(draw.expovariate(1 / 380))
        seen = draw.randint(20, 900)
        if i % 5 == 4 and previous[0] is not None:
            randomized_on, (survival, seen) = previous[0], previous[1]
        previous = (randomized_on, (survival, seen))
        dies = draw.random() < 0.9
        built.append(
            PatientFacts(
                study_id=f"03-{i + 1:03d}",
                site="03",
                arm=arm,
                regimen=draw.choice(["intensive", "azacitidine"]),
                disease_status=draw.choice(["relapsed", "refractory"]),
                sex="F",
                age=62,
                randomized_on=randomized_on,
                contact_dates=[randomized_on + dt.timedelta(days=min(survival, seen))],
                death_on=randomized_on + dt.timedelta(days=survival) if dies else None,
            )
        )
    return [f for f in built if f.randomized_on <= cutoff]


@dataclass(frozen=True)
class Analysed:
    facts: list[PatientFacts]
    cutoff: dt.date
    results: dict

    def os_rows(self, arm: str | None = None) -> list[TimeToEvent]:
        arms = {f.study_id: f.arm for f in self.facts}
        return [
            r
            for r in time_to_event_rows(self.facts, self.cutoff)
            if r.parameter == "OS" and arm in (None, arms[r.study_id])
        ]


def analysed(*, cutoff: dt.date = dt.date(2025, 6, 1), **kwargs) -> Analysed:
    """The standard analysis of the hand-made trial at `cutoff`."""
    patients = facts(cutoff=cutoff, **kwargs)
    return Analysed(patients, cutoff, analysis_compute(patients, cutoff, STRATA))


def texts(svg: str | bytes, group_id: str) -> list[ET.Element]:
    """The <text> elements inside the SVG group of this id (matplotlib's gid)."""
    root = ET.fromstring(svg)
    for group in root.iter(f"{SVG}g"):
        if group.get("id") == group_id:
            return list(group.iter(f"{SVG}text"))
    return []


def x_tick_labels(svg: str | bytes, axes_id: str = "survival") -> list[ET.Element]:
    """The x tick labels of the axes of this id, left to right."""
    root = ET.fromstring(svg)
    axes = next(g for g in root.iter(f"{SVG}g") if g.get("id") == axes_id)
    labels = [
        text
        for group in axes.iter(f"{SVG}g")
        if (group.get("id") or "").startswith("xtick_")
        for text in group.iter(f"{SVG}text")
    ]
    return sorted(labels, key=lambda text: float(text.get("x", 0)))


def all_text(svg: str | bytes) -> list[str]:
    """Every text of the figure, as a reader sees it."""
    return [text.text or "" for text in ET.fromstring(svg).iter(f"{SVG}text")]
