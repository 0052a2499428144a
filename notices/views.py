"""The notices page: one's own notices, newest first; mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from notices import selectors, services

NOTICES_PER_PAGE = 50


@login_required
def notice_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.notices_of(request.user), NOTICES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notices/notice_list.html",
        {"page": page, "unread": selectors.unread_notice_count(request.user)},
    )


@login_required
@require_POST
def notice_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one of one's notices read; with `open`, go on to the page it links to."""
    # Another account's notice does not exist for this one.
    notice = get_object_or_404(selectors.notices_of(request.user), pk=pk)
    services.notice_mark_read(user=request.user, notice_id=notice.pk)
    if "open" in request.POST and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.link)
    return redirect(_back_to_list(request))


@login_required
@require_POST
def notices_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = services.notices_mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)d notice marked read.", "%(count)d notices marked read.", marked)
        % {"count": marked},
    )
    return redirect(_back_to_list(request))


def _back_to_list(request: AuthenticatedHttpRequest) -> str:
    page = request.POST.get("page", "")
    return f"/notices/?page={page}" if page.isdigit() else "/notices/"
