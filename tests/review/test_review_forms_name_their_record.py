"""The monitor marks verified, and the data manager queries, the record they choose: the
review page's lists of records start empty, so a click on "Mark verified" without a choice
verifies nothing (it verified the casebook's first record, the screening, unseen).
"""

from __future__ import annotations

import re

from review.models import SourceVerification

REVIEW = "/patients/03-001/review/"


def _first_option(html: str, select_id: str) -> str:
    select = html.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return re.search(r"<option[^>]*>[^<]*</option>", select).group(0)


def test_the_monitors_list_of_records_starts_with_no_choice(client, patient_a, monitor):
    client.force_login(monitor)

    html = client.get(REVIEW).content.decode()

    assert _first_option(html, "v-record") == '<option value="">Choose the record checked</option>'


def test_the_data_managers_list_of_records_starts_with_no_choice(client, patient_a, data_manager):
    client.force_login(data_manager)

    html = client.get(REVIEW).content.decode()

    assert _first_option(html, "q-record") == '<option value="">Choose the record queried</option>'


def test_mark_verified_without_a_record_verifies_nothing_and_says_why(client, patient_a, monitor):
    client.force_login(monitor)

    response = client.post(f"{REVIEW}verify/", {"record": ""}, follow=True)

    assert not SourceVerification.objects.exists()
    assert "Choose a record of this patient&#x27;s casebook." in response.content.decode()
