"""The notices page: an account sees its own notices only, newest first, a page at a time;
it marks one or all read, and the header counts the unread ones."""

from __future__ import annotations

import pytest

from notices.models import Notice, NoticeKind
from notices.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def told(staff, site_a, site_b, django_capture_on_commit_callbacks):
    """Two SAEs opened at site A and one at site B (e-mails left unsent)."""
    with django_capture_on_commit_callbacks():
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-001", link="/safety/saes/1/")
        notify(NoticeKind.SAE_OPENED, site=site_a, study_id="03-002", link="/safety/saes/2/")
        notify(NoticeKind.SAE_OPENED, site=site_b, study_id="07-001", link="/safety/saes/3/")
    return staff


def _mine(user) -> list[Notice]:
    return list(Notice.objects.filter(recipient=user).order_by("pk"))


def test_it_lists_only_ones_own_notices_newest_first(client, told):
    client.force_login(told["coordinator_a"])

    page = client.get("/notices/").content.decode()

    assert page.index("SAE opened: 03-002") < page.index("SAE opened: 03-001")
    assert "07-001" not in page


def test_the_header_counts_the_unread_notices(client, told):
    client.force_login(told["coordinator_b"])

    page = client.get("/notices/").content.decode()

    assert 'id="notices-link">Notices <span class="badge">1</span>' in page


def test_it_marks_a_notice_read_and_opens_its_page(client, told):
    client.force_login(told["coordinator_a"])
    first, second = _mine(told["coordinator_a"])

    marked = client.post(f"/notices/{first.pk}/read/")
    opened = client.post(f"/notices/{second.pk}/read/", {"open": "1"})

    assert marked.status_code == 302 and marked["Location"] == "/notices/"
    assert opened.status_code == 302 and opened["Location"] == "/safety/saes/2/"
    assert all(notice.read_at for notice in _mine(told["coordinator_a"]))
    assert 'id="notices-link">Notices</a>' in client.get("/notices/").content.decode()


def test_another_accounts_notice_cannot_be_marked(client, told):
    theirs = _mine(told["coordinator_b"])[0]
    client.force_login(told["coordinator_a"])

    assert client.post(f"/notices/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_marks_all_of_ones_own_notices_read(client, told):
    client.force_login(told["investigator_a"])

    page = client.post("/notices/read-all/", follow=True).content.decode()

    assert "2 notices marked read." in page

    assert all(notice.read_at for notice in _mine(told["investigator_a"]))
    assert not any(notice.read_at for notice in _mine(told["coordinator_a"]))
    assert not any(notice.read_at for notice in _mine(told["investigator_b"]))


def test_it_shows_fifty_notices_a_page(client, staff, site_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        for number in range(1, 53):
            notify(
                NoticeKind.SAE_OPENED,
                site=site_a,
                study_id=f"03-{number:03d}",
                link=f"/safety/saes/{number}/",
            )
    client.force_login(staff["coordinator_a"])

    first = client.get("/notices/").content.decode()
    second = client.get("/notices/?page=2").content.decode()

    assert "03-052" in first and "03-003" in first and "03-002" not in first
    assert "Page 1 of 2" in first
    assert "03-002" in second and "03-001" in second and "03-003" not in second


def test_the_page_asks_for_a_log_in(client):
    response = client.get("/notices/")

    assert response.status_code == 302 and "/login/?next=/notices/" in response["Location"]
