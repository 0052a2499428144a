"""Exports are English (CDISC), whatever the reader's language.

A streamed export is written after the request's middleware has finished, when no language
is active any more (Django then falls back to LANGUAGE_CODE, French): each piece is produced
with English active, and nothing else in the thread is left in English between pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from django.utils import translation

EXPORT_LANGUAGE = "en"
Piece = TypeVar("Piece")


def in_english(pieces: Iterable[Piece]) -> Iterator[Piece]:
    """Yield the export's pieces, each produced with English active."""
    iterator = iter(pieces)
    while True:
        with translation.override(EXPORT_LANGUAGE):
            try:
                piece = next(iterator)
            except StopIteration:
                return
        yield piece
