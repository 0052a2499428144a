"""GET /datacuts/ (the frozen cuts, and the freeze form) and /datacuts/<pk>/download/.

The list shows what identifies each cut (label, cut-off, fingerprint, code version, size,
SHA-256) to the roles that follow the data cuts; the package itself holds results by arm and
is served only to the accounts that may read them (randomization.blinding), once its SHA-256
is checked against the one recorded at freezing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import user_can_freeze_data_cuts, user_can_list_data_cuts
from datacuts import selectors, services
from datacuts.forms import DataCutFreezeForm
from datacuts.models import DataCut
from refusals.pages import show_on_form


def _list_page(
    request: AuthenticatedHttpRequest, form: DataCutFreezeForm | None, *, status: int = 200
) -> HttpResponse:
    can_freeze = user_can_freeze_data_cuts(request.user)
    return render(
        request,
        "datacuts/list.html",
        {
            "cuts": selectors.data_cuts(),
            "form": form if form is not None else (DataCutFreezeForm() if can_freeze else None),
            "can_download": services.user_can_download_data_cut(request.user),
        },
        status=status,
    )


@login_required
def data_cut_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_can_list_data_cuts(request.user):
        raise PermissionDenied(_("Your role does not follow the data cuts."))
    return _list_page(request, None)


@login_required
@require_POST
def data_cut_freeze(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record the cut and queue its freezing; a refusal is shown beside the fields typed."""
    if not user_can_freeze_data_cuts(request.user):
        raise PermissionDenied(_("Only the statistician and the data manager freeze data cuts."))
    form = DataCutFreezeForm(request.POST)
    if form.is_valid():
        try:
            cut = services.data_cut_freeze(
                user=request.user,
                cutoff=form.cleaned_data["cutoff"],
                label=form.cleaned_data["label"],
            )
        except ValidationError as exc:
            show_on_form(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Data cut '%(label)s' recorded: a worker is freezing it. Reload to see it "
                    "frozen."
                )
                % {"label": cut.label},
            )
            return redirect("datacuts-list")
    return _list_page(request, form, status=400)


@login_required
def data_cut_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The package as a zip, once its SHA-256 is checked; an altered package is refused."""
    if not user_can_list_data_cuts(request.user):
        raise PermissionDenied(_("Your role does not follow the data cuts."))
    cut = get_object_or_404(DataCut, pk=pk)
    try:
        content = services.data_cut_package_read(cut=cut, user=request.user)
    except services.PackageAltered as refusal:
        return render(
            request, "datacuts/refused.html", {"cut": cut, "message": str(refusal)}, status=409
        )
    except ValidationError as refusal:
        return render(
            request,
            "datacuts/refused.html",
            {"cut": cut, "message": " ".join(refusal.messages)},
            status=409,
        )
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{cut.filename}"'
    response["X-Package-SHA256"] = cut.sha256
    return response
