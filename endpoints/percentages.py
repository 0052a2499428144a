"""One way of writing a percentage on every page and CSV: one decimal, a half rounded up.

1/24 is 4.1666…%, written 4.2% (Django's number_format cut it to 4.1); 1/16 is 6.25%, written
6.3% (Python's format rounds a binary half to even, 6.2). The value is first rounded to nine
decimals, so that the float noise of 100 × n / N (14.499999999999998 for 14.5) does not decide
the last digit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import get_format

_ONE_DECIMAL = Decimal("0.1")


def percent_digits(percent: float) -> str:
    """Return a percentage (0–100) with one decimal, a half rounded up, with a point."""
    exact = Decimal(repr(round(float(percent), 9)))
    return str(exact.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP))


def percent_number(percent: float) -> str:
    """Return a percentage (0–100) as `percent_digits`, with the reader's decimal separator."""
    return percent_digits(percent).replace(".", get_format("DECIMAL_SEPARATOR"))
