"""Every percentage of the analyses and safety pages is written one way: one decimal, a half
rounded up. 1 death in 24 patients (4.1666…%) is 4.2% in the 30-day mortality of the analyses
page as in the safety tables (the analyses page used to cut it to 4.1), and 1 in 16 (6.25%)
is 6.3% on both pages and in the safety CSV (Python's format gave 6.2)."""

from __future__ import annotations

from django.utils import translation

from endpoints.safety_csv import percent as csv_percent
from endpoints.safety_tables import Count
from endpoints.templatetags.analysis import percent


def test_it_rounds_one_in_twenty_four_up_on_the_analyses_page_as_in_the_safety_tables():
    with translation.override("fr"):
        assert percent(1 / 24) == "4,2\u00a0%"
        assert str(Count(n=1, of=24)) == "1 (4,2\u00a0%)"


def test_it_rounds_a_half_up_on_every_page_and_in_the_csv():
    with translation.override("en"):
        assert percent(1 / 16) == "6.3%"
        assert str(Count(n=1, of=16)) == "1 (6.3%)"
        assert csv_percent(Count(n=1, of=16)) == "6.3"


def test_it_rounds_two_thirds_to_the_nearest_tenth():
    with translation.override("fr"):
        assert percent(2 / 3) == "66,7\u00a0%"
        assert str(Count(n=2, of=3)) == "2 (66,7\u00a0%)"
    with translation.override("en"):
        assert percent(1 / 3) == "33.3%"
        assert percent(0.145) == "14.5%"  # 100 × 0.145 is 14.499999999999998 in binary
        assert percent(1.0) == "100.0%"
        assert percent(0.0) == "0.0%"
