"""Writing XML as text, a piece at a time, so a large document can be streamed.

Values are escaped for element content and for double-quoted attributes; characters XML 1.0
cannot carry at all (most control characters) are dropped rather than making the document
unreadable, and line breaks in attributes are kept as character references.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from xml.sax.saxutils import escape

# Characters outside XML 1.0's Char production: no parser accepts them, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
# Any character that escaping or dropping would change: most values (OIDs, codes, dates,
# numbers) have none and are written as they are, one search instead of eight passes
# (an ODM export of 10,000 patients writes ~3 million attributes).
_TOUCHED_IN_ATTRIBUTE = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')

Attributes = Mapping[str, object | None]


def text(value: object) -> str:
    """Return the value as escaped element content."""
    return escape(_NOT_XML.sub("", str(value)))


def attribute_value(value: object) -> str:
    """Return the value escaped for a double-quoted attribute."""
    value = str(value)
    if _TOUCHED_IN_ATTRIBUTE.search(value) is None:
        return value
    return escape(_NOT_XML.sub("", value), _ATTRIBUTE_ENTITIES)


def attributes(values: Attributes) -> str:
    """Return ` name="value"` for every attribute given a value (None leaves it out)."""
    return "".join(
        f' {name}="{attribute_value(value)}"' for name, value in values.items() if value is not None
    )


def start(tag: str, values: Attributes | None = None) -> str:
    return f"<{tag}{attributes(values or {})}>"


def end(tag: str) -> str:
    return f"</{tag}>"


def empty(tag: str, values: Attributes | None = None) -> str:
    return f"<{tag}{attributes(values or {})}/>"


def element(tag: str, content: object, values: Attributes | None = None) -> str:
    """Return an element holding text."""
    return f"{start(tag, values)}{text(content)}{end(tag)}"


def translated(tag: str, english: str, french: str | None = None) -> str:
    """Return an ODM element (Question, Decode, ...) holding its text in both languages of
    the trial: one TranslatedText in English, one in French (the English again where the
    text has no French, such as a unit's symbol)."""
    french = french or english
    return (
        start(tag)
        + element("TranslatedText", english, {"xml:lang": "en"})
        + element("TranslatedText", french, {"xml:lang": "fr"})
        + end(tag)
    )
