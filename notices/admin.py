"""Who receives what is configuration: the administrator edits the notification rules here.

The e-mail log is read only: it is kept whole, never edited or deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from notices.models import NotificationRule, OutgoingEmail


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "role", "site", "active")
    list_filter = ("kind", "role", "site", "active")
    list_editable = ("active",)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
