"""Settings → Attachments (admins): the size limit per file and the kinds of file the tenant accepts."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from tenancy.models import Tenant
from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_form_page
from tickets.services.attachments import ATTACHMENT_KINDS, set_attachment_policy, tenant_kinds


class AttachmentPolicyForm(forms.Form):
    max_mb = forms.IntegerField(
        label="Largest file", min_value=1, max_value=100, help_text="In megabytes, per file (1 to 100)."
    )
    kinds = forms.MultipleChoiceField(
        label="Accepted kinds of file",
        choices=[(code, label) for code, (label, _) in ATTACHMENT_KINDS.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="The type is read from the file's bytes, never from its name. Anything else is refused "
        "with a clear message, in the desk, the portal and the API; refused mail attachments are noted.",
        error_messages={"required": "Accept at least one kind of file."},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def attachment_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = AttachmentPolicyForm(
        request.POST or None, initial={"max_mb": tenant.max_attachment_mb, "kinds": tenant_kinds(tenant)}
    )
    return settings_form_page(
        request,
        form=form,
        template="tickets/attachment_settings.html",
        success="Attachment rules saved.",
        save=lambda data: set_attachment_policy(
            tenant=Tenant.objects.get(pk=tenant.pk),
            actor=request.membership,
            max_mb=data["max_mb"],
            kinds=data["kinds"],
        ),
        redirect_to="desk:attachment_settings",
    )
