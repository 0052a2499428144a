"""A biology specimen: one at screening (on or before the randomization), and re-testing at
an on-study relapse (after one is recorded); karyotype and mutations that agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

import protocol
from biology.models import KaryotypeResult, Specimen, SpecimenTimepoint
from biology.services import APL_WARNING, specimen_record, specimen_update
from tests.biology.builders import record_specimen, specimen_values
from tests.visits.builders import RANDOMIZED_ON, record_cycle, record_response

RELAPSE = SpecimenTimepoint.RELAPSE


def test_it_records_the_screening_specimen_with_its_mutations_and_vaf(ic_patient, coordinator):
    specimen = record_specimen(
        ic_patient,
        coordinator,
        mutated=("npm1", "flt3_itd"),
        npm1_vaf=Decimal("41.5"),
        flt3_itd_allelic_ratio=Decimal("0.62"),
    )
    assert (specimen.npm1, specimen.npm1_vaf) == ("detected", Decimal("41.5"))
    assert specimen.version == 1


def test_the_screening_specimen_is_collected_on_or_before_the_randomization(
    ic_patient, coordinator
):
    on_the_day = record_specimen(ic_patient, coordinator, collected_on=RANDOMIZED_ON)
    assert on_the_day.timepoint == SpecimenTimepoint.SCREENING
    on_the_day.delete()
    with pytest.raises(ValidationError) as refused:
        record_specimen(ic_patient, coordinator, collected_on=RANDOMIZED_ON + dt.timedelta(1))
    assert "on or before the randomization" in str(refused.value.message_dict["collected_on"])


def test_a_patient_has_one_screening_specimen(ic_patient, coordinator):
    record_specimen(ic_patient, coordinator)
    with pytest.raises(ValidationError) as refused:
        record_specimen(ic_patient, coordinator, collected_on=dt.date(2025, 3, 4))
    assert "already recorded" in str(refused.value.message_dict["timepoint"])


def test_re_testing_at_relapse_needs_a_relapse_recorded_on_or_before_it(ic_patient, coordinator):
    record_cycle(ic_patient, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_response(ic_patient, coordinator, dt.date(2025, 4, 10))  # CR
    with pytest.raises(ValidationError) as refused:
        record_specimen(
            ic_patient, coordinator, collected_on=dt.date(2025, 5, 2), timepoint=RELAPSE
        )
    assert "No relapse or progression is recorded" in str(refused.value.message_dict["timepoint"])

    record_response(
        ic_patient,
        coordinator,
        dt.date(2025, 5, 1),
        protocol.ResponseCategory.RELAPSE,
        marrow_blasts_pct=Decimal("30"),
    )
    relapse = record_specimen(
        ic_patient, coordinator, collected_on=dt.date(2025, 5, 2), timepoint=RELAPSE
    )
    assert relapse.timepoint == RELAPSE


def test_re_testing_at_relapse_is_refused_before_the_randomization(ic_patient, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_specimen(
            ic_patient, coordinator, collected_on=dt.date(2025, 3, 1), timepoint=RELAPSE
        )
    assert "before the randomization" in str(refused.value.message_dict["collected_on"])


def test_a_biology_specimen_is_recorded_only_for_a_randomized_patient(patient_a, coordinator):
    with pytest.raises(ValidationError) as refused:
        record_specimen(patient_a, coordinator)
    assert "not randomized" in str(refused.value.message_dict["patient"])


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"karyotype": KaryotypeResult.NORMAL, "monosomy_7": True}, "monosomy_7"),
        ({"karyotype": KaryotypeResult.FAILED, "karyotype_iscn": "", "t_8_21": True}, "t_8_21"),
        ({"karyotype": KaryotypeResult.ABNORMAL, "karyotype_iscn": ""}, "karyotype_iscn"),
        ({"karyotype": KaryotypeResult.FAILED, "karyotype_iscn": "46,XY[20]"}, "karyotype_iscn"),
        ({"tp53_vaf": Decimal("12")}, "tp53_vaf"),  # TP53 not detected
        ({"flt3_itd_allelic_ratio": Decimal("0.3")}, "flt3_itd_allelic_ratio"),
        ({"mutated": ("tp53",), "tp53_vaf": Decimal("100.5")}, "tp53_vaf"),
    ],
    ids=[
        "abnormality-in-a-normal-karyotype",
        "abnormality-in-a-failed-karyotype",
        "abnormal-without-ISCN",
        "failed-with-ISCN",
        "VAF-of-a-gene-not-detected",
        "ratio-without-FLT3-ITD",
        "VAF-above-100",
    ],
)
def test_the_karyotype_and_mutations_must_agree(ic_patient, coordinator, values, field):
    with pytest.raises(ValidationError) as refused:
        record_specimen(ic_patient, coordinator, **values)
    assert field in refused.value.message_dict
    assert not Specimen.objects.filter(patient=ic_patient).exists()


def test_a_t15_17_is_recorded_with_the_warning_that_apl_is_excluded(ic_patient, coordinator):
    saved = specimen_record(
        patient=ic_patient,
        user=coordinator,
        values=specimen_values(
            karyotype=KaryotypeResult.ABNORMAL,
            karyotype_iscn="46,XX,t(15;17)(q24.1;q21.2)[20]",
            t_15_17=True,
        ),
    )
    assert saved.warnings == (APL_WARNING,)
    assert "excludes" in APL_WARNING


def test_a_correction_needs_a_reason_and_the_version_read(ic_patient, coordinator):
    specimen = record_specimen(ic_patient, coordinator)
    corrected = specimen_update(
        specimen=specimen,
        user=coordinator,
        values={"npm1": protocol.MutationResult.DETECTED, "npm1_vaf": Decimal("38")},
        version=1,
        reason="NPM1 report received",
    ).record
    assert (corrected.npm1, corrected.version) == ("detected", 2)
    with pytest.raises(ValidationError):
        specimen_update(
            specimen=specimen,
            user=coordinator,
            values={"npm1_vaf": Decimal("40")},
            version=1,
            reason="typo",
        )


def test_only_the_site_s_data_entry_roles_record_biology(ic_patient, investigator):
    with pytest.raises(PermissionDenied):
        record_specimen(ic_patient, investigator)
