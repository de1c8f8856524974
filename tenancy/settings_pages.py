"""One way to build a settings page: a form, a service call, a refusal shown as a message, a redirect.

A page is then a form, a service and a few lines (see tickets/views/attachment_settings.py):

    @role_required(Role.ADMIN)
    @require_http_methods(["GET", "POST"])
    def attachment_settings(request):
        form = AttachmentPolicyForm(request.POST or None, initial=...)
        return settings_form_page(
            request, form=form, template="tickets/attachment_settings.html", success="Attachment rules saved.",
            save=lambda data: set_attachment_policy(tenant=..., actor=request.membership, **data),
            redirect_to="desk:attachment_settings",
        )

Each app lists its pages as `SETTINGS_SECTIONS` in its `tenant_hooks` module; the settings index shows each
member the sections their role reaches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from tenancy.errors import ServiceError
from tenancy.hooks import each_hook
from tenancy.models import CrossTenantError, Membership
from tenancy.roles import Role

# A refused change: its message is written for the person who tried it.
REFUSALS = (ServiceError, CrossTenantError, ValidationError)

GROUPS = ("Get started", "People", "Tickets", "Customers and portal", "Channels", "Automation", "Integrations", "Audit")


@dataclass(frozen=True)
class SettingsSection:
    label: str
    url_name: str
    description: str
    group: str
    min_role: Role = Role.ADMIN

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"Settings group {self.group!r} is not one of {GROUPS}.")


def settings_sections(membership: Membership) -> list[tuple[str, list[dict]]]:
    """The settings sections this member may open, grouped in the order of GROUPS."""
    grouped: dict[str, list[dict]] = {group: [] for group in GROUPS}
    for sections in each_hook("SETTINGS_SECTIONS"):
        for section in sections:
            if membership.has_role(section.min_role):
                grouped[section.group].append(
                    {"label": section.label, "url": reverse(section.url_name), "description": section.description}
                )
    return [(group, items) for group, items in grouped.items() if items]


def settings_form_page(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    save: Callable[[dict], object],
    template: str,
    success: str | Callable[[object], str],
    redirect_to: str | Callable[[object], str],
    context: dict | None = None,
) -> HttpResponse:
    """Render `form`; on a valid POST call `save(cleaned_data)` (the service), then redirect with `success`
    (a text, or a function of what the service returned).

    A refusal by the service (ServiceError, ValidationError, CrossTenantError) goes back onto the form, under
    its field when the service named one, with status 400; nothing is saved."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except REFUSALS as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, success(result) if callable(success) else success)
            target = redirect_to(result) if callable(redirect_to) else redirect_to
            return redirect(target)
    return render(request, template, {"form": form, **(context or {})}, status=400 if form.errors else 200)


def settings_action(
    request: HttpRequest,
    *,
    perform: Callable[[], object],
    success: str | Callable[[object], str],
    redirect_to: str,
) -> HttpResponse:
    """A one-button change (delete, rotate, deactivate): do it, say how it went (`success` may be a function of
    what `perform` returned), go back to `redirect_to`."""
    try:
        result = perform()
    except REFUSALS as refused:
        messages.error(request, refusal_text(refused))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to)


def add_refusal(form: forms.BaseForm, refused: Exception) -> None:
    """Put a refusal on the form: a ValidationError's field messages under those fields, the rest on top."""
    if isinstance(refused, ValidationError) and hasattr(refused, "error_dict"):
        for field, errors in refused.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
        return
    form.add_error(None, refusal_text(refused))


def refusal_text(refused: Exception) -> str:
    if isinstance(refused, ValidationError):
        return " ".join(refused.messages)
    return str(refused)
