"""Django admin for sites and staff accounts (the trial's system administrator)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import AccessEvent, Site, SiteAssignment, User


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "active", "last_patient_sequence"]
    list_filter = ["active"]
    readonly_fields = ["last_patient_sequence"]


class SiteAssignmentInline(admin.TabularInline):
    model = SiteAssignment
    extra = 0


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "sites"]
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Trial role", {"fields": ["role"]}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Trial role", {"fields": ["role"]}),
    )
    inlines = [SiteAssignmentInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Accounts are deactivated, never deleted: the audit trail and access log refer to them.
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "username", "ip_address", "path"]
    list_filter = ["kind"]
    search_fields = ["username"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
