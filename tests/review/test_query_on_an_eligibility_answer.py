"""A query on an eligibility criterion's answer belongs to the screened patient: the review
page offers those answers, and raising a query on one was a server error (the answer knows
its patient through its screening)."""

from __future__ import annotations

from review.models import DataQuery
from review.services import query_raise


def test_it_raises_a_query_on_a_criterion_answer(patient_a, data_manager):
    answer = patient_a.screening.answers.order_by("code").first()

    query = query_raise(user=data_manager, record=answer, text="Please confirm the answer.")

    assert DataQuery.objects.get(pk=query.pk).patient == patient_a
    assert (query.object_id, query.content_type.model) == (answer.pk, "criterionanswer")
