"""The auto-resolve and auto-close settings form: types and ranges here, the rules together in the service."""

from __future__ import annotations

from django import forms

from sla.automation.rules import DEFAULT_RESOLVE_MESSAGE, MAX_DAYS, MAX_MESSAGE


class AutomationSettingsForm(forms.Form):
    resolve_enabled = forms.BooleanField(label="Auto-resolve pending tickets", required=False)
    resolve_after_days = forms.IntegerField(
        label="Resolve after (days without a customer reply)",
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text="A ticket waiting for the customer (pending) is resolved after this many days with no reply. "
        "Tickets whose fields required at resolution are empty stay pending; the ticket says why.",
    )
    resolve_message = forms.CharField(
        label="Message to the customer",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": DEFAULT_RESOLVE_MESSAGE}),
        help_text="Sent by mail and shown in the portal when a ticket is auto-resolved. Empty: the text shown.",
    )
    close_enabled = forms.BooleanField(label="Auto-close resolved tickets", required=False)
    close_after_days = forms.IntegerField(
        label="Close after (days since resolution)",
        min_value=0,
        max_value=MAX_DAYS,
        required=False,
        help_text="Empty: when the reopen window ends. Never sooner than the window: until then a customer's "
        "reply reopens the ticket; after it, a reply starts a new one.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("resolve_enabled")
            and data.get("resolve_after_days") is None
            and not self.has_error("resolve_after_days")
        ):
            self.add_error("resolve_after_days", "Give the number of days, or turn auto-resolve off.")
        return data

    @classmethod
    def initial_from(cls, settings) -> dict:
        return {
            "resolve_enabled": settings.resolve_after_days is not None,
            "resolve_after_days": settings.resolve_after_days or 7,
            "resolve_message": settings.resolve_message,
            "close_enabled": settings.close_enabled,
            "close_after_days": settings.close_after_days,
        }
