"""Settings → API keys (admins): list, create (the key is shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tenancy.roles import Role, role_required
from tenancy.settings_pages import REFUSALS, add_refusal, settings_action
from tickets.models import ApiKey
from tickets.services import api_keys


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=api_keys.MAX_NAME, help_text="What will use it, e.g. “CRM sync” or “Status page”."
    )
    role = forms.ChoiceField(
        choices=ApiKey.ROLES,
        initial=Role.AGENT,
        help_text="Agent: tickets, replies and notes. Supervisor and admin: also contacts and organisations. "
        "Never more than your own role.",
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(v, label) for v, label in ApiKey.ROLES if Role(member.role).at_least(v)]


def _page(request: HttpRequest, form: ApiKeyForm, *, new_key: str = "", status: int = 200) -> HttpResponse:
    keys = ApiKey.objects.select_related("created_by__user").order_by("revoked_at", "-created_at", "-id")
    context = {"form": form, "keys": keys, "new_key": new_key}
    return render(request, "tickets/api_keys.html", context, status=status)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
@never_cache
def api_key_list(request: HttpRequest) -> HttpResponse:
    """GET: the keys and the form; POST: create a key and show it once (rendered, never redirected to, so the
    plaintext is in no URL, session or log: the one settings page that cannot end in the helper's redirect)."""
    member = request.membership
    form = ApiKeyForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            key, plaintext = api_keys.create_api_key(
                actor=member, name=form.cleaned_data["name"], role=form.cleaned_data["role"]
            )
        except REFUSALS as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, f"Created the key “{key.name}”. Copy it now: it will not be shown again.")
            return _page(request, ApiKeyForm(member=member), new_key=plaintext)
    return _page(request, form, status=400 if form.errors else 200)


def _key_or_404(pk: int) -> ApiKey:
    key = ApiKey.objects.select_related("created_by__user").filter(pk=pk).first()
    if key is None:
        raise Http404("No such API key.")
    return key


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask to confirm; POST: revoke."""
    key = _key_or_404(pk)
    if request.method == "GET":
        return render(request, "tickets/api_key_revoke.html", {"key": key})
    return settings_action(
        request,
        perform=lambda: api_keys.revoke_api_key(actor=request.membership, key=key),
        success=f"Revoked “{key.name}”: requests with it are refused from now on.",
        redirect_to="desk:api_keys",
    )
