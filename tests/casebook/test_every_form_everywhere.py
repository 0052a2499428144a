"""Every declared form appears, with the same fields, wherever the casebook is read: the API
schema, the raw-table exports, the data dictionary and the ODM metadata.

A form is declared once (casebook.site); a form registered but missing from one of these
places, or shown there without one of its fields, fails here.
"""

from __future__ import annotations

import json

from django.utils import translation
from lxml import etree
from rest_framework.test import APIClient

from casebook.registry import site as casebook
from endpoints.exports.odm import odm_export

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
# Columns a raw table has besides the declared fields: who, where, and when last written.
RAW_TABLE_EXTRAS = ("USUBJID", "SITEID", "UPDATED_AT")


def _columns(form) -> list[str]:
    """The declared fields, then the values computed when read (a TEAE flag)."""
    return [
        "USUBJID",
        "SITEID",
        *(name.upper() for name in form.field_names),
        *(name.upper() for name in form.computed_names),
        "UPDATED_AT",
    ]


def test_the_casebook_declares_the_seven_forms_of_the_protocol():
    assert [form.name for form in casebook] == [
        "disease-history",
        "prior-regimens",
        "biology",
        "cycles",
        "blood-counts",
        "transfusions",
        "responses",
        "mrd",
        "transplant",
        "transplant-events",
        "end-of-treatment",
        "follow-up-visits",
        "off-study",
        "adverse-events",
        "concomitant-medications",
    ]


def test_every_form_is_in_the_api_schema_with_every_declared_field(client, db):
    document = json.loads(client.get("/api/schema/?format=json").content)
    schemas = document["components"]["schemas"]

    described = 0
    for form in casebook:
        # The records the API answers with when the form is entered or corrected.
        outputs = {
            response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            for path, operations in document["paths"].items()
            if path.startswith(f"/api/v1/patients/{{study_id}}/{form.name}/")
            for operation in operations.values()
            for status, response in operation["responses"].items()
            if status in ("200", "201") and "content" in response
        }
        assert outputs, f"{form.name}: no API path answers with its records"
        for output in outputs:
            declared = {*form.field_names, *form.computed_names}
            missing = declared - set(schemas[output]["properties"])
            assert not missing, f"{form.name} ({output}) lacks {sorted(missing)}"
        described += 1
    assert described == len(casebook)


def test_every_form_is_a_raw_table_with_one_column_per_declared_field(statistician):
    # The statistician reads every column; a blinded reader's table leaves out the fields
    # declared `reveals_arm` (tests/api/test_results_by_arm_stay_confidential.py).
    client = APIClient()
    client.force_authenticate(statistician)

    exported = 0
    for form in casebook:
        response = client.get(f"/api/v1/exports/{form.name}.csv")
        assert response.status_code == 200, form.name
        text = b"".join(response.streaming_content).decode()
        header = next(line for line in text.splitlines() if not line.startswith("#"))
        assert header.split(",") == _columns(form)
        exported += 1
    assert exported == len(casebook)


def test_every_form_is_in_the_data_dictionary_as_declared(data_manager):
    client = APIClient()
    client.force_authenticate(data_manager)
    datasets = {
        d["dataset"]: d for d in client.get("/api/v1/exports/dictionary/").json()["datasets"]
    }

    analysis_datasets = {"adsl", "adtte", "admrd", "adcm", "adlb"}
    assert set(datasets) - analysis_datasets == {form.name for form in casebook}
    for form in casebook:
        columns = {c["name"]: c for c in datasets[form.name]["columns"]}
        assert list(columns) == _columns(form)
        for name in form.field_names:
            column, item = columns[name.upper()], form.item(name)
            assert column["label"] == form.label(name)
            assert column["type"] == form.data_type(name)
            assert column["unit"] == item.unit
            # JSON numbers: a decimal bound (an MRD sensitivity of 0.000001) as a float.
            bounds = tuple(None if v is None else float(v) for v in (item.minimum, item.maximum))
            assert (column["minimum"], column["maximum"]) == bounds
            assert column["help_text"] == form.help_text(name)
            assert column["origin"] == ("entered" if item.entered else "derived")
        for value in form.computed:
            column = columns[value.name.upper()]
            assert (column["label"], column["type"]) == (value.label, value.data_type)
            assert (column["help_text"], column["origin"]) == (value.help_text, "derived")
        assert all(columns[name]["origin"] == "derived" for name in RAW_TABLE_EXTRAS)


def test_every_form_is_an_odm_item_group_with_one_item_per_declared_field(sponsor):
    document = etree.fromstring("".join(odm_export(sponsor, with_audit=False)).encode())

    def oids(xpath: str) -> list[str]:
        return document.xpath(xpath, namespaces=NS)

    grouped = 0
    for form in casebook:
        code, prefix = form.odm.code, form.odm.item_prefix
        event = f"//odm:StudyEventDef[@OID='{form.odm.study_event}']"
        assert oids(f"{event}/odm:FormRef/@FormOID").count(f"F.{code}") == 1, form.name
        assert oids(f"//odm:FormDef[@OID='F.{code}']/odm:ItemGroupRef/@ItemGroupOID") == [
            f"IG.{code}"
        ]
        assert oids(f"//odm:ItemGroupDef[@OID='IG.{code}']/odm:ItemRef/@ItemOID") == [
            f"IT.{prefix}.{name.upper()}" for name in form.field_names
        ]
        for name in form.field_names:
            item = f"//odm:ItemDef[@OID='IT.{prefix}.{name.upper()}']"
            question = f"{item}/odm:Question/odm:TranslatedText"
            assert oids(f"{question}[@xml:lang='en']/text()") == [form.label(name)]
            with translation.override("fr"):
                assert oids(f"{question}[@xml:lang='fr']/text()") == [str(form.label(name))]
            unit = form.item(name).unit
            assert oids(f"{item}/odm:MeasurementUnitRef/@MeasurementUnitOID") == (
                oids(f"//odm:MeasurementUnit[odm:Symbol/odm:TranslatedText='{unit}']/@OID")
                if unit
                else []
            )
        grouped += 1
    assert grouped == len(casebook)
