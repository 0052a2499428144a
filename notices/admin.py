"""Who receives what is configuration: the administrator edits the notification rules here,
each change with its reason. The e-mail log is read only: kept whole, never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.records import REASON_MAX_LENGTH
from notices.models import NotificationRule, OutgoingEmail
from notices.services import notification_rule_save, outgoing_emails_send_again

SEND_AGAIN_REASON = "Sent again from the admin after the mail server had failed"


class NotificationRuleForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept with the change in the audit trail."),
    )

    class Meta:
        model = NotificationRule
        fields = ["kind", "role", "site", "active"]


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    form = NotificationRuleForm
    list_display = ("kind", "role", "site", "active")
    list_filter = ("kind", "role", "site", "active")

    def save_model(
        self, request: HttpRequest, obj: NotificationRule, form: forms.Form, change: bool
    ) -> None:
        user = request.user
        assert isinstance(user, User)  # the admin is behind its log-in
        notification_rule_save(rule=obj, user=user, reason=form.cleaned_data["reason"])

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Rules are switched off (active), not deleted: the trail then reads plainly.
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject")
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Send the failed e-mails again"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutgoingEmail]) -> None:
        user = request.user
        assert isinstance(user, User)  # the admin is behind its log-in
        queued = outgoing_emails_send_again(
            ids=list(queryset.values_list("pk", flat=True)), user=user, reason=SEND_AGAIN_REASON
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d failed e-mail queued again.",
                "%(count)d failed e-mails queued again.",
                len(queued),
            )
            % {"count": len(queued)},
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
