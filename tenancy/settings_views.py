"""Settings pages tenancy owns: the settings index, the setup checklist, branding, members and the audit."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenancy import services
from tenancy.filters import ConfigChangeFilter
from tenancy.forms import (
    AgentVisibilityForm,
    BrandingForm,
    DeactivateMemberForm,
    InviteForm,
    MemberCapacityForm,
    MemberRoleForm,
    MemberSkillsForm,
    TenantTimeZoneForm,
)
from tenancy.members import member_panels, open_work_of
from tenancy.models import Invitation, Tenant
from tenancy.roles import Role, role_required
from tenancy.selectors import get_member, list_config_changes, list_members, list_pending_invitations, list_staff
from tenancy.settings_pages import settings_action, settings_form_page, settings_sections
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
    return render(request, "tenancy/members.html", _members_context(request, invite=InviteForm()))


@role_required(Role.ADMIN)
@require_POST
def member_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    return settings_form_page(
        request,
        form=form,
        template="tenancy/members.html",
        success=f"Invitation sent to {request.POST.get('email', '').strip().lower()}.",
        save=lambda data: services.invite_member(actor=request.membership, email=data["email"], role=data["role"]),
        redirect_to="desk:members",
        context=_members_context(request, invite=form),
    )


@role_required(Role.ADMIN)
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    return settings_action(
        request,
        perform=lambda: services.resend_invitation(actor=request.membership, invitation=invitation),
        success=f"Invitation sent to {invitation.email} again; the earlier link no longer works.",
        redirect_to="desk:members",
    )


@role_required(Role.ADMIN)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    return settings_action(
        request,
        perform=lambda: services.revoke_invitation(actor=request.membership, invitation=invitation),
        success=f"Invitation of {invitation.email} withdrawn.",
        redirect_to="desk:members",
    )


def _members_context(request: HttpRequest, *, invite: InviteForm) -> dict:
    page = Paginator(list_members().prefetch_related("skills"), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return {"members": page, "invitations": list_pending_invitations(), "invite": invite}


# --- One member ----------------------------------------------------------------------------------------------------


@role_required(Role.ADMIN)
@require_GET
def member(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    return render(request, "tenancy/member.html", _member_context(membership))


@role_required(Role.ADMIN)
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    return _member_change(
        request, membership, "role", MemberRoleForm(request.POST),
        save=lambda data: services.change_role(actor=request.membership, membership=membership, role=data["role"]),
        success="Role changed.",
    )  # fmt: skip


@role_required(Role.ADMIN)
@require_POST
def member_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    return _member_change(
        request, membership, "capacity", MemberCapacityForm(request.POST),
        save=lambda data: services.set_capacity(
            actor=request.membership, membership=membership, capacity=data["capacity"]
        ),
        success="Capacity saved.",
    )  # fmt: skip


@role_required(Role.ADMIN)
@require_POST
def member_skills(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    return _member_change(
        request, membership, "skills", MemberSkillsForm(request.POST),
        save=lambda data: services.set_skills(actor=request.membership, membership=membership, names=data["skills"]),
        success="Skills saved.",
    )  # fmt: skip


@role_required(Role.ADMIN)
@require_POST
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    form = DeactivateMemberForm(request.POST, staff=_hand_over_candidates(membership))
    return _member_change(
        request, membership, "deactivate", form,
        save=lambda data: services.deactivate_member(
            actor=request.membership, membership=membership, hand_over_to=data["hand_over_to"]
        ),
        success=f"{membership.display_name} was deactivated; their history stays.",
    )  # fmt: skip


@role_required(Role.ADMIN)
@require_POST
def member_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_member(pk=pk)
    return settings_action(
        request,
        perform=lambda: services.reactivate_member(actor=request.membership, membership=membership),
        success=f"{membership.display_name} can sign in again.",
        redirect_to=reverse("desk:member", args=[membership.pk]),
    )


for _view in (member_invite, invitation_resend, invitation_revoke, member_role, member_capacity, member_skills,
              member_deactivate, member_reactivate):  # fmt: skip
    _view.allowed_methods = {"POST"}  # the role-gating test must not expect a GET to show them


def _member_change(request, membership, key: str, form, *, save, success: str) -> HttpResponse:
    """One of the member page's forms: the service's refusal goes back onto that form, on the page."""
    return settings_form_page(
        request,
        form=form,
        template="tenancy/member.html",
        success=success,
        save=save,
        redirect_to=reverse("desk:member", args=[membership.pk]),
        context=_member_context(membership, **{key: form}),
    )


def _hand_over_candidates(membership):
    return list_staff().exclude(pk=membership.pk)


def _member_context(membership, **bound) -> dict:
    skills = ", ".join(skill.name for skill in membership.skills.all())
    forms = {
        "role": MemberRoleForm(initial={"role": membership.role}),
        "capacity": MemberCapacityForm(initial={"capacity": membership.capacity}),
        "skills": MemberSkillsForm(initial={"skills": skills}),
        "deactivate": DeactivateMemberForm(staff=_hand_over_candidates(membership)),
        **bound,
    }
    return {
        "member": membership,
        "forms": forms,
        "open_work": open_work_of(membership) if membership.is_active else [],
        "panels": member_panels(membership),
        "is_staff_role": Role(membership.role).is_staff,
    }


@role_required(Role.ADMIN)
@require_GET
def config_audit(request: HttpRequest) -> HttpResponse:
    """Who changed which setting, newest first, filtered by area, person and date."""
    changes = ConfigChangeFilter(request.GET or None, queryset=list_config_changes())
    page = Paginator(changes.qs, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tenancy/audit.html", {"filter": changes, "changes": page, "query": query.urlencode()})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def visibility(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    initial = {"see_all_tickets": tenant.agents_see_all_tickets, "see_own_figures": tenant.agents_see_own_figures}
    return settings_form_page(
        request,
        # Not `request.POST or None`: a POST with both boxes unticked sends nothing, and must still save.
        form=AgentVisibilityForm(request.POST if request.method == "POST" else None, initial=initial),
        template="tenancy/visibility_settings.html",
        success="Saved what agents see.",
        save=lambda data: services.set_agent_visibility(
            tenant=tenant,
            actor=request.membership,
            see_all_tickets=data["see_all_tickets"],
            see_own_figures=data["see_own_figures"],
        ),
        redirect_to="desk:tenant_visibility",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def time_zone(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = TenantTimeZoneForm(request.POST or None, initial={"timezone": tenant.timezone})
    return settings_form_page(
        request,
        form=form,
        template="tenancy/time_zone_settings.html",
        success="Time zone saved.",
        save=lambda data: services.set_tenant_time_zone(
            tenant=tenant, actor=request.membership, time_zone=data["timezone"]
        ),
        redirect_to="desk:tenant_time_zone",
    )
