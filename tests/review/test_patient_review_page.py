"""The patient's data-review page, and the review actions posted from it.

Each role sees the forms of its part of the review: the coordinator answers queries, the
data manager raises, closes, re-opens and locks, the investigator signs, the monitor
verifies and raises queries. Another site's patient does not exist for a site-bound account.
A refusal comes back on the page itself (400), beside the form that sent it, with what was
typed kept; never as an error page.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.selectors import history_of
from locks.models import DataLock
from locks.services import data_lock, data_unlock
from patients.models import Screening
from review.models import DataQuery, Signature, SourceVerification
from review.services import query_answer, query_raise
from tests.factories import PASSWORD

REVIEW = "/patients/03-001/review/"


def _token(record) -> str:
    """How the page names a record of the casebook: content type and primary key."""
    return f"{ContentType.objects.get_for_model(record).pk}:{record.pk}"


def _screening(patient) -> Screening:
    return Screening.objects.get(patient=patient)


def _messages(page) -> list[str]:
    return [str(m) for m in page.context["messages"]]


def _refused(page) -> list[str]:
    """The reasons the page gives beside the refused form: shown again, not redirected."""
    assert page.status_code == 400 and not page.redirect_chain
    return page.context["typed"].errors


@pytest.fixture
def query(patient_a, data_manager):
    return query_raise(
        user=data_manager,
        record=_screening(patient_a),
        field_name="ecog",
        text="ECOG 1, but the clinic letter says 2?",
    )


def _forms_on_page(html: str, query: DataQuery) -> set[str]:
    forms = {
        "answer": f'action="/review/queries/{query.pk}/answer/"',
        "close": f'action="/review/queries/{query.pk}/close/"',
        "raise": 'id="raise-query-form"',
        "lock": f'action="{REVIEW}lock/"',
        "sign": 'id="sign-form"',
        "verify": 'id="verify-form"',
    }
    return {name for name, marker in forms.items() if marker in html}


@pytest.mark.parametrize(
    ("who", "forms"),
    [
        ("coordinator", {"answer"}),
        ("data_manager", {"raise", "close", "lock"}),
        ("investigator", {"sign"}),
        ("monitor", {"verify", "raise"}),
        ("sponsor", set()),
    ],
)
def test_each_role_sees_the_forms_of_its_part(client, request, query, who, forms):
    client.force_login(request.getfixturevalue(who))

    page = client.get(REVIEW)

    assert page.status_code == 200
    html = page.content.decode()
    assert _forms_on_page(html, query) == forms
    assert "ECOG 1, but the clinic letter says 2?" in html


@pytest.mark.parametrize("who", ["coordinator_b", "monitor_b", "investigator_b"])
def test_another_sites_patient_is_not_found(client, request, query, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(REVIEW).status_code == 404
    assert (
        client.post(f"/review/queries/{query.pk}/answer/", {"text": "Value is right."}).status_code
        == 404
    )
    assert (
        client.post(f"{REVIEW}verify/", {"record": _token(_screening(query.patient))}).status_code
        == 404
    )
    assert DataQuery.objects.get(pk=query.pk).status == DataQuery.Status.OPEN


def test_the_page_asks_to_log_in(client, patient_a):
    page = client.get(REVIEW)

    assert page.status_code == 302
    assert page.url.startswith("/login/")


# Queries ------------------------------------------------------------------------------------


def test_the_data_manager_raises_a_query_from_the_page(client, patient_a, data_manager):
    client.force_login(data_manager)

    page = client.post(
        f"{REVIEW}query/",
        {
            "record": _token(_screening(patient_a)),
            "field_name": "ecog",
            "text": "ECOG 1, but the clinic letter says 2?",
        },
        follow=True,
    )

    assert page.redirect_chain == [(REVIEW, 302)]
    assert _messages(page) == ["Query raised."]
    query = DataQuery.objects.get()
    assert (query.record, query.field_name, query.raised_by) == (
        _screening(patient_a),
        "ecog",
        data_manager,
    )
    assert f'id="query-{query.pk}"' in page.content.decode()


def test_it_refuses_a_query_on_another_patients_record(client, patient_a, patient_b, data_manager):
    client.force_login(data_manager)

    page = client.post(
        f"{REVIEW}query/",
        {"record": _token(_screening(patient_b)), "text": "Wrong patient?"},
        follow=True,
    )

    assert _refused(page) == ["Choose a record of this patient's casebook."]
    assert not DataQuery.objects.exists()
    # The question typed is still there, next to the reason.
    html = page.content.decode()
    assert ">Wrong patient?</textarea>" in html
    assert "Choose a record of this patient&#x27;s casebook." in html


@pytest.mark.parametrize("text", [" ", "\u200b"], ids=["blank", "zero-width space"])
def test_it_shows_an_empty_question_as_a_message(client, patient_a, data_manager, text):
    client.force_login(data_manager)

    page = client.post(f"{REVIEW}query/", {"record": _token(patient_a), "text": text}, follow=True)

    assert _refused(page) == ["Say what is doubtful about the value."]
    assert not DataQuery.objects.exists()


def test_it_shows_a_field_the_record_does_not_have_as_a_message(client, patient_a, data_manager):
    client.force_login(data_manager)

    page = client.post(
        f"{REVIEW}query/",
        {"record": _token(_screening(patient_a)), "field_name": "platelet", "text": "Platelets?"},
        follow=True,
    )

    assert _refused(page)
    html = page.content.decode()
    assert 'value="platelet"' in html and ">Platelets?</textarea>" in html
    assert not DataQuery.objects.exists()


def test_only_the_data_manager_raises_from_the_page(client, patient_a, coordinator):
    client.force_login(coordinator)

    page = client.post(f"{REVIEW}query/", {"record": _token(patient_a), "text": "Mine?"})

    assert page.status_code == 403
    assert not DataQuery.objects.exists()


def test_the_coordinator_answers_from_the_page(client, query, coordinator):
    client.force_login(coordinator)

    page = client.post(
        f"/review/queries/{query.pk}/answer/",
        {"text": "Corrected to 2 from the clinic letter."},
        follow=True,
    )

    assert page.redirect_chain == [(REVIEW, 302)]
    assert _messages(page) == ["Query answered."]
    query.refresh_from_db()
    assert query.status == DataQuery.Status.ANSWERED
    html = page.content.decode()
    # In the trial's time with its zone; UTC on hover.
    assert (
        'Answered by coord_a on <time datetime="2025-06-02T10:00:00+00:00" '
        'title="02/06/2025 10:00 UTC">02/06/2025 12:00 CEST</time>: '
        "Corrected to 2 from the clinic letter."
    ) in html
    # Answered, it waits for the data manager: no second answer form.
    assert f'action="/review/queries/{query.pk}/answer/"' not in html


def test_an_empty_answer_comes_back_as_a_message(client, query, coordinator):
    client.force_login(coordinator)

    page = client.post(f"/review/queries/{query.pk}/answer/", {"text": ""}, follow=True)

    assert _refused(page) == ["Give the answer: the explanation or the correction."]
    assert DataQuery.objects.get(pk=query.pk).status == DataQuery.Status.OPEN


def test_the_data_manager_closes_and_reopens_from_the_page(
    client, query, coordinator, data_manager
):
    query_answer(user=coordinator, query=query, text="Value is right.")
    client.force_login(data_manager)

    page = client.get(REVIEW)
    assert f'action="/review/queries/{query.pk}/reopen/"' in page.content.decode()
    page = client.post(
        f"/review/queries/{query.pk}/reopen/",
        {"text": "Please attach the clinic letter."},
        follow=True,
    )
    assert _messages(page) == ["Query re-opened."]
    assert DataQuery.objects.get(pk=query.pk).status == DataQuery.Status.OPEN

    page = client.post(f"/review/queries/{query.pk}/close/", {"text": "Settled."}, follow=True)
    assert _messages(page) == ["Query closed."]
    assert DataQuery.objects.get(pk=query.pk).status == DataQuery.Status.CLOSED
    # Closed, it leaves the records table for the list of closed queries.
    html = page.content.decode()
    assert f'id="query-{query.pk}"' not in html
    assert "1 closed queries" in html


def test_an_invalid_step_comes_back_as_a_message(client, query, data_manager):
    client.force_login(data_manager)

    page = client.post(f"/review/queries/{query.pk}/reopen/", {"text": "Again."}, follow=True)

    assert _refused(page) == ["This query is open: it cannot be reopened."]


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_the_coordinator_cannot_close_or_reopen(client, query, coordinator, action):
    client.force_login(coordinator)

    page = client.post(f"/review/queries/{query.pk}/{action}/", {"text": "Done."})

    assert page.status_code == 403
    assert query.steps.count() == 1


def test_an_unknown_step_is_not_found(client, query, data_manager):
    client.force_login(data_manager)

    assert client.post(f"/review/queries/{query.pk}/delete/").status_code == 404
    assert client.get(f"/review/queries/{query.pk}/close/").status_code == 405


# Verification and signature -------------------------------------------------------------------


def test_the_monitor_verifies_a_record_from_the_page(client, patient_a, monitor):
    client.force_login(monitor)

    page = client.post(f"{REVIEW}verify/", {"record": _token(_screening(patient_a))}, follow=True)

    assert _messages(page) == ["Marked verified against the source."]
    mark = SourceVerification.objects.get()
    assert (mark.record, mark.verified_by) == (_screening(patient_a), monitor)
    html = page.content.decode()
    assert '<span class="badge eligible">verified</span> 02/06/2025' in html
    assert "1 of 10 records verified and unchanged" in html


def test_the_page_shows_a_record_changed_since_verification(client, patient_a, monitor):
    client.force_login(monitor)
    client.post(f"{REVIEW}verify/", {"record": _token(_screening(patient_a))})

    Screening.objects.filter(patient=patient_a).update(ecog=2)

    html = client.get(REVIEW).content.decode()
    assert "changed since verification" in html
    assert "0 of 10 records verified and unchanged" in html


def test_a_wrong_password_at_signing_comes_back_as_a_message(client, patient_a, investigator):
    client.force_login(investigator)

    page = client.post(f"{REVIEW}sign/", {"password": "not-my-password"}, follow=True)

    assert _refused(page) == ["Wrong password: the casebook was not signed."]
    assert not Signature.objects.exists()
    html = page.content.decode()
    assert "Not signed" in html
    assert "not-my-password" not in html  # a password is never sent back


def test_the_investigator_signs_from_the_page(client, patient_a, investigator):
    client.force_login(investigator)

    page = client.post(f"{REVIEW}sign/", {"password": PASSWORD}, follow=True)

    assert _messages(page) == ["Casebook signed."]
    assert Signature.objects.get().signed_by == investigator
    html = page.content.decode()
    assert (
        'inv_a, <time datetime="2025-06-02T10:00:00+00:00" title="02/06/2025 10:00 UTC">'
        "02/06/2025 12:00 CEST</time>"
    ) in html
    assert '<span class="badge eligible">valid</span>' in html


def test_the_page_shows_a_signature_broken_by_a_later_change(client, patient_a, investigator):
    client.force_login(investigator)
    client.post(f"{REVIEW}sign/", {"password": PASSWORD})

    Screening.objects.filter(patient=patient_a).update(ecog=2)

    assert "broken: data changed after signing, sign again" in client.get(REVIEW).content.decode()


# Locks ----------------------------------------------------------------------------------------


def test_the_data_manager_locks_and_unlocks_from_the_page(client, patient_a, data_manager):
    client.force_login(data_manager)

    page = client.post(f"{REVIEW}lock/", {"reason": "Cut-off 31/05/2025"}, follow=True)
    assert _messages(page) == ["Patient's data locked."]
    lock = DataLock.objects.get()
    assert (lock.patient, lock.reason, lock.locked_by) == (
        patient_a,
        "Cut-off 31/05/2025",
        data_manager,
    )
    assert "<strong>Locked</strong> since 02/06/2025 (Cut-off 31/05/2025)" in page.content.decode()

    page = client.post(
        f"/review/locks/{lock.pk}/unlock/", {"reason": "Late query answered"}, follow=True
    )

    assert page.redirect_chain == [(REVIEW, 302)]
    assert _messages(page) == ["Unlocked; the reason is kept in the audit trail."]
    assert "Not locked" in page.content.decode()
    unlocked = history_of(lock)[-1]
    assert unlocked.username == "dm"
    assert unlocked.changes["unlock_reason"] == ("", "Late query answered")


def test_an_unlock_without_a_reason_comes_back_as_a_message(client, patient_a, data_manager):
    lock = data_lock(user=data_manager, patient=patient_a, reason="Cut-off 31/05/2025")
    client.force_login(data_manager)

    page = client.post(f"/review/locks/{lock.pk}/unlock/", {"reason": "\u200b"}, follow=True)

    assert _refused(page) == ["Unlocking needs a reason."]
    assert DataLock.objects.get(pk=lock.pk).active is True


def test_the_lock_is_named_on_the_record_page_that_refuses_the_change(
    client, ic_patient, coordinator, data_manager
):
    data_lock(user=data_manager, patient=ic_patient, reason="Cut-off 31/05/2025")
    client.force_login(coordinator)

    page = client.post(
        "/patients/03-001/cycles/new/",
        {
            "started_on": "2025-03-06",
            "ended_on": "2025-03-12",
            "amsacrine_mg_m2": "450",
            "cytarabine_mg_m2": "3000",
            "delay_days": "0",
            **(
                {"dexamethasone_given": "on", "dexamethasone_mg": "160"}
                if ic_patient.randomization.arm == "dex"
                else {}
            ),
        },
    )

    assert page.status_code == 200
    assert (
        "The data of patient 03-001 are locked since 02/06/2025 (Cut-off 31/05/2025)"
        in page.content.decode()
    )


def test_the_data_manager_locks_a_whole_site(client, patient_a, site_a, data_manager):
    client.force_login(data_manager)

    page = client.post("/review/locks/", {"site": "3", "reason": "Site closed out"}, follow=True)

    assert _messages(page) == ["Site 03 CHU Toulouse locked."]
    lock = DataLock.objects.get()
    assert (lock.site, lock.patient) == (site_a, None)
    assert "Site 03 CHU Toulouse" in page.content.decode()
    assert "<strong>Locked</strong>" in client.get(REVIEW).content.decode()


@pytest.mark.parametrize("who", ["coordinator", "investigator", "monitor"])
def test_only_the_data_manager_locks(client, request, patient_a, who):
    client.force_login(request.getfixturevalue(who))

    assert client.post(f"{REVIEW}lock/", {"reason": "Mine"}).status_code == 403
    assert client.post("/review/locks/", {"site": "3", "reason": "Mine"}).status_code == 403
    assert not DataLock.objects.exists()


def test_the_locks_page_lists_the_active_locks(client, patient_a, patient_b, data_manager):
    data_lock(user=data_manager, patient=patient_b, reason="Cut-off 31/05/2025")
    released = data_lock(user=data_manager, patient=patient_a, reason="Cut-off 31/05/2025")
    data_unlock(user=data_manager, lock=released, reason="Late query answered")
    client.force_login(data_manager)

    page = client.get("/review/locks/")

    assert [(lock.patient.study_id, lock.reason) for lock in page.context["locks"]] == [
        ("07-001", "Cut-off 31/05/2025")
    ]
    assert f'action="/review/locks/{released.pk}/unlock/"' not in page.content.decode()
