"""`manage.py import_outcomes FILE.csv --user USERNAME` brings legacy outcomes in, every row or
none, naming the importer in the audit trail; `outcomes_import` is the same command."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from pghistory.models import Events

from endpoints.management.commands import import_outcomes
from endpoints.models import ImportedOutcome
from tests.endpoints.r_reference import REFERENCE

TRIAL = str(REFERENCE / "trial_n300.csv")


def run(*arguments: str) -> str:
    out = io.StringIO()
    call_command(*arguments, stdout=out)
    return out.getvalue()


def test_it_imports_every_outcome_and_the_trail_names_who_and_from_which_file(data_manager):
    assert "Imported 300 outcomes" in run("import_outcomes", TRIAL, "--user", "dm")

    first = ImportedOutcome.objects.get(subject_id="P00300-000001")
    assert (first.arm, first.regimen, first.site_number) == ("control", "intensive", 3)
    assert str(first.death_on) == "2021-12-19"
    assert ImportedOutcome.objects.filter(imported_by=data_manager).count() == 300
    [inserted] = Events.objects.tracks(first)
    assert inserted.pgh_context["user"] == data_manager.pk
    assert inserted.pgh_context["reason"].startswith("Outcomes imported from trial_n300.csv")


def test_outcomes_import_is_the_same_command_under_its_former_name(data_manager):
    alias = load_command_class("endpoints", "outcomes_import")

    assert isinstance(alias, import_outcomes.Command)
    assert "Imported 300 outcomes" in run("outcomes_import", TRIAL, "--user", "dm")


def test_it_asks_who_imports_and_imports_nothing_without_an_account(data_manager):
    with pytest.raises(CommandError, match="Say who imports: --user USERNAME"):
        run("import_outcomes", TRIAL)
    with pytest.raises(CommandError, match="No account 'nobody'"):
        run("import_outcomes", TRIAL, "--user", "nobody")

    assert not ImportedOutcome.objects.exists()


def test_it_refuses_a_file_with_a_bad_line_listing_why_and_imports_nothing(data_manager, tmp_path):
    bad = tmp_path / "legacy.csv"
    bad.write_text(
        "patient_id,arm,regimen,site,randomized_on,death_on,last_alive_on,hsct_on\n"
        "A1,dex,intensive,S03,2024-01-10,,2024-05-01,\n"
        "A2,dex,intensive,S03,2024-01-11,,2024-13-01,\n"
    )

    with pytest.raises(CommandError, match=r"line 3: last_alive_on '2024-13-01' is not a date"):
        run("import_outcomes", str(bad), "--user", "dm")
    assert not ImportedOutcome.objects.exists()


def test_it_refuses_to_import_the_same_patients_twice(data_manager):
    run("import_outcomes", TRIAL, "--user", "dm")

    with pytest.raises(CommandError, match="Already imported: P00300-000001"):
        run("import_outcomes", TRIAL, "--user", "dm")
    assert ImportedOutcome.objects.count() == 300


def test_it_refuses_a_missing_file(data_manager, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run("import_outcomes", str(tmp_path / "absent.csv"), "--user", "dm")
