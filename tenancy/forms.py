from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from tenancy import times
from tenancy.context import current_tenant_id
from tenancy.models import Membership, Tenant, User, normalize_email
from tenancy.roles import Role


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data["username"])


class TenantPasswordResetForm(PasswordResetForm):
    """Send reset links only to members of the tenant whose host the request came to (any user on the platform)."""

    def save(self, *args, request=None, extra_email_context=None, **kwargs):
        # The mail is rendered without the request: hand it the tenant so it carries the tenant's brand.
        tenant = getattr(request, "tenant", None)
        context = {**(extra_email_context or {}), "tenant": tenant}
        # The link's host and scheme come from the configuration, never from the request's Host header (which
        # the client chooses): the tenant's own host, or the platform's base domain.
        port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
        kwargs["domain_override"] = f"{tenant.host if tenant is not None else settings.BASE_DOMAIN}{port}"
        kwargs["use_https"] = settings.PUBLIC_SCHEME == "https"
        return super().save(*args, request=request, extra_email_context=context, **kwargs)

    def get_users(self, email):
        users = User.objects.filter(email=normalize_email(email), is_active=True)
        if current_tenant_id() is not None:
            member_ids = Membership.objects.filter(is_active=True).values("user_id")
            users = users.filter(pk__in=member_ids)
        # Unlike Django's default, users without a usable password (invited, never signed in) may set one.
        return iter(users)


class BrandingForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = ["display_name", "accent_colour", "logo"]
        widgets = {"accent_colour": forms.TextInput(attrs={"type": "color"})}
        help_texts = {"display_name": "Shown in the portal header and in mail. Leave empty to use the tenant name."}

    def clean_accent_colour(self) -> str:
        colour = self.cleaned_data["accent_colour"].lower()
        if contrast_with_white(colour) < 4.5:
            raise forms.ValidationError(
                "White text on this colour is hard to read (buttons use it). Choose a darker colour."
            )
        return colour

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > 512 * 1024:
            raise forms.ValidationError("The logo must be at most 512 KB.")
        return logo


def contrast_with_white(hex_colour: str) -> float:
    """WCAG contrast ratio of white text on `hex_colour` (#rrggbb)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


class TimeZoneForm(forms.Form):
    """A person's own time zone: one of the tz database's Area/Location names, or blank for the help desk's."""

    timezone = forms.CharField(required=False, label="Time zone", max_length=64)

    def __init__(self, *args, desk_zone: str | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        default = f"Same as this help desk ({desk_zone})" if desk_zone else "Each help desk's own (UTC here)"
        choices = [("", default), *((name, name) for name in times.zone_names())]
        self.fields["timezone"].widget = forms.Select(choices=choices)
        self.fields["timezone"].help_text = "Every time on these pages and in the mail we send you is shown in it."

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        # zoneinfo decides what exists; the list leaves out the legacy aliases ("EST5EDT", "Factory", "localtime").
        if name and not times.is_choosable_zone(name):
            raise forms.ValidationError(times.unknown_zone_message(name))
        return name


class AgentVisibilityForm(forms.Form):
    """What agents see beyond the tickets they work; supervisors and admins see everything."""

    see_all_tickets = forms.BooleanField(
        label="Agents see every ticket",
        required=False,
        help_text="Off: an agent sees only the tickets in the queues of their own teams, in lists, search and reports.",
    )
    see_own_figures = forms.BooleanField(
        label="Agents have their own dashboard",
        required=False,
        help_text="Their open tickets against their capacity, their tickets due soonest and their queues' backlog. "
        "Off: only supervisors and admins see dashboard figures.",
    )


class TenantTimeZoneForm(forms.Form):
    """The help desk's own zone, for everyone who has not chosen one."""

    timezone = forms.ChoiceField(
        label="Time zone",
        choices=(),
        help_text="Pages and mail show times in it to everyone who has not chosen their own zone. "
        "SLA deadlines follow each business-hours calendar's own zone.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in times.zone_names()]


# --- Members and invitations -------------------------------------------------------------------------------------

STAFF_ROLE_CHOICES = [(role.value, role.label) for role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)]


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES, initial=Role.AGENT)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES)


class MemberCapacityForm(forms.Form):
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=0,
        max_value=200,
        help_text="How many open tickets routing gives this member at once (0: none).",
    )


class MemberSkillsForm(forms.Form):
    skills = forms.CharField(
        label="Skills",
        required=False,
        max_length=1000,
        help_text="Separate skills with commas, e.g. German, Billing, Printers. Routing can assign by skill.",
    )

    def clean_skills(self) -> list[str]:
        return [name for name in self.cleaned_data["skills"].split(",") if name.strip()]


class DeactivateMemberForm(forms.Form):
    hand_over_to = forms.ModelChoiceField(
        label="Give their open tickets to",
        queryset=None,  # the tenant's other active staff, given per request (no tenant is in scope at import)
        required=False,
        empty_label="Nobody: back to their queues, unassigned",
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hand_over_to"].queryset = staff


class AcceptInvitationForm(forms.Form):
    """A new invitee's name and password (the platform's password validators apply)."""

    full_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            try:
                password_validation.validate_password(
                    first, user=User(email=self.email, full_name=cleaned.get("full_name", ""))
                )
            except forms.ValidationError as invalid:
                self.add_error("password1", invalid)
        return cleaned


class SignInToAcceptForm(forms.Form):
    """An invitee who has a password already proves it to accept."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
