"""The biology specimen from the pages and the API: entered by the site's coordinator, shown
on the timeline, and the derived ELN risk beside the investigator's entry on the patient
page; a warning for a t(15;17) shown at once."""

from __future__ import annotations

from rest_framework.test import APIClient

from biology.models import Specimen
from tests.biology.builders import record_specimen, specimen_values

NEW_SPECIMEN = "/patients/03-001/biology/new/"


def _specimen_form(**overrides: str) -> dict[str, str]:
    values = {
        k: ("" if v is None else str(v))
        for k, v in specimen_values(mutated=("npm1",)).items()
        if not isinstance(v, bool)
    }
    values.update(collected_on="2025-03-03", npm1_vaf="41.5")
    values.update(overrides)
    return values


def test_a_coordinator_records_a_specimen_from_the_page(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = client.post(NEW_SPECIMEN, _specimen_form())

    assert (page.status_code, page.url) == (302, "/patients/03-001/")
    specimen = Specimen.objects.get(patient=ic_patient)
    assert specimen.mutations_detected == ["NPM1 (VAF 41.5 %)"]
    patient_page = client.get("/patients/03-001/").content.decode()
    assert "NPM1 (VAF 41.5 %)" in patient_page
    # NPM1 without FLT3-ITD, normal karyotype: favourable by both; entered intermediate.
    assert "2017: Favourable · 2022: Favourable" in patient_page
    assert "differs from the ELN 2017 entry" in patient_page


def test_a_refusal_shows_on_its_field(client, ic_patient, coordinator):
    client.force_login(coordinator)

    page = client.post(NEW_SPECIMEN, _specimen_form(monosomy_7="on"))

    assert page.status_code == 200
    assert "monosomy_7" in page.context["form"].errors
    assert not Specimen.objects.exists()


def test_only_a_coordinator_of_the_site_enters_biology(
    client, ic_patient, investigator, coordinator_b
):
    client.force_login(investigator)
    assert client.get(NEW_SPECIMEN).status_code == 403
    client.force_login(coordinator_b)
    assert client.get(NEW_SPECIMEN).status_code == 404


def test_the_api_records_a_specimen_with_the_apl_warning_and_lists_it(
    ic_patient, coordinator, data_manager
):
    client = APIClient()
    client.force_authenticate(coordinator)
    body = {
        k: (None if v is None else str(v))
        for k, v in specimen_values(
            karyotype="abnormal", karyotype_iscn="46,XY,t(15;17)(q24.1;q21.2)[20]"
        ).items()
    }
    body["t_15_17"] = True

    answer = client.post("/api/v1/patients/03-001/biology/", body, format="json")

    assert answer.status_code == 201, answer.json()
    assert "excludes" in answer.json()["warnings"][0]
    reader = APIClient()
    reader.force_authenticate(data_manager)
    listed = reader.get("/api/v1/biology-specimens/").json()["results"]
    assert [(s["study_id"], s["t_15_17"]) for s in listed] == [("03-001", True)]


def test_the_relapse_specimen_is_on_the_timeline(client, ic_patient, coordinator):
    record_specimen(ic_patient, coordinator)
    client.force_login(coordinator)
    page = client.get("/patients/03-001/").content.decode()
    assert 'id="timeline-biology"' in page and "46,XY[20]" in page
