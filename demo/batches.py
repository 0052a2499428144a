"""Loading the demo a few hundred patients per transaction, not the whole trial in one.

Why: every screening updates its site's row (the next study number) and every randomization
its stratum's (the allocations used). Inside one transaction PostgreSQL keeps every version of
those rows until it ends, so each later read of a site or stratum (most writes join the site)
walks thousands of dead versions: 10,000 patients did not finish in hours. Committed every few
hundred patients, the old versions are pruned as the load goes on.

The price: a failure half-way leaves the batches before it in the database (demo.trial says
so and how to start again). Called inside a transaction (the tests), the batches are savepoints
and nothing is committed before the caller's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

# Patients (or records, for the review) written per transaction.
PATIENTS_PER_TRANSACTION = 250


def batches(items: Iterable[T]) -> Iterator[list[T]]:
    """Return the items in runs of PATIENTS_PER_TRANSACTION, in order: one run per transaction."""
    items = iter(items)
    while batch := list(islice(items, PATIENTS_PER_TRANSACTION)):
        yield batch
