"""The risk derived from the screening specimen is named in the reader's language on the
patient page: « Non évaluable » rather than "Not assessable" (issue 16)."""

from __future__ import annotations

import protocol
from tests.biology.builders import record_specimen


def test_it_shows_a_risk_not_assessable_in_french(client, ic_patient, coordinator):
    ic_patient.site.language = "fr"
    ic_patient.site.save(update_fields=["language"])
    # NPM1 mutated with TP53 not tested: the risk depends on TP53, so it is not assessable.
    record_specimen(
        ic_patient, coordinator, mutated=("npm1",), tp53=protocol.MutationResult.NOT_TESTED
    )
    client.force_login(coordinator)

    page = client.get(f"/patients/{ic_patient.study_id}/").content.decode()
    derived = page.split('id="eln-derived">', 1)[1].split("</dd>", 1)[0]

    assert derived.startswith("2017: Non évaluable · 2022: Non évaluable")
    assert "Not assessable" not in page
