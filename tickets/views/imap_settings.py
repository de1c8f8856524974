"""Settings → Email → IMAP mailboxes (admins): mailboxes the intake polls, with when each was last read and its
last error, so a wrong password shows here instead of mail going quietly missing."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tenancy import outbound
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets.models import ImapMailbox
from tickets.services import imap_mailboxes, mail_authentication
from tickets.views.common import REFUSED


def _no_control_characters(value: str) -> None:
    if outbound.has_control_characters(value):
        raise forms.ValidationError("No line breaks or other control characters here.")


_PLAIN = [_no_control_characters]


class ImapMailboxForm(forms.Form):
    host = forms.CharField(max_length=253, validators=_PLAIN, help_text="Your mail server, e.g. imap.example.com.")
    port = forms.IntegerField(min_value=1, max_value=65535, initial=993, help_text="993 with TLS, 143 without.")
    use_ssl = forms.BooleanField(required=False, initial=True, label="Connect with TLS (recommended)")
    username = forms.CharField(max_length=254, validators=_PLAIN, label="User name")
    password = forms.CharField(
        max_length=254,
        required=False,
        validators=_PLAIN,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="An app password if your provider offers them.",
    )
    folder = forms.CharField(
        max_length=100, initial="INBOX", validators=_PLAIN, help_text="Unread mail in this folder becomes tickets."
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Read this mailbox")
    trusted_authserv_ids = forms.CharField(
        max_length=255,
        required=False,
        label="Trusted receiving host (authserv-id)",
        help_text="The host your provider names in Authentication-Results (e.g. mx.google.com). Empty: the "
        "platform's. Replies whose sender it did not authenticate are held for review.",
    )

    def clean_trusted_authserv_ids(self) -> str:
        try:
            return mail_authentication.clean_authserv_ids(self.cleaned_data["trusted_authserv_ids"])
        except REFUSED as refused:
            raise forms.ValidationError(str(refused)) from refused

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["password"].help_text = "Leave empty to keep the current password."
        else:
            self.fields["password"].required = True
            del self.fields["is_active"]


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@never_cache
def imap_mailbox_list(request: HttpRequest) -> HttpResponse:
    """GET: the mailboxes and the form to add one; POST: add one."""
    return settings_form_page(
        request,
        form=ImapMailboxForm(request.POST or None),
        save=lambda data: imap_mailboxes.add_imap_mailbox(actor=request.membership, **data),
        template="tickets/settings_imap.html",
        success=lambda mailbox: f"Added {mailbox}: its unread mail is read within a minute.",
        redirect_to="desk:imap_mailboxes",
        context={"mailboxes": ImapMailbox.objects.defer("password").order_by("host", "username", "id")},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@never_cache
def imap_mailbox_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(ImapMailbox, pk=pk)
    fields = ("host", "port", "use_ssl", "username", "folder", "is_active", "trusted_authserv_ids")
    initial = {f: getattr(mailbox, f) for f in fields}
    return settings_form_page(
        request,
        form=ImapMailboxForm(request.POST or None, initial=initial, editing=True),
        save=lambda data: imap_mailboxes.update_imap_mailbox(actor=request.membership, mailbox=mailbox, **data),
        template="tickets/settings_imap_edit.html",
        success=f"Saved {mailbox}.",
        redirect_to="desk:imap_mailboxes",
        context={"mailbox": mailbox},
    )


@role_required(Role.ADMIN)
@require_POST
def imap_mailbox_remove(request: HttpRequest, pk: int) -> HttpResponse:
    mailbox = get_object_or_404(ImapMailbox, pk=pk)
    return settings_action(
        request,
        perform=lambda: imap_mailboxes.remove_imap_mailbox(actor=request.membership, mailbox=mailbox),
        success=f"Stopped reading {mailbox}.",
        redirect_to="desk:imap_mailboxes",
    )


@role_required(Role.ADMIN)
@require_POST
def imap_mailbox_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """Read now: an operation, not a setting (no audit row), refused as a message like one."""
    mailbox = get_object_or_404(ImapMailbox, pk=pk)
    return settings_action(
        request,
        perform=lambda: imap_mailboxes.poll_imap_mailbox_now(actor=request.membership, mailbox=mailbox),
        success=f"Reading {mailbox} now; reload in a moment to see the result.",
        redirect_to="desk:imap_mailboxes",
    )
