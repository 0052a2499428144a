"""Every list answers 401, with a `detail`, to a call without a valid token."""

from __future__ import annotations

import pytest

from tests.api.lists import LISTS

URLS = ["/api/v1/sites/", *(endpoint.url for endpoint in LISTS)]


@pytest.mark.parametrize("authorization", [None, "Token 0123456789abcdef0123456789abcdef01234567"])
def test_it_answers_401_to_a_call_without_a_valid_token(two_batches, api_as, authorization):
    api = api_as(None)
    if authorization:
        api.credentials(HTTP_AUTHORIZATION=authorization)

    answers = {url: api.get(url) for url in URLS}

    assert {url: a.status_code for url, a in answers.items()} == dict.fromkeys(URLS, 401)
    assert all(set(a.json()) == {"detail"} for a in answers.values())
    assert all(a["WWW-Authenticate"] == "Token" for a in answers.values())
