"""A clock that runs every few minutes tells people once: it asks whether a notice of that kind
about that record was already given."""

from __future__ import annotations

import pytest

from notices.models import NoticeKind
from notices.selectors import notice_given
from notices.services import notify

pytestmark = pytest.mark.django_db


def test_it_knows_which_kind_of_notice_was_given_about_which_record(staff, site_a, site_b):
    notify(NoticeKind.SAE_OVERDUE, site=site_a, study_id="03-001", link="/safety/1/", about=site_a)

    assert notice_given(kind=NoticeKind.SAE_OVERDUE, about=site_a)
    assert not notice_given(kind=NoticeKind.SAE_OPENED, about=site_a)
    assert not notice_given(kind=NoticeKind.SAE_OVERDUE, about=site_b)
