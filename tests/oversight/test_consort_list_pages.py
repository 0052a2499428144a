"""The list behind a CONSORT count is shown a page at a time, in study-ID order: the
"assessed" box lists every patient screened. The count stays the trial's, and a site-bound
reader's pages hold only their own sites' patients."""

from __future__ import annotations

import lxml.html
from django.urls import reverse

from oversight import views
from tests.oversight.conftest import CUTOFF

URL = reverse("oversight-consort-list", args=["excluded-criteria"])


def _study_ids(answer) -> list[str]:
    page = lxml.html.fromstring(answer.content)
    return [a.text for a in page.xpath("//table[@id='consort-list']//tbody//a")]


def test_it_lists_a_box_a_page_at_a_time_in_study_id_order(
    client, data_manager, consort_trial, monkeypatch
):
    monkeypatch.setattr(views, "CONSORT_LIST_PAGE_SIZE", 2)
    client.force_login(data_manager)

    first = client.get(URL, {"cutoff": CUTOFF.isoformat()})
    second = client.get(URL, {"cutoff": CUTOFF.isoformat(), "page": 2})

    failures = sorted(p.study_id for p in consort_trial.failures[:3])
    assert _study_ids(first) + _study_ids(second) == failures
    assert len(_study_ids(first)) == 2
    assert '<strong id="box-count">3</strong>' in second.content.decode()
    assert "page=2" in first.content.decode()


def test_a_site_bound_reader_pages_through_their_own_sites_only(
    client, investigator, consort_trial, monkeypatch
):
    monkeypatch.setattr(views, "CONSORT_LIST_PAGE_SIZE", 1)
    client.force_login(investigator)  # site 03 only

    pages = [client.get(URL, {"cutoff": CUTOFF.isoformat(), "page": n}) for n in (1, 2)]

    assert _study_ids(pages[0]) + _study_ids(pages[1]) == sorted(
        p.study_id for p in consort_trial.failures[:2]
    )
    assert '<span id="shown-count">2</span>' in pages[0].content.decode()
    assert '<strong id="box-count">3</strong>' in pages[0].content.decode()
