"""The test databases are copies of a template migrated from the code as it stands
(tests/database_template.py): a change to the code a migration builds from builds a new
template; a change to the tests or the benchmarks does not."""

from __future__ import annotations

import os

from django.db import connection

from tests import database_template


def _tree(root):
    (root / "visits" / "migrations").mkdir(parents=True)
    (root / "visits" / "models.py").write_text("class Visit: ...\n")
    (root / "visits" / "migrations" / "0001_initial.py").write_text("operations = []\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_visits.py").write_text("def test_it(): ...\n")
    (root / "bench").mkdir()
    (root / "bench" / "load.py").write_text("USERS = 20\n")


def test_a_change_to_a_model_or_a_migration_builds_a_new_template(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.setattr(database_template, "ROOT", tmp_path)
    first = database_template.code_key()

    (tmp_path / "visits" / "models.py").write_text("class Visit:\n    month = 3\n")
    after_model = database_template.code_key()
    (tmp_path / "visits" / "migrations" / "0002_month.py").write_text("operations = [1]\n")
    after_migration = database_template.code_key()

    assert len({first, after_model, after_migration}) == 3


def test_a_change_to_the_tests_or_the_benchmarks_keeps_the_template(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.setattr(database_template, "ROOT", tmp_path)
    first = database_template.code_key()

    (tmp_path / "tests" / "test_visits.py").write_text("def test_it(): assert True\n")
    (tmp_path / "bench" / "load.py").write_text("USERS = 40\n")

    assert database_template.code_key() == first


def test_this_run_s_database_was_copied_from_the_template_of_this_code(db):
    template = os.environ[database_template.ENVIRONMENT]

    assert template == database_template.PREFIX + database_template.code_key()
    assert connection.settings_dict["TEST"]["TEMPLATE"] == template
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        assert cursor.fetchone() == (1,)
