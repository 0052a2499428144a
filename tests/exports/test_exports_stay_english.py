"""Exports are English (CDISC) whoever downloads them: a French sponsor gets the very bytes
an English one gets, even with French as the trial's default language (a streamed export is
written after the request's language is gone). The ODM export carries every translated text
in both languages."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from lxml import etree
from rest_framework.test import APIClient

from accounts.models import Role
from endpoints.exports import odm
from tests.exports.test_odm_export import NS, trial  # noqa: F401 (fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DOWNLOADS = [
    "/api/v1/exports/odm/?audit=true",
    "/api/v1/exports/adsl.csv",
    "/api/v1/exports/adtte.json",
    "/api/v1/exports/adlb.csv",
]


@pytest.fixture
def sponsors(settings, monkeypatch, trial):  # noqa: F811
    settings.LANGUAGE_CODE = "fr"
    monkeypatch.setattr(odm.uuid, "uuid4", lambda: uuid.UUID(int=7))
    english = UserFactory(username="sponsor_en", role=Role.SPONSOR)
    french = UserFactory(username="sponsor_fr", role=Role.SPONSOR)
    for user, language in ((english, "en"), (french, "fr")):
        user.language = language
        user.save(update_fields=["language"])
    return english, french


def _download(user, path: str) -> bytes:
    api = APIClient()
    api.force_authenticate(user)
    with time_machine.travel("2025-06-02 10:00:00+00:00", tick=False):
        response = api.get(path)
        assert response.status_code == 200, path
        if response.streaming:
            return b"".join(response.streaming_content)
        return response.content


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_french_sponsor_downloads_the_same_bytes(sponsors, path):
    english, french = sponsors

    assert _download(french, path) == _download(english, path)


def test_every_odm_translated_text_is_in_english_and_in_french(sponsors):
    document = etree.fromstring(_download(sponsors[1], DOWNLOADS[0]))

    holders = document.xpath("//*[odm:TranslatedText]", namespaces=NS)
    assert holders
    for holder in holders:
        texts = holder.xpath("odm:TranslatedText", namespaces=NS)
        languages = [t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in texts]
        assert languages == ["en", "fr"], etree.QName(holder).localname

    def question(oid: str, language: str) -> list[str]:
        return document.xpath(
            f"//odm:ItemDef[@OID='{oid}']/odm:Question/odm:TranslatedText[@xml:lang='{language}']"
            "/text()",
            namespaces=NS,
        )

    assert question("IT.MUT.NPM1", "en") == ["NPM1 mutation"]
    assert question("IT.MUT.NPM1", "fr") == ["Mutation NPM1"]
