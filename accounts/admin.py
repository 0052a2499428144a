"""Django admin for sites and staff accounts (the trial's system administrator)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UsernameField
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from accounts.forms import AdminLogInForm
from accounts.models import AccessEvent, LockoutRelease, Site, SiteAssignment, User
from accounts.services import staff_role_change
from audit.records import REASON_MAX_LENGTH, reason_for_change

# The admin's log-in refuses an over-long username as the pages' does (accounts/forms.py).
admin.site.login_form = AdminLogInForm


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "active", "last_patient_sequence"]
    list_filter = ["active"]
    readonly_fields = ["last_patient_sequence"]


class SiteAssignmentInline(admin.TabularInline):
    model = SiteAssignment
    extra = 0


class StaffChangeForm(UserChangeForm):
    """The admin's account form: a new role needs a reason, which the audit trail keeps."""

    role_change_reason = forms.CharField(
        label=_("Reason for the role change"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Required when the role changes; kept with the change in the audit trail."),
    )

    class Meta:
        model = User
        fields = "__all__"
        field_classes = {"username": UsernameField}

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        reason = self.cleaned_data.get("role_change_reason", "")
        if "role" in self.changed_data:
            try:
                reason_for_change(
                    reason,
                    field="role_change_reason",
                    missing=_("Give the reason for the role change: the audit trail keeps it."),
                )
            except ValidationError as refused:
                self.add_error(None, refused)
        return cleaned


@admin.register(User)
class StaffAdmin(UserAdmin):
    form = StaffChangeForm
    list_display = ["username", "first_name", "last_name", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "sites"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("Trial role"), {"fields": ["role", "role_change_reason"]}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Trial role"), {"fields": ["role"]}),
    )
    inlines = [SiteAssignmentInline]

    def save_model(self, request: HttpRequest, obj: User, form: forms.Form, change: bool) -> None:
        if not (change and "role" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # A role decides what an account may see and do: it changes only through the service,
        # which records the reason in the audit trail. The other fields are saved first, with
        # the role the account had.
        new_role = obj.role
        obj.role = form.initial["role"]
        super().save_model(request, obj, form, change)
        staff_role_change(
            user=obj, role=new_role, reason=form.cleaned_data["role_change_reason"].strip()
        )

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # Accounts are deactivated, never deleted: the audit trail and access log refer to them.
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "username", "ip_address", "path"]
    list_filter = ["kind"]
    search_fields = ["username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessEvent | None = None) -> bool:
        return False


# knox's own admin lists token digests and lets an administrator create a token for anyone
# (shown to the administrator), who could then act as that person in the audit trail.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens, listed but not readable: whose, since and until when. Nobody creates one
    here, and no page shows a token's digest (its key). To end an account's tokens, change
    its password or deactivate it (accounts/signals.py)."""

    list_display = ["user", "created", "expiry"]
    list_display_links = None
    fields = ["user", "created", "expiry"]  # a view page, if reached, shows no digest or key
    list_filter = ["user__role"]
    search_fields = ["user__username", "user__last_name"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuthToken | None = None) -> bool:
        return False


@admin.register(LockoutRelease)
class LockoutReleaseAdmin(admin.ModelAdmin):
    list_display = ["released_at", "username", "ip_address", "released_by", "reason"]
    search_fields = ["username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LockoutRelease | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LockoutRelease | None = None
    ) -> bool:
        return False
