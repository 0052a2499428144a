"""The SAE list shows its reports a page at a time, the latest awareness first: a large
trial has thousands, and the list costs one page whatever their number."""

from __future__ import annotations

from django.urls import reverse

from safety import views
from safety.models import SaeReport
from tests.safety.conftest import ONSET_ON
from tests.visits.builders import record_adverse_event


def test_it_lists_the_reports_a_page_at_a_time(client, sae, ic_patient, coordinator, monkeypatch):
    earlier_event = record_adverse_event(ic_patient, coordinator, ONSET_ON.replace(day=20))
    second = SaeReport.objects.get(adverse_event=earlier_event)
    monkeypatch.setattr(views, "SAE_LIST_PAGE_SIZE", 1)
    client.force_login(coordinator)

    first_page = client.get(reverse("safety-sae-list")).content.decode()
    second_page = client.get(reverse("safety-sae-list") + "?page=2").content.decode()

    # Recorded last, the second report's site became aware last: it comes first.
    assert reverse("safety-sae-report", args=[second.pk]) in first_page
    assert reverse("safety-sae-report", args=[sae.pk]) not in first_page
    assert reverse("safety-sae-report", args=[sae.pk]) in second_page
    assert "1–1 of 2" in first_page and 'rel="next"' in first_page
