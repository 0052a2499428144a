"""A step of the analysis gives back the pages it freed when it returns (glibc's heaps keep
them otherwise, and the next step's arrays add to them: endpoints/cohort_memory.py)."""

from __future__ import annotations

import numpy as np

from endpoints.cohort_memory import _trim, releasing_freed_memory

MB = 1 << 20


def _resident() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_this_machine_can_give_pages_back():
    assert _trim() is not None  # glibc: the worker's image and CI's


def test_a_step_gives_back_what_it_freed_when_it_returns():
    np.ones(
        32 * MB // 8
    )  # freed from a mapping of its own: glibc then keeps 1 MB arrays in its heap
    kept: list[np.ndarray] = []
    during: list[int] = []

    @releasing_freed_memory
    def step() -> None:
        temporaries = [np.ones(MB // 8) for _ in range(64)]
        kept.append(np.ones(MB // 8))  # allocated after them: the heap cannot shrink from its top
        del temporaries
        during.append(_resident())

    step()

    assert during[0] - _resident() > 32 * MB
