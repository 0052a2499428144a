"""The registry of declared forms: filled by each app's `crfs.py` when Django starts."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import models

from casebook.declarations import Form


class FormNotDeclared(LookupError):
    pass


class Casebook:
    """Every form of the trial, by name and by model, in timeline order."""

    def __init__(self) -> None:
        self._forms: dict[str, Form] = {}

    def register(self, *forms: Form) -> None:
        for form in forms:
            if form.name in self._forms and self._forms[form.name] != form:
                raise ValueError(f"Form {form.name!r} is declared twice.")
            self._forms[form.name] = form

    def __iter__(self) -> Iterator[Form]:
        return iter(sorted(self._forms.values(), key=lambda form: form.timeline_order))

    def __len__(self) -> int:
        return len(self._forms)

    def form(self, name: str) -> Form:
        try:
            return self._forms[name]
        except KeyError:
            raise FormNotDeclared(name) from None

    def form_of(self, model: type[models.Model]) -> Form:
        for form in self._forms.values():
            if form.model is model:
                return form
        raise FormNotDeclared(model._meta.label)


site = Casebook()
