"""Platform pages, accounts, availability and the health endpoint (settings pages: tenancy/settings_views.py)."""

from __future__ import annotations

import mimetypes
import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_ratelimit.core import get_usage, is_ratelimited

from tenancy import handover, health, services, times
from tenancy.auth import USER_BACKEND
from tenancy.forms import (
    AcceptInvitationForm,
    EmailAuthenticationForm,
    SignInToAcceptForm,
    TenantPasswordResetForm,
    TimeZoneForm,
)
from tenancy.models import Tenant, normalize_email
from tenancy.roles import Role, public, role_required
from tenancy.selectors import list_user_memberships
from tenancy.services.invitations import invitee_has_password
from tenancy.settings_pages import REFUSALS, add_refusal, refusal_text

# --- Accounts (both hosts) --------------------------------------------------------------------------------------

_password_login = auth_views.LoginView.as_view(
    authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
)


@public
def login(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Password sign-in. django-axes locks one account after a few failures from one client; this also caps a
    client's failures across all accounts (LOGIN_FAILURES_PER_CLIENT), which spraying a few guesses at many
    accounts would stay under the per-account lock."""
    if request.method != "POST":
        return _password_login(request, *args, **kwargs)
    failures = _login_failures(request, increment=False)
    if failures is not None and failures["count"] >= failures["limit"]:
        pause = "Too many failed sign-ins from your network. Try again in an hour."
        return render(request, "registration/locked_out.html", {"pause": pause}, status=429)
    response = _password_login(request, *args, **kwargs)
    # The form answers a failed sign-in with itself (200); success redirects, an axes lockout is a 429.
    if response.status_code == 200 and not request.user.is_authenticated:
        _login_failures(request, increment=True)
    return response


def _login_failures(request: HttpRequest, *, increment: bool) -> dict | None:
    return get_usage(
        request, group="login-failures-ip", key="ip", rate=settings.LOGIN_FAILURES_PER_CLIENT, increment=increment
    )


logout = public(auth_views.LogoutView.as_view())
# Reset requests per client address and per address asked for, on every host: the form sends mail.
RESET_RATE_PER_IP = "10/h"
RESET_RATE_PER_EMAIL = "5/h"


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset page with a cap per client and per address (the page answers the same for unknown
    addresses, so the cap counts every address asked for)."""

    def post(self, request, *args, **kwargs):
        if is_ratelimited(request, group="password-reset-ip", key="ip", rate=RESET_RATE_PER_IP, increment=True):
            return self._refuse(self.get_form(), "Too many password resets were asked for from your network.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = normalize_email(form.cleaned_data["email"])
        limited = is_ratelimited(
            self.request, group="password-reset-email", key=lambda group, request: email,
            rate=RESET_RATE_PER_EMAIL, increment=True,
        )  # fmt: skip
        if limited:
            return self._refuse(form, "Several reset links were sent to this address in the last hour.")
        return super().form_valid(form)

    def _refuse(self, form, reason: str) -> HttpResponse:
        form.add_error(None, f"{reason} Use the newest link you received, or try again in an hour.")
        return self.render_to_response(self.get_context_data(form=form), status=429)


password_reset = public(
    ThrottledPasswordResetView.as_view(
        form_class=TenantPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    )
)
password_reset_done = public(auth_views.PasswordResetDoneView.as_view())
password_reset_confirm = public(auth_views.PasswordResetConfirmView.as_view(post_reset_login=False))
password_reset_complete = public(auth_views.PasswordResetCompleteView.as_view())
# Users are global: changing a password needs a signed-in user, not a role in this tenant.
password_change = public(
    login_required(auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")))
)
password_change_done = public(login_required(auth_views.PasswordChangeDoneView.as_view()))


@public
@login_required
@require_http_methods(["GET", "POST"])
def time_zone(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own time zone (staff and customers alike; users are global, so it holds on every
    help desk they belong to)."""
    tenant = getattr(request, "tenant", None)
    desk_zone = times.zone_name_for(tenant=tenant) if tenant is not None else None
    initial = {"timezone": request.user.timezone}
    form = TimeZoneForm(request.POST if request.method == "POST" else None, initial=initial, desk_zone=desk_zone)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_time_zone(user=request.user, time_zone=form.cleaned_data["timezone"])
        except ValidationError as refused:
            form.add_error("timezone", refused)
        else:
            chosen = request.user.timezone or f"the help desk's own zone ({desk_zone or 'UTC'})"
            messages.success(request, f"Times are now shown in {chosen}.")
            return redirect("account_time_zone")
    status = 400 if form.errors else 200
    return render(request, "tenancy/time_zone.html", {"form": form, "desk_zone": desk_zone}, status=status)


@public
def start(request: HttpRequest) -> HttpResponse:
    """Where sign-in lands: staff go to their queues, everyone else to the portal (or the platform picker)."""
    if request.tenant is None:
        return redirect("landing")
    if request.membership.is_staff_member:
        return redirect("desk:home")
    return redirect("portal:home")


# --- Platform host ----------------------------------------------------------------------------------------------


def landing(request: HttpRequest) -> HttpResponse:
    memberships = list_user_memberships(user=request.user)
    context = {
        "memberships": memberships,
        "form": None if request.user.is_authenticated else EmailAuthenticationForm(request),
        "listed_tenants": Tenant.objects.filter(is_active=True) if settings.PLATFORM_LIST_TENANTS else [],
    }
    return render(request, "platform/landing.html", context)


@login_required
@require_GET
@never_cache
def open_help_desk(request: HttpRequest, slug: str) -> HttpResponse:
    """The picker's link: hand the signed-in user over to one of their help desks with a one-minute,
    single-use token (minting one changes nothing: it is spent only by a POST on the tenant host)."""
    membership = next((m for m in list_user_memberships(user=request.user) if m.tenant.slug == slug), None)
    if membership is None:
        raise Http404("You are not a member of this help desk.")
    token = handover.issue_handover_token(user=request.user, tenant=membership.tenant)
    return redirect(membership.tenant.url_for("handover", query=urlencode({"token": token})))


@public
@never_cache
@require_http_methods(["GET", "POST"])
def accept_handover(request: HttpRequest) -> HttpResponse:
    """On the tenant host: GET shows who is about to be signed in, the button's POST spends the token."""
    token = request.POST.get("token", "") if request.method == "POST" else request.GET.get("token", "")
    try:
        if request.method == "POST":
            user = handover.spend_handover_token(token=token, tenant=request.tenant)
        else:
            user = handover.check_handover_token(token=token, tenant=request.tenant)
    except handover.InvalidHandover as refused:
        context = {"problem": str(refused), "platform_url": _platform_url()}
        return render(request, "platform/handover.html", context, status=400)
    if request.method == "POST":
        auth_login(request, user, backend=USER_BACKEND)
        return redirect("start")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("start")
    return render(request, "platform/handover.html", {"email": user.email, "token": token})


# --- Invitations (tenant host) -------------------------------------------------------------------------------------


@public
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: a new person sets their name and password, someone with an account signs in with it
    (or, already signed in as the invitee, just accepts); then they are a member, signed in, on the desk.

    A link that cannot be used answers with the reason: 400 if it never was valid here, 410 if it was."""
    try:
        invitation = services.check_invitation(token=token)
    except services.InvalidInvitation as refused:
        return _invitation_problem(request, refused)
    has_password = invitee_has_password(invitation)
    if has_password and request.user.is_authenticated and request.user.email == invitation.email:
        form = None
    elif has_password:
        form = SignInToAcceptForm(request.POST or None)
    else:
        form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            membership = _accept(request, token, invitation, form)
        except services.InvalidInvitation as refused:
            return _invitation_problem(request, refused)
        except REFUSALS as refused:
            if form is None:
                messages.error(request, refusal_text(refused))
            else:
                add_refusal(form, refused)
        else:
            if membership is not None:
                auth_login(request, membership.user, backend=USER_BACKEND)
                messages.success(request, f"Welcome to {request.tenant.brand_name}.")
                return redirect("desk:home")
    context = {"invitation": invitation, "form": form, "role": Role(invitation.role).label}
    return render(request, "tenancy/invitation.html", context, status=400 if form is not None and form.errors else 200)


def _accept(request: HttpRequest, token: str, invitation, form):
    """Accept with the form's proof: a new password, or the invitee's current one. None if the password is wrong."""
    if isinstance(form, AcceptInvitationForm):
        data = form.cleaned_data
        return services.accept_invitation(token=token, full_name=data["full_name"], password=data["password1"])
    if isinstance(form, SignInToAcceptForm):
        user = authenticate(request, username=invitation.email, password=form.cleaned_data["password"])
        if user is None:
            form.add_error("password", "That is not the password of this account.")
            return None
    return services.accept_invitation(token=token)


def _invitation_problem(request: HttpRequest, refused: Exception) -> HttpResponse:
    context = {"problem": str(refused)}
    return render(request, "tenancy/invitation.html", context, status=getattr(refused, "status", 400))


def _platform_url() -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{settings.BASE_DOMAIN}{port}/"


# --- Availability (every staff member, from the top bar) ----------------------------------------------------------


@role_required(Role.AGENT)
@require_POST
@vary_on_headers("HX-Request")
def set_availability(request: HttpRequest) -> HttpResponse:
    """Switch between online, away and offline; htmx gets the switcher back, a plain form a redirect."""
    membership = request.membership
    try:
        services.set_availability(
            membership=membership, availability=request.POST.get("availability", ""), actor=membership
        )
    except ValidationError as refused:
        if request.htmx:
            return render(request, "layouts/staff.html#availability", {"membership": membership}, status=400)
        messages.error(request, " ".join(refused.messages))
    if request.htmx:
        return render(request, "layouts/staff.html#availability", {"membership": membership})
    return redirect(_safe_next(request) or "desk:home")


# A POST-only page: the role-gating test must not expect a GET to show it.
set_availability.allowed_methods = {"POST"}


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return None


@public
@require_GET
def tenant_logo(request: HttpRequest) -> HttpResponse:
    """The tenant's logo (public: it brands the portal). Served by us, so uploads never need a media server."""
    tenant = request.tenant
    if tenant is None or not tenant.logo:
        raise Http404("No logo.")
    content_type = mimetypes.guess_type(tenant.logo.name)[0] or "application/octet-stream"
    if content_type not in LOGO_TYPES:
        raise Http404("No logo.")
    response = FileResponse(tenant.logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


# --- Health -----------------------------------------------------------------------------------------------------


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachable (503 otherwise), and when the scheduler last ran."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    checks["broker"] = _broker_status()
    beat = health.last_beat()
    healthy = all(value == "ok" for value in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        **checks,
        "scheduler_last_beat_at": datetime.fromtimestamp(beat, tz=UTC).isoformat() if beat else None,
        "scheduler_last_beat_seconds_ago": round(time.time() - beat, 1) if beat else None,
    }
    # Reported, not judged: the scheduler and the feed have their own endpoint (healthz_scheduler below).
    try:
        body["feed_subscribers"] = health.feed_report()
    except Exception as error:
        body["feed_subscribers"] = f"error: {type(error).__name__}"
    return JsonResponse(body, status=200 if healthy else 503)


@require_GET
@never_cache
def healthz_scheduler(request: HttpRequest) -> JsonResponse:
    """503 after 3 missed heartbeats or when a feed subscriber lags past FEED_LAG_ALERT_SECONDS; the body says why.

    For the beat or worker container's check and for monitoring; the web container's stays on /healthz."""
    report = health.scheduler_report()
    healthy = not report["problems"]
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **report}, status=200 if healthy else 503)


def _broker_status() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


@public
@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and bots ask for whatever the page says: the one static icon (SVG)."""
    response = redirect(static("img/favicon.svg"), permanent=True)
    response["Cache-Control"] = "public, max-age=86400"
    return response
