"""The Django admin, for platform staff on the platform host only; every admin view runs unscoped()."""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from tenancy.context import no_tenant, unscoped
from tenancy.models import Membership, PendingTask, Tenant, TenantDomain, User
from tenancy.services import create_tenant


class PlatformAdminSite(admin.AdminSite):
    site_header = "Tessera platform"
    site_title = "Tessera platform"
    index_title = "Tenants and people"

    def has_permission(self, request) -> bool:
        return request.tenant is None and super().has_permission(request)

    def admin_view(self, view, cacheable=False):
        guarded = super().admin_view(view, cacheable)

        @functools.wraps(guarded)
        def across_tenants(request, *args, **kwargs):
            with unscoped():
                return guarded(request, *args, **kwargs)

        return across_tenants


platform_admin = PlatformAdminSite(name="platform_admin")


@admin.register(User, site=platform_admin)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Platform access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = []


class TenantDomainInline(admin.TabularInline):
    model = TenantDomain
    extra = 0


class AddTenantForm(forms.ModelForm):
    """A new tenant as `create_tenant` makes it: with its first admin, set up as a working help desk."""

    admin_email = forms.EmailField(label="First admin's email", help_text="Created if new; gets a set-password link.")

    class Meta:
        model = Tenant
        fields = ["name", "slug", "ticket_prefix", "timezone"]
        help_texts = {"ticket_prefix": "Leave empty to take it from the slug.", "slug": "The host: <slug>.<domain>."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticket_prefix"].required = False

    def clean(self):
        cleaned = super().clean()
        slug = cleaned.get("slug") or ""
        if slug and not cleaned.get("ticket_prefix"):
            cleaned["ticket_prefix"] = slug.replace("-", "")[:10].upper()
        return cleaned


@admin.register(Tenant, site=platform_admin)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ticket_prefix", "timezone", "is_active", "created_at"]
    search_fields = ["name", "slug"]
    list_filter = ["is_active"]
    inlines = [TenantDomainInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AddTenantForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "slug", "ticket_prefix", "timezone", "admin_email"]})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        # The tenant's own rows (its admin, queue, categories) are written in its scope on the application's
        # connection, not the platform one the admin runs on: leave unscoped() for the tenant's creation.
        with no_tenant():
            created = create_tenant(
                slug=data["slug"],
                name=data["name"],
                admin_email=data["admin_email"],
                ticket_prefix=data["ticket_prefix"],
                timezone=data["timezone"],
            )
        # The new row is not committed yet, so the platform connection cannot read it back: copy it.
        for field in Tenant._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created.tenant, field.attname))
        obj._state.adding = False
        messages.info(
            request,
            f"{created.tenant.name} is ready at {created.tenant.url()}. Send its admin {created.admin.user.email} "
            f"this link to set a password (valid for 3 days): {created.set_password_url}",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["last_ticket_number"]
        # Ticket numbers are printed on mail and paper: the prefix is fixed once the first one is handed out.
        return ["slug", "last_ticket_number", *(["ticket_prefix"] if obj.last_ticket_number else [])]


@admin.register(Membership, site=platform_admin)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active", "tenant"]
    search_fields = ["user__email", "tenant__slug"]
    list_select_related = ["user", "tenant"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request) -> bool:
        return False  # memberships are created by create_tenant and the tenant's own settings, with a tenant

    def get_readonly_fields(self, request, obj=None):
        return ["tenant_name"] if obj else []

    @admin.display(description="Tenant")
    def tenant_name(self, obj):
        return obj.tenant.name


@admin.register(PendingTask, site=platform_admin)
class PendingTaskAdmin(admin.ModelAdmin):
    list_display = ["task_name", "tenant", "created_at", "last_sent_at", "attempts", "done_at"]
    list_filter = ["task_name"]
    list_select_related = ["tenant"]
    readonly_fields = ["task_name", "kwargs", "created_at", "last_sent_at", "attempts", "done_at"]
