"""The API's JSON parser: bounded nesting, no control characters, field errors.

Python's decoder recurses once per level: a body nested ~1,000 deep exhausted the stack
(500) on every endpoint before any view ran. No request of the trial nests beyond a few
levels, so a body deeper than MAX_DEPTH is refused before decoding. A control character
in any string (keys included; tab, CR and LF allowed) is refused under the top-level
field that holds it, like the serializers' own field errors (refusals/text.py).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from refusals.text import CONTROL_CHARACTER_MESSAGE, CONTROL_CHARACTERS

MAX_DEPTH = 64
TOO_DEEP = f"JSON nested too deeply (at most {MAX_DEPTH} levels)."
# A string literal (skipped whole, so brackets inside text do not count) or a bracket.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def nesting_exceeds(text: str, limit: int = MAX_DEPTH) -> bool:
    """Return True when the JSON text opens more than `limit` arrays or objects at once."""
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "]}":
            depth -= 1
    return False


def _strings_of(value: Any):
    """Yield every string of a decoded JSON value: keys and values, at every level."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def refuse_control_characters(data: Any) -> None:
    """Raise a 400 naming the top-level field whose value holds a control character."""
    fields = data.items() if isinstance(data, dict) else [("non_field_errors", data)]
    errors: dict[str, list[Any]] = {}
    for name, value in fields:
        if CONTROL_CHARACTERS.search(name):  # a key no serializer declares
            errors["non_field_errors"] = [CONTROL_CHARACTER_MESSAGE]
        elif any(CONTROL_CHARACTERS.search(text) for text in _strings_of(value)):
            errors[name] = [CONTROL_CHARACTER_MESSAGE]
    if errors:
        raise ValidationError(errors)


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing deep nesting and control characters with a 400."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_exceeds(text):
            raise ParseError(TOO_DEEP)
        parse_constant = json.strict_constant if self.strict else None
        try:
            data = json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        refuse_control_characters(data)
        return data
