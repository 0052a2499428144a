"""Reading R's reference figures (tests/data/reference/) and comparing with them to 1e-6."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
RELATIVE = 1e-6


def reference(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open() as handle:
        return list(csv.DictReader(handle))


def agree(ours: float | None, theirs: float | None, relative: float = RELATIVE) -> bool:
    """Equal to `relative`, with R's NA (None) matched by None, never by 0 or 1."""
    if theirs is None:
        return ours is None
    if ours is None:
        return False
    return math.isclose(ours, theirs, rel_tol=relative, abs_tol=1e-12)


def all_agree(ours: Sequence[float | None], theirs: Sequence[float | None]) -> None:
    assert len(ours) == len(theirs)
    mismatches = [
        (i, a, b) for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if not agree(a, b)
    ]
    assert not mismatches, mismatches[:5]
