"""A hand-made trial to freeze: recorded patients (EFS) and legacy outcomes (OS by arm)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pghistory
import pytest

import protocol
from datacuts import services
from datacuts.models import DataCut
from endpoints.models import ImportedOutcome
from randomization.services import patient_randomize
from tests.factories import screen_patient
from visits import services as visit_services

CUTOFF = dt.date(2025, 6, 1)
RANDOMIZED = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


def _induction(patient, user, arm: str) -> None:
    dex = arm == protocol.DEXAMETHASONE_ARM
    visit_services.cycle_record(
        patient=patient,
        user=user,
        values={
            "started_on": dt.date(2025, 3, 6),
            "ended_on": dt.date(2025, 3, 12),
            "amsacrine_mg_m2": Decimal("450"),
            "cytarabine_mg_m2": Decimal("3000"),
            "dexamethasone_given": dex,
            "dexamethasone_mg": Decimal("160") if dex else None,
        },
    )


def _response(patient, user, on: dt.date, category: str) -> None:
    remission = category in ("CR", "relapse")
    visit_services.response_record(
        patient=patient,
        user=user,
        values={
            "assessed_on": on,
            "category": category,
            "marrow_blasts_pct": Decimal("2") if category == "CR" else Decimal("40"),
            "anc": Decimal("1.5") if remission else Decimal("0.2"),
            "platelets": Decimal("150") if remission else Decimal("20"),
            "circulating_blasts": category != "CR",
            "auer_rods": False,
            "extramedullary_disease": False,
            "transfusion_dependent": category != "CR",
        },
    )


# Legacy outcomes (arm, regimen, randomized, died or last alive): both arms, both regimens,
# tied death days, censorings on a death day, a death on the day of randomization.
LEGACY = [
    ("dex", "intensive", "2023-01-10", "2023-07-10", None),
    ("dex", "intensive", "2023-02-01", "2023-08-01", None),
    ("dex", "intensive", "2023-03-15", None, "2025-05-30"),
    ("dex", "intensive", "2023-04-20", "2024-04-20", None),
    ("dex", "azacitidine", "2023-05-05", "2023-06-04", None),
    ("dex", "azacitidine", "2023-06-01", None, "2024-12-01"),
    ("dex", "azacitidine", "2023-07-07", "2023-07-07", None),
    ("dex", "intensive", "2023-09-09", None, "2025-04-01"),
    ("dex", "azacitidine", "2024-01-15", "2024-09-15", None),
    ("dex", "intensive", "2024-03-01", None, "2025-05-01"),
    ("dex", "azacitidine", "2024-06-01", "2024-08-30", None),
    ("dex", "intensive", "2024-08-01", None, "2025-01-28"),
    ("control", "intensive", "2023-01-20", "2023-04-20", None),
    ("control", "intensive", "2023-02-11", "2023-08-11", None),
    ("control", "intensive", "2023-03-01", "2023-05-30", None),
    ("control", "azacitidine", "2023-04-02", "2023-05-02", None),
    ("control", "azacitidine", "2023-05-20", "2023-07-19", None),
    ("control", "intensive", "2023-08-08", None, "2025-05-20"),
    ("control", "azacitidine", "2023-10-10", "2024-01-08", None),
    ("control", "intensive", "2024-01-05", "2024-07-03", None),
    ("control", "azacitidine", "2024-02-02", None, "2024-05-02"),
    ("control", "intensive", "2024-04-04", "2024-10-01", None),
    ("control", "azacitidine", "2024-07-07", None, "2025-03-15"),
    ("control", "intensive", "2024-09-09", "2024-12-08", None),
]


@pytest.fixture
def hand_made_trial(site_a, coordinator, data_manager, frozen_today):
    """Six patients recorded here (EFS events of every kind) and 24 legacy outcomes."""
    patients = [screen_patient(site=site_a, user=coordinator) for _ in range(6)]
    arms = {}
    for patient in patients:
        arms[patient.study_id] = patient_randomize(
            patient=patient, user=coordinator, regimen="intensive", randomized_at=RANDOMIZED
        ).arm
        _induction(patient, coordinator, arms[patient.study_id])
    died, relapsed, resistant, late_resistant, in_remission, _not_evaluated = patients
    _response(died, coordinator, dt.date(2025, 4, 2), "CR")
    visit_services.off_study_record(
        patient=died,
        user=coordinator,
        values={"reason": "death", "event_on": dt.date(2025, 5, 20), "death_cause": "leukaemia"},
    )
    _response(relapsed, coordinator, dt.date(2025, 4, 2), "CR")
    _response(relapsed, coordinator, dt.date(2025, 5, 15), "relapse")
    _response(resistant, coordinator, dt.date(2025, 4, 10), "resistant")
    _response(late_resistant, coordinator, dt.date(2025, 4, 12), "resistant")
    _response(in_remission, coordinator, dt.date(2025, 4, 5), "CR")
    with pghistory.context(user=data_manager.pk, reason="Legacy outcomes"):
        ImportedOutcome.objects.bulk_create(
            ImportedOutcome(
                subject_id=f"L-{i:03d}",
                site_number=90,
                arm=arm,
                regimen=regimen,
                randomized_on=dt.date.fromisoformat(randomized),
                death_on=dt.date.fromisoformat(died_on) if died_on else None,
                last_alive_on=dt.date.fromisoformat(died_on or alive_on),
                source="legacy.csv sha256:0",
                imported_by=data_manager,
            )
            for i, (arm, regimen, randomized, died_on, alive_on) in enumerate(LEGACY, 1)
        )
    return {"patients": patients, "arms": arms}


@pytest.fixture
def frozen_cut(hand_made_trial, statistician, settings, django_capture_on_commit_callbacks):
    """The hand-made trial frozen at CUTOFF, the worker run eagerly."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        cut = services.data_cut_freeze(user=statistician, cutoff=CUTOFF, label="DMC meeting 1")
    cut.refresh_from_db()
    assert cut.status == DataCut.Status.FROZEN, cut.error
    return cut


def package_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest_of(files: dict[str, bytes]) -> dict:
    return json.loads(files["manifest.json"])


@pytest.fixture
def small_cut(
    site_a, coordinator, statistician, frozen_today, settings, django_capture_on_commit_callbacks
):
    """A cut of a trial of one randomized patient: quick to freeze, for what the content
    does not decide (downloads, immutability)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    patient = screen_patient(site=site_a, user=coordinator)
    patient_randomize(
        patient=patient, user=coordinator, regimen="intensive", randomized_at=RANDOMIZED
    )
    with django_capture_on_commit_callbacks(execute=True):
        cut = services.data_cut_freeze(user=statistician, cutoff=CUTOFF, label="Small cut")
    cut.refresh_from_db()
    assert cut.status == DataCut.Status.FROZEN, cut.error
    return cut
