"""The French catalogue is complete: every message of the code has its French translation.

The messages are extracted as `make messages` does (Django's makemessages, in a copy of the
code so the test changes nothing), then compared with locale/fr: a message added to the code
and not translated fails here, and so does a fuzzy or stale entry or an out-of-date .mo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# Not the interface's code: left out of the copy, as `make messages` ignores them.
NOT_CODE = {".venv", ".git", "node_modules", "staticfiles", "tests", "bench", "locale", ".pgdata"}

needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="GNU gettext is not installed (make gettext)",
)


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """The messages of the code today, extracted from a copy of it."""
    copy = tmp_path_factory.mktemp("code")
    for entry in ROOT.iterdir():
        if entry.name in NOT_CODE or entry.name.startswith("."):
            continue
        if entry.is_dir():
            shutil.copytree(
                entry, copy / entry.name, ignore=shutil.ignore_patterns("vendor", "locale")
            )
        else:
            shutil.copy2(entry, copy / entry.name)
    (copy / "locale").mkdir()
    environment = {**os.environ, "DEBUG": "true", "DATABASE_URL": "postgres://127.0.0.1/unused"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-wrap"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    return polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


@needs_gettext
def test_it_translates_every_message_of_the_code_into_french(extracted, catalogue):
    translated = {_key(entry) for entry in catalogue.translated_entries()}

    missing = [entry.msgid for entry in extracted if _key(entry) not in translated]

    assert not missing, f"{len(missing)} messages without a French translation: {missing[:20]}"


def test_it_holds_no_untranslated_fuzzy_or_obsolete_message(catalogue):
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []


@needs_gettext
def test_it_holds_no_message_the_code_no_longer_has(extracted, catalogue):
    in_code = {_key(entry) for entry in extracted}

    stale = [entry.msgid for entry in catalogue if _key(entry) not in in_code]

    assert not stale, f"{len(stale)} messages no longer in the code (make messages): {stale[:20]}"


@needs_gettext
def test_its_translations_keep_the_placeholders_of_the_english():
    checked = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(CATALOGUE)], capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr


def test_its_compiled_catalogue_is_up_to_date(catalogue):
    compiled = polib.mofile(str(COMPILED))

    assert {
        (e.msgctxt, e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in compiled
    } == {
        (e.msgctxt, e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue.translated_entries()
    }


def test_it_keeps_the_translations_in_one_catalogue():
    elsewhere = sorted(
        path.relative_to(ROOT).as_posix()
        for folder in ROOT.iterdir()
        if folder.is_dir() and folder.name not in NOT_CODE and not folder.name.startswith(".")
        for path in folder.glob("**/locale/*/LC_MESSAGES/*.po")
    )

    assert elsewhere == []  # locale/fr/LC_MESSAGES/django.po is the only one
