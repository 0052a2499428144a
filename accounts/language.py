"""Which language a request is answered in.

The trial's sites are French hospitals, so French is the default: a user's own choice first,
else the language of the site they work at, else the trial's (LANGUAGE_CODE). The REST API
always answers in English, as the exports do (CDISC names and labels are English), whatever
the user chose: a sponsor's script must not get different field errors from a French account.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from accounts.models import Language, User

API_PATH_PREFIX = "/api/"
LANGUAGES = frozenset(Language.values)


def language_of_user(user: User) -> str:
    """The language a staff account works in: its own choice, else its first site's."""
    if user.language in LANGUAGES:
        return user.language
    site = user.sites.order_by("number").only("language").first()
    if site is not None and site.language in LANGUAGES:
        return site.language
    return trial_language()


def trial_language() -> str:
    """The trial's default language: LANGUAGE_CODE reduced to one the interface has."""
    code = settings.LANGUAGE_CODE.split("-")[0]
    return code if code in LANGUAGES else Language.FRENCH.value


def language_for_request(request: HttpRequest) -> str:
    """The language of this request's answer (see the module's docstring)."""
    if request.path.startswith(API_PATH_PREFIX):
        return Language.ENGLISH.value
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return language_of_user(user)
    # Before log-in: the language last chosen on this browser, else the trial's.
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in LANGUAGES else trial_language()


def page_after_language_choice(request: HttpRequest) -> str:
    """This page's address for the language switch to come back to: its path and query, less
    any `next` of its own (a way back the switch must not carry, least of all to another host)."""
    query = request.GET.copy()
    query.pop("next", None)
    return f"{request.path}?{query.urlencode()}" if query else request.path
