"""Open queries show on the site dashboard until they are answered and closed."""

from __future__ import annotations

from review.services import query_answer, query_raise


def test_it_counts_open_and_answered_queries_on_the_site_dashboard(
    client, patient_a, data_manager, coordinator, coordinator_b
):
    first = query_raise(
        user=data_manager,
        record=patient_a.screening,
        field_name="ecog",
        text="ECOG 1 with a bedridden note?",
    )
    query_raise(
        user=data_manager, record=patient_a.screening, field_name="wbc", text="WBC unit: ×10⁹/L?"
    )
    query_answer(user=coordinator, query=first, text="Checked: ECOG 1.")

    client.force_login(coordinator)
    page = client.get("/").content.decode()
    assert "1 open query</a> awaiting the site's answer · 1 answered" in page

    client.force_login(coordinator_b)  # another site: none of these
    assert "open quer" not in client.get("/").content.decode()
