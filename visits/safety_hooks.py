"""The seam through which an app above visits learns of a serious adverse event.

visits sits below the safety reporting that a serious event starts (the SAE report on its
24-hour clock), so it cannot call it; the safety app registers its handler here from its
AppConfig.ready(), and visits' services call `serious_event_recorded` inside their own
transaction: the event and its report are saved together or not at all.
"""

from __future__ import annotations

from typing import Protocol

from accounts.models import User
from visits.models import AdverseEvent


class SeriousEventHook(Protocol):
    def __call__(self, event: AdverseEvent, *, user: User, fatal: bool = ...) -> object: ...


_HOOKS: list[SeriousEventHook] = []


def serious_event_hooks_register(hook: SeriousEventHook) -> None:
    """Call `hook` whenever an adverse event is saved serious, or becomes fatal by a death."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def serious_event_recorded(event: AdverseEvent, *, user: User, fatal: bool = False) -> None:
    """Tell every registered hook that `event` is serious (`fatal`: a death names it)."""
    for hook in _HOOKS:
        hook(event, user=user, fatal=fatal)
