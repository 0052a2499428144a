"""What text the trial accepts from people and systems: no control characters, a bound on
every field, and reasons that say something.

PostgreSQL cannot store a NUL character and a control character shown in a casebook or an
export hides what was typed, so every text input is refused one: paths and query strings
by `refusals.middleware`, JSON bodies by the API's parser (api/parsers.py), and each text
field, on a form, a serializer or a model, by `no_control_characters` (declared on the
model field, so ModelForms, ModelSerializers and `text_checked` apply it). Tab, carriage
return and line feed are the exceptions, in text that may run over several lines; a path
or a query string has none.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# In a path, a query string or a single-line value: tab, LF and CR too.
ANY_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")

CONTROL_CHARACTER_MESSAGE = _("Remove the control characters (such as NUL) from this text.")

# Free text a person writes beside the data (a screening note, a query, its answer): a
# paragraph or two. A short note on a clinical form keeps its own, smaller, model bound.
FREE_TEXT_MAX_LENGTH = 1000


@deconstructible
class NoControlCharacters:
    """Refuse a value holding a control character (tab, CR and LF allowed)."""

    message = CONTROL_CHARACTER_MESSAGE
    code = "control_characters"

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharacters)

    def __hash__(self) -> int:
        return hash(self.code)


no_control_characters = NoControlCharacters()


def has_visible_text(value: str) -> bool:
    """Return True when the text shows at least one character: spaces, zero-width and other
    invisible format characters alone say nothing."""
    return any(
        not (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp"))
        for char in value
    )


def text_checked(model: type[Model], name: str, value: str, *, field: str = "") -> str:
    """Return `value` once the model's field `name` admits it (its max_length, no control
    character), or refuse it under `field` (default: `name`). For services that take text
    from a page's raw POST as well as from a serializer: the rule declared on the model."""
    try:
        return model._meta.get_field(name).clean(value, None)  # type: ignore[union-attr]
    except ValidationError as refused:
        raise ValidationError({field or name: refused.messages}) from None
