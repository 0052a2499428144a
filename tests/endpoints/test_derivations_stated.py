"""The data dictionary and the README state each ADTTE parameter's derivation, in the words of
endpoints/derivations.py, so a statistician re-derives every row by hand from them."""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path

from rest_framework.test import APIClient

from endpoints import derivations

README = Path(__file__).resolve().parents[2] / "README.md"


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_it_states_each_adtte_parameter_in_the_data_dictionary(sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }

    assert datasets["adtte"]["parameters"] == [
        asdict(derivations.DERIVATIONS[code]) for code in ("OS", "EFS", "LFS")
    ]
    for field in ("population", "start", "event", "event_date", "censoring", "censoring_date"):
        assert all(parameter[field] for parameter in datasets["adtte"]["parameters"]), field


def test_it_says_in_the_dictionary_that_responses_count_up_to_the_end_of_treatment_or_hsct(
    sponsor,
):
    client = APIClient()
    client.force_authenticate(sponsor)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }
    adsl = {c["name"]: c for c in datasets["adsl"]["columns"]}

    assert derivations.RESPONSES_TO_PROTOCOL_TREATMENT in adsl["BESTRSP"]["help_text"]
    assert derivations.BEST_RESPONSE in adsl["BESTRSP"]["help_text"]
    assert "up to the end of treatment or the allo-HSCT, whichever first" in (
        derivations.RESPONSES_TO_PROTOCOL_TREATMENT
    )
    assert {"EVALDT", "EVALRSP"} <= set(adsl)


def test_the_readme_states_every_derivation_as_the_dictionary_does():
    readme = _words(README.read_text())

    for derivation in derivations.DERIVATIONS.values():
        assert f"**{derivation.parameter}: {derivation.name}**" in readme
        for label, text in (
            ("Population", derivation.population),
            ("Start", derivation.start),
            ("Event", derivation.event),
            ("Event date", derivation.event_date),
            ("Censoring", derivation.censoring),
            ("Censoring date", derivation.censoring_date),
        ):
            assert _words(f"- {label}: {text}") in readme, (derivation.parameter, label)
    assert _words(derivations.RESPONSES_TO_PROTOCOL_TREATMENT) in readme
    assert _words(derivations.BEST_RESPONSE) in readme
