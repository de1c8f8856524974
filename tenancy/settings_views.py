"""Settings pages tenancy owns: the settings index, the setup checklist, branding, members and the audit."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from tenancy import services
from tenancy.filters import ConfigChangeFilter
from tenancy.forms import BrandingForm
from tenancy.models import Tenant
from tenancy.roles import Role, role_required
from tenancy.selectors import list_config_changes, list_members
from tenancy.settings_pages import settings_form_page, settings_sections
from tenancy.setup import checklist

MEMBERS_PER_PAGE = 50
CHANGES_PER_PAGE = 50


@role_required(Role.SUPERVISOR)
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    """Every settings page this member's role reaches, grouped; admins also see how far setup has come."""
    items = checklist(request.tenant) if request.membership.has_role(Role.ADMIN) else []
    context = {
        "groups": settings_sections(request.membership),
        "checklist": items,
        "checklist_done": sum(item.done for item in items),
    }
    return render(request, "tenancy/settings.html", context)


@role_required(Role.ADMIN)
@require_GET
def setup_checklist(request: HttpRequest) -> HttpResponse:
    items = checklist(request.tenant)
    context = {"checklist": items, "checklist_done": sum(item.done for item in items)}
    return render(request, "tenancy/setup.html", context)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def branding(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = BrandingForm(request.POST or None, request.FILES or None, instance=Tenant.objects.get(pk=tenant.pk))
    return settings_form_page(
        request,
        form=form,
        template="tenancy/branding.html",
        success="Branding saved.",
        save=lambda data: services.update_branding(
            tenant=tenant,
            actor=request.membership,
            display_name=data["display_name"],
            accent_colour=data["accent_colour"],
            logo=request.FILES.get("logo"),
        ),
        redirect_to="desk:branding",
    )


@role_required(Role.ADMIN)
@require_GET
def members(request: HttpRequest) -> HttpResponse:
    page = Paginator(list_members(), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tenancy/members.html", {"members": page})


@role_required(Role.ADMIN)
@require_GET
def config_audit(request: HttpRequest) -> HttpResponse:
    """Who changed which setting, newest first, filtered by area, person and date."""
    changes = ConfigChangeFilter(request.GET or None, queryset=list_config_changes())
    page = Paginator(changes.qs, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tenancy/audit.html", {"filter": changes, "changes": page, "query": query.urlencode()})
