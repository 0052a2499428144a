"""A text stored in English and shown in the reader's language (automatic queries).

A query's `text` is stored in English (the API, the exports and the audit trail carry it as
written); an automatic check also stores its message id and placeholders, and a page shows
the text again in its reader's language, choice labels translated as they are read.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

Value = str | int


@dataclass(frozen=True)
class ChoiceLabel:
    """A choice's label, read in the reader's language: `choices` names its class
    ("protocol.ElnRisk"), `lower` writes it in lower case as inside a sentence."""

    choices: str
    value: str
    lower: bool = True

    def shown(self) -> str:
        module, name = self.choices.rsplit(".", 1)
        label = str(getattr(importlib.import_module(module), name)(self.value).label)
        return label.lower() if self.lower else label

    def as_json(self) -> dict[str, Any]:
        return {"choices": self.choices, "value": self.value, "lower": self.lower}


@dataclass(frozen=True)
class QueryText:
    """A message id (marked with gettext_noop) and its named placeholders' values."""

    msgid: str
    params: Mapping[str, Value | ChoiceLabel | QueryText] = field(default_factory=dict)

    def shown(self) -> str:
        """The text in the active language."""
        values = {
            name: value.shown() if isinstance(value, ChoiceLabel | QueryText) else value
            for name, value in self.params.items()
        }
        return gettext(self.msgid) % values

    def english(self) -> str:
        """The text as stored, exported and sent by the API."""
        with translation.override("en"):
            return self.shown()

    def as_json(self) -> dict[str, Any]:
        return {
            "msgid": self.msgid,
            "params": {
                name: value.as_json() if isinstance(value, ChoiceLabel | QueryText) else value
                for name, value in self.params.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QueryText:
        params: dict[str, Value | ChoiceLabel | QueryText] = {}
        for name, value in data.get("params", {}).items():
            if isinstance(value, dict) and "choices" in value:
                params[name] = ChoiceLabel(value["choices"], value["value"], value["lower"])
            elif isinstance(value, dict) and "msgid" in value:
                params[name] = cls.from_json(value)
            else:
                params[name] = value
        return cls(data["msgid"], params)


def query_text_shown(*, stored: str, message: Mapping[str, Any] | None) -> str:
    """The query text in the reader's language: the stored English when it has no message
    (a person's words, or a query raised before messages were kept) or the reader reads
    English."""
    if not message or (translation.get_language() or "en").startswith("en"):
        return stored
    return QueryText.from_json(message).shown()
