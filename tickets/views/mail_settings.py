"""Settings → Email (admins): support addresses with their verification, the wording of customer mail with a
preview, the inbound endpoint's secret (shown once) and the log of outgoing mail with a retry for failed ones."""

from __future__ import annotations

from csp.decorators import csp_update
from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tenancy.settings_pages import REFUSALS, add_refusal, settings_action, settings_form_page
from tickets.mail import composing
from tickets.models import OutboundEmail, Queue, SupportAddress
from tickets.selectors import mail as mail_selectors
from tickets.services import address_claims, customer_mail, mail_settings
from tickets.views.common import form_error_text

Kind = OutboundEmail.Kind
# What each kind of mail is for, on the settings page.
KIND_HELP = {
    Kind.ACKNOWLEDGEMENT: "Sent to the requester when their mail or portal request opens a ticket.",
    Kind.REPLY: "Carries an agent's public reply to the requester.",
    Kind.STATUS: "Tells the requester their request is waiting for them, or on hold.",
    Kind.RESOLVED: "Tells the requester their request is resolved and asks for a rating.",
    Kind.SIGN_IN: "The passwordless sign-in link for the customer portal.",
    Kind.PASSWORD_RESET: "The link to choose a new password.",
}


class SupportAddressForm(forms.Form):
    email = forms.EmailField(label="Address", max_length=254, help_text="e.g. support@yourcompany.com")
    name = forms.CharField(label="Display name", max_length=100, required=False, help_text="e.g. “Acme Support”.")
    queue = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Default queue", label="New tickets go to"
    )
    is_default = forms.BooleanField(required=False, label="Send customer mail from this address")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = Queue.objects.order_by("name")


class SupportAddressEditForm(SupportAddressForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]


class EmailTemplateForm(forms.Form):
    subject = forms.CharField(max_length=composing.MAX_SUBJECT)
    body_text = forms.CharField(
        label="Plain text", max_length=composing.MAX_TEMPLATE, widget=forms.Textarea(attrs={"rows": 12})
    )
    body_html = forms.CharField(
        label="HTML (optional)",
        max_length=composing.MAX_TEMPLATE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="Leave empty to make the HTML version from the plain text. Scripts, styles, images and forms "
        "are removed.",
    )


def _page(request: HttpRequest, *, new_secret: str = "") -> HttpResponse:
    context = {**_context(request, new_secret=new_secret), "form": SupportAddressForm()}
    return render(request, "tickets/settings_email.html", context)


def _context(request: HttpRequest, *, new_secret: str = "") -> dict:
    """What the email page shows besides the form to add an address (`form`)."""
    templates = mail_selectors.templates_by_kind()
    addresses = mail_selectors.list_support_addresses(tenant_id=request.tenant.pk)
    queues = list(Queue.objects.order_by("name"))
    try:
        inbound_url = request.tenant.url(reverse("inbound_email"))
    except NoReverseMatch:
        inbound_url = ""
    context = {
        "addresses": addresses,
        "queues": queues,
        "own_address": address_claims.own_address(request.tenant),
        "kinds": [
            {"value": kind.value, "label": kind.label, "help": KIND_HELP[kind], "template": templates.get(kind)}
            for kind in KIND_HELP  # the editable kinds (a verification mail's wording is fixed)
        ],
        "mail_settings": mail_selectors.get_mail_settings(),
        "new_secret": new_secret,
        "inbound_url": inbound_url,
        "mail_log": mail_selectors.list_recent_mail(),
        "secret_kinds": customer_mail.SECRET_KINDS,
        "platform_authserv_ids": ", ".join(settings.MAIL_TRUSTED_AUTHSERV_IDS),
    }
    return context


@role_required(Role.ADMIN)
@require_http_methods(["GET"])
def email_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _added(request: HttpRequest):
    def text(address: SupportAddress) -> str:
        if address_claims.is_verified(tenant_id=request.tenant.pk, email=address.email):
            return f"Added {address.email}."
        return (
            f"Added {address.email}. We mailed it a verification link: once an admin of this help desk "
            "opens it, the address receives mail and sends it."
        )

    return text


@role_required(Role.ADMIN)
@require_POST
def support_address_add(request: HttpRequest) -> HttpResponse:
    return settings_form_page(
        request,
        form=SupportAddressForm(request.POST),
        save=lambda data: mail_settings.add_support_address(actor=request.membership, **data),
        template="tickets/settings_email.html",
        success=_added(request),
        redirect_to="desk:email_settings",
        context=_context(request),
    )


support_address_add.allowed_methods = {"POST"}


@role_required(Role.ADMIN)
@require_POST
def support_address_update(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SupportAddress, pk=pk)
    form = SupportAddressEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("desk:email_settings")
    return settings_action(
        request,
        perform=lambda: mail_settings.update_support_address(
            actor=request.membership, address=address, **form.cleaned_data
        ),
        success=f"Saved {address.email}.",
        redirect_to=reverse("desk:email_settings"),
    )


