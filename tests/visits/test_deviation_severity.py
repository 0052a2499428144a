"""Every protocol deviation is major or minor, as the protocol declares for its kind.

Major: it may affect the randomized comparison, the primary endpoint or the patient's safety;
minor: recorded and reviewed, neither. A deviation keeps the severity it was found with; the
deviations recorded before severities existed were given theirs by a data migration.
"""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

import protocol
from visits.models import ProtocolDeviation

Kind = ProtocolDeviation.Kind
MAJOR, MINOR = protocol.DeviationSeverity.MAJOR, protocol.DeviationSeverity.MINOR
MIGRATION = importlib.import_module(
    "visits.migrations.0004_transplant_disease_status_deviation_severity"
)


def test_it_declares_a_severity_for_every_kind_of_deviation():
    assert set(protocol.DEVIATION_SEVERITIES) == set(Kind)
    assert {kind: kind.severity for kind in Kind} == {
        Kind.DEX_GIVEN_TO_CONTROL: MAJOR,
        Kind.DEX_MISSING: MAJOR,
        Kind.RANDOMIZED_INELIGIBLE: MAJOR,
        Kind.TRANSPLANT_UNCONTROLLED: MAJOR,
        Kind.AZACITIDINE_AFTER_PROGRESSION: MINOR,
        Kind.CONSOLIDATION_NOT_IN_RESPONSE: MAJOR,
    }


def test_the_data_migration_gives_the_deviations_found_before_it_the_severity_of_their_kind(
    patient_a,
):
    found_before = [
        ProtocolDeviation.objects.create(
            patient=patient_a, kind=kind, severity="", description=f"Found before: {kind.label}"
        )
        for kind in (Kind.DEX_GIVEN_TO_CONTROL, Kind.DEX_MISSING, Kind.RANDOMIZED_INELIGIBLE)
    ]

    MIGRATION.existing_deviations_get_their_severity(apps, None)

    for deviation in found_before:
        deviation.refresh_from_db()
        assert deviation.severity == protocol.DEVIATION_SEVERITIES[Kind(deviation.kind)]


@pytest.mark.parametrize("kind", list(MIGRATION.SEVERITY_OF_EXISTING_KINDS))
def test_the_data_migration_agrees_with_the_protocol_on_the_kinds_it_knew(kind):
    assert MIGRATION.SEVERITY_OF_EXISTING_KINDS[kind] == Kind(kind).severity
