"""The CDISC ODM 1.3.2 export: every visible patient's records as one snapshot, valid against
the official schema, with each value's audit record when asked, in constant queries.

patient_a (03-001, site 3) is randomized on 5 March 2025 to intensive salvage, has one cycle
whose cytarabine dose was corrected, a complete remission, a sepsis whose resolution date
was entered then withdrawn, ends treatment on 15 April and dies on 20 May. patient_b
(07-001, site 7) is randomized to azacitidine the same day, has one cycle and ends treatment
on 15 April: their follow-up visits (M3, M6, ...) are planned. Today is 2 June 2025.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree
from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from rest_framework.test import APIClient

import protocol
from accounts.models import User
from demo.trial import demo_trial_seed
from endpoints.exports.odm import odm_export
from tests.factories import screen_patient
from tests.visits.builders import (
    death_values,
    randomize,
    record_adverse_event,
    record_cycle,
    record_end_of_treatment,
    record_response,
)
from visits import services

# The official schema ships with the tests (see tests/data/odm-1.3.2/PROVENANCE.md).
SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data" / "odm-1.3.2"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
URL = "/api/v1/exports/odm/"
DOSE_CORRECTION = "Cytarabine dose copied from the wrong chart"
RESOLUTION_WITHDRAWN = "Sepsis not resolved: date entered in error"


@pytest.fixture(scope="session")
def odm_schema() -> etree.XMLSchema:
    # no_network: the schema's imports resolve to the files beside it, never to the web.
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "ODM1-3-2.xsd"), parser))


@pytest.fixture
def trial(patient_a, patient_b, coordinator, coordinator_b):
    randomize(patient_a, coordinator, protocol.Regimen.INTENSIVE)
    cycle = record_cycle(patient_a, coordinator, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    services.cycle_update(
        cycle=cycle,
        user=coordinator,
        values={"cytarabine_mg_m2": Decimal("2800")},
        version=cycle.version,
        reason=DOSE_CORRECTION,
    )
    record_response(patient_a, coordinator, dt.date(2025, 3, 30))
    sepsis = record_adverse_event(
        patient_a, coordinator, dt.date(2025, 3, 10), resolved_on=dt.date(2025, 3, 20)
    )
    services.adverse_event_update(
        event=sepsis,
        user=coordinator,
        values={"resolved_on": None},
        version=sepsis.version,
        reason=RESOLUTION_WITHDRAWN,
    )
    record_end_of_treatment(patient_a, coordinator, dt.date(2025, 4, 15))
    services.off_study_record(
        patient=patient_a, user=coordinator, values=death_values(dt.date(2025, 5, 20))
    )
    randomize(patient_b, coordinator_b, protocol.Regimen.AZACITIDINE)
    record_cycle(patient_b, coordinator_b, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
    record_end_of_treatment(patient_b, coordinator_b, dt.date(2025, 4, 15))
    return patient_a, patient_b


def _export(user, *, audit: bool) -> etree._Element:
    return etree.fromstring("".join(odm_export(user, with_audit=audit)).encode())


def _subject_keys(document: etree._Element) -> list[str]:
    return document.xpath("//odm:SubjectData/@SubjectKey", namespaces=NS)


def _item(
    document: etree._Element, study_id: str, group: str, item: str, repeat_key: str | None = None
) -> etree._Element:
    key = f" and @ItemGroupRepeatKey='{repeat_key}'" if repeat_key else ""
    found = document.xpath(
        f"//odm:SubjectData[@SubjectKey='{study_id}']//odm:ItemGroupData"
        f"[@ItemGroupOID='{group}'{key}]/odm:ItemData[@ItemOID='{item}']",
        namespaces=NS,
    )
    assert len(found) == 1, f"{item} of {study_id}: {len(found)} found"
    return found[0]


@pytest.mark.parametrize("audit", [False, True])
def test_it_is_valid_against_the_odm_1_3_2_schema(trial, sponsor, odm_schema, audit):
    document = _export(sponsor, audit=audit)

    odm_schema.assertValid(document)
    assert document.get("FileType") == "Snapshot"
    assert document.get("ODMVersion") == "1.3.2"
    assert dt.datetime.fromisoformat(document.get("CreationDateTime")).utcoffset() is not None


@pytest.mark.parametrize("audit", [False, True])
def test_every_reference_in_the_clinical_data_is_defined(trial, sponsor, audit):
    document = _export(sponsor, audit=audit)

    def defined(tag: str) -> set[str]:
        return set(document.xpath(f"//odm:{tag}/@OID", namespaces=NS))

    def used(xpath: str) -> set[str]:
        return set(document.xpath(xpath, namespaces=NS))

    assert used("//odm:StudyEventData/@StudyEventOID") <= defined("StudyEventDef")
    assert used("//odm:FormData/@FormOID") <= defined("FormDef")
    assert used("//odm:ItemGroupData/@ItemGroupOID") <= defined("ItemGroupDef")
    assert used("//odm:ItemData/@ItemOID") <= defined("ItemDef")
    assert used("//odm:SiteRef/@LocationOID | //odm:LocationRef/@LocationOID") <= defined(
        "Location"
    )
    assert used("//odm:UserRef/@UserOID") <= defined("User")
    assert used("//odm:MeasurementUnitRef/@MeasurementUnitOID") <= defined("MeasurementUnit")
    for item in document.xpath("//odm:ItemData[@Value]", namespaces=NS):
        code_list = document.xpath(
            f"//odm:ItemDef[@OID='{item.get('ItemOID')}']/odm:CodeListRef/@CodeListOID",
            namespaces=NS,
        )
        if code_list:
            assert item.get("Value") in document.xpath(
                f"//odm:CodeList[@OID='{code_list[0]}']/odm:CodeListItem/@CodedValue", namespaces=NS
            ), item.get("ItemOID")


def test_it_keeps_every_published_oid(sponsor):
    """Sponsors map the published OIDs: a new form or item adds OIDs, none may change."""
    published = {
        tuple(line.split())
        for line in (Path(__file__).parent / "published_oids.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    document = _export(sponsor, audit=False)

    tags = sorted({tag for tag, _ in published})
    found = document.xpath(" | ".join(f"//odm:{tag}" for tag in tags), namespaces=NS)
    assert published - {(etree.QName(e).localname, e.get("OID")) for e in found} == set()


def test_it_gives_declared_units_as_measurement_units(sponsor):
    document = _export(sponsor, audit=False)

    def unit_of(item: str) -> list[str]:
        return document.xpath(
            f"//odm:MeasurementUnit[@OID=//odm:ItemDef[@OID='{item}']/odm:MeasurementUnitRef"
            "/@MeasurementUnitOID]/odm:Symbol/odm:TranslatedText[@xml:lang='en']/text()",
            namespaces=NS,
        )

    assert unit_of("IT.CY.CYTARABINE_MG_M2") == ["mg/m²"]
    assert unit_of("IT.RS.PLATELETS") == ["×10⁹/L"]
    assert unit_of("IT.RS.MARROW_BLASTS_PCT") == ["%"]
    assert unit_of("IT.AE.GRADE") == []


def test_it_gives_one_subject_per_patient_keyed_by_study_id_at_its_site(trial, sponsor):
    document = _export(sponsor, audit=False)

    assert _subject_keys(document) == ["03-001", "07-001"]
    assert document.xpath("//odm:SubjectData/odm:SiteRef/@LocationOID", namespaces=NS) == [
        "LOC.03",
        "LOC.07",
    ]


def test_it_writes_each_record_as_recorded_and_leaves_out_empty_values(trial, sponsor):
    document = _export(sponsor, audit=False)

    assert _item(document, "03-001", "IG.DEMOGRAPHICS", "IT.DM.SEX").get("Value") == "F"
    assert (
        _item(document, "03-001", "IG.DEMOGRAPHICS", "IT.DM.YEAR_OF_BIRTH").get("Value") == "1960"
    )
    assert (
        _item(document, "03-001", "IG.CYCLE", "IT.CY.CYTARABINE_MG_M2", repeat_key="1").get("Value")
        == "2800.00"
    )
    assert (
        _item(document, "03-001", "IG.CYCLE", "IT.CY.STARTED_ON", repeat_key="1").get("Value")
        == "2025-03-06"
    )
    assert (
        _item(document, "03-001", "IG.RANDOMIZATION", "IT.RA.RANDOMIZED_AT").get("Value")
        == "2025-03-05T08:00:00+00:00"
    )
    assert _item(document, "03-001", "IG.OFF_STUDY", "IT.OS.REASON").get("Value") == "death"
    assert (
        _item(document, "07-001", "IG.RANDOMIZATION", "IT.RA.REGIMEN").get("Value") == "azacitidine"
    )
    # Intensive salvage has no azacitidine dose; the sepsis is not resolved: both left out.
    assert not document.xpath(
        "//odm:SubjectData[@SubjectKey='03-001']//odm:ItemData["
        "@ItemOID='IT.CY.AZACITIDINE_MG_M2' or "
        "@ItemOID='IT.AE.RESOLVED_ON' or @IsNull]",
        namespaces=NS,
    )


def test_it_gives_a_corrected_value_the_reason_for_its_change(trial, sponsor, coordinator):
    document = _export(sponsor, audit=True)

    corrected = _item(document, "03-001", "IG.CYCLE", "IT.CY.CYTARABINE_MG_M2", "1")
    unchanged = _item(document, "03-001", "IG.CYCLE", "IT.CY.STARTED_ON", "1")
    assert corrected.xpath("odm:AuditRecord/odm:ReasonForChange/text()", namespaces=NS) == [
        DOSE_CORRECTION
    ]
    assert unchanged.xpath("odm:AuditRecord/odm:ReasonForChange/text()", namespaces=NS) == [
        "Initial entry"
    ]
    assert corrected.xpath("odm:AuditRecord/odm:UserRef/@UserOID", namespaces=NS) == [
        f"USR.{coordinator.pk}"
    ]
    assert corrected.xpath("odm:AuditRecord/odm:LocationRef/@LocationOID", namespaces=NS) == [
        "LOC.03"
    ]
    assert document.xpath(
        f"//odm:User[@OID='USR.{coordinator.pk}']/odm:LoginName/text()", namespaces=NS
    ) == [f"staff-{coordinator.pk}"]


def test_it_keeps_a_withdrawn_value_as_an_empty_item_with_its_audit_record(trial, sponsor):
    document = _export(sponsor, audit=True)

    withdrawn = _item(
        document,
        "03-001",
        "IG.ADVERSE_EVENT",
        "IT.AE.RESOLVED_ON",
        str(trial[0].adverse_events.get().pk),
    )
    assert withdrawn.get("IsNull") == "Yes"
    assert withdrawn.get("Value") is None
    assert withdrawn.xpath("odm:AuditRecord/odm:ReasonForChange/text()", namespaces=NS) == [
        RESOLUTION_WITHDRAWN
    ]


def test_it_gives_each_follow_up_visit_its_own_study_event(trial, sponsor):
    document = _export(sponsor, audit=False)

    visits = document.xpath(
        "//odm:SubjectData[@SubjectKey='07-001']/odm:StudyEventData[@StudyEventOID='SE.FOLLOW_UP']",
        namespaces=NS,
    )
    assert [v.get("StudyEventRepeatKey") for v in visits][:3] == ["3", "6", "9"]
    assert visits[0].xpath(".//odm:ItemData[@ItemOID='IT.FU.MONTH']/@Value", namespaces=NS) == ["3"]
    assert visits[0].xpath(".//odm:ItemData[@ItemOID='IT.FU.PERFORMED_ON']", namespaces=NS) == []


def test_it_reads_the_patients_in_batches_without_losing_or_repeating_one(
    site_a, coordinator, sponsor, frozen_today, monkeypatch
):
    for _ in range(5):
        screen_patient(site=site_a, user=coordinator)
    monkeypatch.setattr("endpoints.exports.odm.BATCH_SIZE", 2)

    assert _subject_keys(_export(sponsor, audit=True)) == [
        "03-001",
        "03-002",
        "03-003",
        "03-004",
        "03-005",
    ]


@pytest.mark.parametrize(
    ("role", "study_ids"),
    [
        ("coordinator", ["03-001"]),
        ("investigator", ["03-001"]),
        ("coordinator_b", ["07-001"]),
        ("data_manager", ["03-001", "07-001"]),
        ("statistician", ["03-001", "07-001"]),
    ],
)
def test_it_exports_only_the_patients_of_the_sites_a_role_may_see(trial, request, role, study_ids):
    client = APIClient()
    client.force_authenticate(request.getfixturevalue(role))

    response = client.get(URL, {"audit": "true"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.streaming
    document = etree.fromstring(b"".join(response.streaming_content))
    assert _subject_keys(document) == study_ids
    locations = document.xpath("//odm:Location/@OID", namespaces=NS)
    assert locations == sorted({f"LOC.{s[:2]}" for s in study_ids})


def test_it_answers_application_xml_to_a_client_asking_for_it(trial, sponsor):
    client = APIClient()
    client.force_authenticate(sponsor)

    answer = client.get(URL, HTTP_ACCEPT="application/xml")
    refused = client.get(URL, {"audit": "maybe"}, HTTP_ACCEPT="application/xml")

    assert answer.status_code == 200
    assert etree.fromstring(b"".join(answer.streaming_content)).get("FileType") == "Snapshot"
    assert refused.status_code == 400
    assert etree.fromstring(refused.content).xpath("/errors/error/@field") == ["audit"]


def test_it_refuses_an_anonymous_client(trial):
    assert APIClient().get(URL).status_code in (401, 403)


def _randomized_patients(count: int, site, user) -> None:
    for _ in range(count):
        patient = screen_patient(site=site, user=user)
        randomize(patient, user)
        record_cycle(patient, user, dt.date(2025, 3, 6), dt.date(2025, 3, 12))
        record_adverse_event(patient, user, dt.date(2025, 3, 10))


def _queries(user, *, audit: bool) -> int:
    with CaptureQueriesContext(connection) as queries:
        for _ in odm_export(user, with_audit=audit):
            pass
    return len(queries.captured_queries)


@pytest.mark.parametrize("audit", [False, True])
def test_the_number_of_queries_does_not_grow_with_the_number_of_patients(
    site_a, coordinator, sponsor, frozen_today, audit
):
    _randomized_patients(3, site_a, coordinator)
    with_3 = _queries(sponsor, audit=audit)
    _randomized_patients(6, site_a, coordinator)
    with_9 = _queries(sponsor, audit=audit)

    assert with_9 == with_3


@pytest.mark.django_db(transaction=True)
def test_it_reads_one_repeatable_read_snapshot_and_ends_it_when_the_client_goes(trial, sponsor):
    chunks = odm_export(sponsor, with_audit=True)
    next(chunks)
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        isolation = cursor.fetchone()[0]
    chunks.close()  # what the server does when the download is interrupted

    assert isolation == "repeatable read"
    assert not connection.in_atomic_block
    assert connection.connection.info.transaction_status == TRANSACTION_STATUS_IDLE


@pytest.fixture
def demo_sponsor(db):
    """The sponsor of the demo trial (30 patients, seed 1), which is dated from the real
    today: no frozen_today here."""
    demo_trial_seed(patients=30, seed=1)
    return User.objects.get(username="sponsor")


@pytest.mark.django_db
def test_the_export_of_the_demo_trial_is_valid(odm_schema, demo_sponsor):
    for audit in (False, True):
        document = _export(demo_sponsor, audit=audit)

        odm_schema.assertValid(document)
        assert len(_subject_keys(document)) == 30
        assert set(document.xpath("//odm:StudyEventData/@StudyEventOID", namespaces=NS)) == {
            "SE.SCREENING",
            "SE.BIOLOGY",
            "SE.RANDOMIZATION",
            "SE.TREATMENT",
            "SE.FOLLOW_UP",
            "SE.OFF_STUDY",
            "SE.SAFETY",
        }