@role_required(Role.ADMIN)
@require_POST
def support_address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SupportAddress, pk=pk)
    return settings_action(
        request,
        perform=lambda: mail_settings.remove_support_address(actor=request.membership, address=address),
        success=f"Removed {address.email}. Mail sent to it no longer opens tickets.",
        redirect_to=reverse("desk:email_settings"),
    )


# The HTML preview is a sandboxed srcdoc frame, which inherits this page's Content-Security-Policy; the mail's
# style attributes (mail clients need them inline) may apply there, nothing else may run or load.
@csp_update({"style-src-attr": ["'unsafe-inline'"]})
@role_required(Role.ADMIN)
@require_POST
def support_address_resend(request: HttpRequest, pk: int) -> HttpResponse:
    address = get_object_or_404(SupportAddress, pk=pk)
    return settings_action(
        request,
        perform=lambda: mail_settings.send_address_verification(actor=request.membership, address=address),
        success=f"Sent a new verification link to {address.email}; older links no longer work.",
        redirect_to=f"{reverse('desk:email_settings')}#addresses",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@never_cache
def support_address_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The link mailed to an address: GET shows what it verifies (mail scanners open links, so only the admin's
    POST verifies); either refuses a link that is forged, expired, used or for another help desk."""
    try:
        if request.method == "POST":
            claim = mail_settings.verify_support_address(actor=request.membership, token=token)
            messages.success(request, f"{claim.email} is verified: it receives mail and sends it from now on.")
            return redirect(f"{reverse('desk:email_settings')}#addresses")
        claim = address_claims.read_verification_token(tenant=request.tenant, token=token)
    except REFUSALS as refused:
        return render(request, "tickets/settings_email_verify.html", {"refusal": str(refused)}, status=400)
    return render(request, "tickets/settings_email_verify.html", {"claim": claim})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def email_template(request: HttpRequest, kind: str) -> HttpResponse:
    """Edit one kind's wording. Buttons: save, preview (fills the typed wording with a sample ticket, saves
    nothing) and reset (back to the built-in wording)."""
    if kind not in KIND_HELP:
        raise Http404("No such kind of mail.")
    current = mail_selectors.templates_by_kind().get(kind)
    wording = composing.wording_for(kind, current)
    action = request.POST.get("action", "preview") if request.method == "POST" else "show"
    if action == "reset":
        return settings_action(
            request,
            perform=lambda: mail_settings.reset_email_template(actor=request.membership, kind=kind),
            success=f"The {Kind(kind).label.lower()} mail uses the built-in wording again.",
            redirect_to=reverse("desk:email_template", args=[kind]),
        )
    initial = {"subject": wording.subject, "body_text": wording.body_text, "body_html": wording.body_html}
    form = EmailTemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    preview, status = None, 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "save":
                mail_settings.save_email_template(actor=request.membership, kind=kind, **data)
                messages.success(request, f"Saved the {Kind(kind).label.lower()} mail.")
                return redirect("desk:email_template", kind=kind)
            typed = composing.clean_wording(kind, **data)
        except composing.TemplateError as refused:
            form.add_error(None, str(refused))
            status = 400
        except REFUSALS as refused:
            add_refusal(form, refused)
            status = 400
        else:
            preview = mail_settings.preview_email(tenant=request.tenant, kind=kind, wording=typed)
    elif request.method == "POST":
        status = 400
    else:
        preview = mail_settings.preview_email(tenant=request.tenant, kind=kind, wording=wording)
    context = {
        "kind": Kind(kind),
        "help": KIND_HELP[kind],
        "form": form,
        "customised": current is not None,
        "template": current,
        "placeholders": composing.PLACEHOLDERS[kind],
        "preview": preview,
    }
    return render(request, "tickets/settings_email_template.html", context, status=status)


@role_required(Role.ADMIN)
@require_POST
@never_cache
def inbound_secret_rotate(request: HttpRequest) -> HttpResponse:
    """Make a new inbound secret and show it once (rendered, never redirected to, so it is in no URL or session)."""
    secret = mail_settings.rotate_inbound_secret(actor=request.membership)
    messages.success(request, "New inbound secret made. The old one no longer works.")
    return _page(request, new_secret=secret)


inbound_secret_rotate.allowed_methods = {"POST"}


@role_required(Role.ADMIN)
@require_POST
def outbound_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Sending a failed mail again is an operation, not a setting: no audit row, refusals said as messages."""
    outbound = get_object_or_404(OutboundEmail, pk=pk)
    return settings_action(
        request,
        perform=lambda: customer_mail.retry_outbound_email(outbound=outbound),
        success=f"Sending the mail to {outbound.to_address} again.",
        redirect_to=f"{reverse('desk:email_settings')}#mail-log",
    )
