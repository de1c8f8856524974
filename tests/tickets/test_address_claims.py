"""Support addresses belong to one tenant (the platform's claims table): no tenant takes another's, addresses
under a tenant's own host are its alone, and any other address neither receives nor sends until verified by
the signed link mailed to it. Also the claims migration's resolution of addresses several tenants registered."""

from __future__ import annotations

import importlib
import io
import re
import time
from datetime import timedelta
from email.utils import formataddr
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core import signing
from django.core.management import CommandError, call_command
from django.utils import timezone

from tenancy.context import tenant_context, unscoped
from tenancy.models import AddressClaim
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tests.tenancy.factories import TenantFactory
from tests.tickets.factories import QueueFactory, SupportAddressFactory
from tests.tickets.mail_samples import build
from tickets import services
from tickets.mail.intake import ingest
from tickets.models import InboundEmail, OutboundEmail, SupportAddress, Ticket
from tickets.services import address_claims, customer_mail, mail_settings

pytestmark = pytest.mark.django_db

URL = "/desk/settings/email/addresses/"
Kind = OutboundEmail.Kind
claims_migration = importlib.import_module("tickets.migrations.0010_support_address_claims")


@pytest.fixture
def other_admin(other_tenant):
    return make_member(other_tenant, Role.ADMIN, "admin@globex.example")


def _addresses(tenant) -> list[str]:
    with tenant_context(tenant):
        return list(SupportAddress.objects.values_list("email", flat=True))


def _tickets(tenant) -> list[Ticket]:
    with tenant_context(tenant):
        return list(Ticket.objects.all())


def _ingest_without_tenant(eml: bytes) -> str:
    out = io.StringIO()
    call_command("ingest_email", stdin=io.BytesIO(eml), stdout=out)
    return out.getvalue()


def _verification_link(tenant, email: str) -> str:
    """The link in the newest verification mail to `email` (still pending: tests commit no transaction)."""
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.filter(kind=Kind.ADDRESS_VERIFICATION, to_address=email).latest("id")
    return re.search(r"https?://\S+", outbound.body_text)[0]


def _claim(email: str) -> AddressClaim | None:
    return AddressClaim.objects.filter(email=email).first()


# --- One tenant per address ----------------------------------------------------------------------------------


@pytest.mark.parametrize("local", ["support", "billing"])
def test_an_address_under_another_tenants_subdomain_is_refused(tenant, other_tenant, admin, other_admin, desk, local):
    # given acme's desk answers this address, under acme's own host
    host_client(tenant, admin).post(URL, {"email": f"{local}@{tenant.host}", "name": "Acme"})
    assert _addresses(tenant) == [f"{local}@{tenant.host}"]
    # when globex's admin registers an address under acme's host
    refused = host_client(other_tenant, other_admin).post(URL, {"email": f"{local}@{tenant.host}", "name": "Acme"})
    # then it is refused, without saying who holds it, and globex has no such address
    assert refused.status_code == 400
    assert "This address is not available" in refused.text and tenant.name not in refused.text
    assert _addresses(other_tenant) == []
    # and mail to acme's address still reaches acme through the pipe
    output = _ingest_without_tenant(build(to=f"{local}@{tenant.host}", subject="For acme"))
    assert output.startswith("acme: ")
    assert [t.subject for t in _tickets(tenant)] == ["For acme"] and _tickets(other_tenant) == []


def test_an_address_under_the_tenants_own_host_is_verified_at_once(tenant, admin):
    # when acme registers an address under its own host
    host_client(tenant, admin).post(URL, {"email": f"billing@{tenant.host}"})
    # then it is acme's, verified, and no verification mail was written
    claim = _claim(f"billing@{tenant.host}")
    assert claim.tenant_id == tenant.pk and claim.is_verified
    with tenant_context(tenant):
        assert not OutboundEmail.objects.filter(kind=Kind.ADDRESS_VERIFICATION).exists()


def test_an_external_address_claimed_by_one_tenant_cannot_be_registered_by_another(
    tenant, other_tenant, admin, other_admin
):
    # given acme registered billing@example.com (waiting for its verification)
    host_client(tenant, admin).post(URL, {"email": "billing@example.com", "name": "Acme Billing"})
    assert _addresses(tenant) == ["billing@example.com"]
    # when globex registers the same address, in another case
    refused = host_client(other_tenant, other_admin).post(URL, {"email": "Billing@Example.com"})
    # then it is refused without naming acme; acme keeps its claim
    assert refused.status_code == 400
    assert "This address is not available" in refused.text and tenant.name not in refused.text
    assert _addresses(other_tenant) == []
    assert _claim("billing@example.com").tenant_id == tenant.pk


def test_removing_an_address_releases_its_claim(tenant, other_tenant, admin, other_admin):
    # given acme had billing@example.com and removes it
    client = host_client(tenant, admin)
    client.post(URL, {"email": "billing@example.com"})
    with tenant_context(tenant):
        pk = SupportAddress.objects.get().pk
    client.post(f"{URL}{pk}/remove/")
    # when globex registers it
    host_client(other_tenant, other_admin).post(URL, {"email": "billing@example.com"})
    # then it is globex's now (waiting for globex's verification)
    claim = _claim("billing@example.com")
    assert claim.tenant_id == other_tenant.pk and not claim.is_verified


def test_an_address_under_the_platforms_domain_is_refused(other_tenant, other_admin):
    refused = host_client(other_tenant, other_admin).post(URL, {"email": "support@nosuchdesk.localhost"})
    assert refused.status_code == 400 and "belong to the platform" in refused.text
    assert _claim("support@nosuchdesk.localhost") is None


# --- Unverified: neither receives nor sends ------------------------------------------------------------------


@pytest.fixture
def globex_billing(other_tenant, other_admin):
    """globex (with a default queue) registered billing@example.com, its default, and has not verified it."""
    QueueFactory(tenant=other_tenant, name="Globex", is_default=True)
    host_client(other_tenant, other_admin).post(URL, {"email": "billing@example.com", "name": "Globex Billing"})
    assert not _claim("billing@example.com").is_verified
    with tenant_context(other_tenant):
        return SupportAddress.objects.get(email="billing@example.com")


def test_an_unverified_address_receives_nothing_through_the_pipe(tenant, other_tenant, globex_billing):
    # when mail to it reaches the pipe without --tenant
    with pytest.raises(CommandError, match="not verified yet") as refused:
        _ingest_without_tenant(build(to="billing@example.com", subject="Invoice question"))
    # then it is refused (the MTA bounces it) and globex has no ticket
    assert refused.value.returncode == 1
    assert _tickets(other_tenant) == []


def test_an_unverified_address_opens_no_ticket_through_the_tenants_intake(other_tenant, globex_billing):
    # when mail to it reaches globex's own intake (its endpoint or mailbox)
    with tenant_context(other_tenant):
        inbound = ingest(build(to="billing@example.com", subject="Invoice question"), source="http")
    # then it is kept, with the reason, and is no ticket
    assert inbound.outcome == InboundEmail.Outcome.IGNORED and "not verified yet" in inbound.reason
    assert _tickets(other_tenant) == []


def test_an_unverified_address_is_not_the_from_of_outgoing_mail(
    other_tenant, globex_billing, django_capture_on_commit_callbacks
):
    # given a globex ticket
    with tenant_context(other_tenant):
        contact = services.get_or_create_contact(email="pat@customer.example", name="Pat")
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Invoice", body="Where is it?")
        # when globex acknowledges it
        outbound = customer_mail.send_acknowledgement(ticket=ticket)
    # then the mail comes from globex's own address, under the display name it set, replies threaded there too
    own = f"support@{other_tenant.host}"
    assert outbound.from_address == formataddr(("Globex Billing", own))
    assert outbound.reply_to.startswith("support+GLX-") and outbound.reply_to.endswith(f"@{other_tenant.host}")
    assert "billing@example.com" not in outbound.from_address + outbound.reply_to
    # and a reply to that reply address reaches globex through the pipe
    assert _ingest_without_tenant(build(to=outbound.reply_to, subject="Re: Invoice")).startswith("globex: ")


def test_once_verified_the_address_receives_and_sends(other_tenant, other_admin, globex_billing):
    # given globex's admin opened the verification link
    link = _verification_link(other_tenant, "billing@example.com")
    host_client(other_tenant, other_admin).post(link)
    assert _claim("billing@example.com").is_verified
    # then mail to it becomes a globex ticket, and its mail comes from it
    assert _ingest_without_tenant(build(to="billing@example.com")).startswith("globex: ")
    [ticket] = _tickets(other_tenant)
    with tenant_context(other_tenant):
        outbound = OutboundEmail.objects.filter(ticket=ticket).get()
    assert outbound.from_address == formataddr(("Globex Billing", "billing@example.com"))


# --- The verification link -----------------------------------------------------------------------------------


@pytest.fixture
def acme_billing(tenant, admin):
    host_client(tenant, admin).post(URL, {"email": "billing@example.com", "name": "Acme Billing"})
    return _verification_link(tenant, "billing@example.com")


def test_the_verification_mail_goes_to_the_address_from_the_tenants_own_address(tenant, acme_billing):
    with tenant_context(tenant):
        outbound = OutboundEmail.objects.get(kind=Kind.ADDRESS_VERIFICATION)
    assert outbound.to_address == "billing@example.com"
    assert outbound.from_address.endswith(f"<support@{tenant.host}>")
    assert acme_billing.startswith(tenant.url("/desk/settings/email/addresses/verify/"))
    assert outbound.kind in customer_mail.SECRET_KINDS  # scrubbed once sent, never resent


def test_the_link_verifies_once_and_only_by_post(tenant, admin, acme_billing):
    client = host_client(tenant, admin)
    # when the admin opens the link: a page asks, nothing changes yet (mail scanners open links)
    shown = client.get(acme_billing)
    assert shown.status_code == 200 and "Verify billing@example.com?" in shown.text
    assert not _claim("billing@example.com").is_verified
    # when they confirm
    confirmed = client.post(acme_billing)
    # then the address is verified
    assert confirmed.status_code == 302 and _claim("billing@example.com").is_verified
    # and the link does not work a second time
    again = client.post(acme_billing)
    assert again.status_code == 400 and "already used" in again.text


def test_a_new_link_replaces_the_old_one(tenant, admin, acme_billing):
    client = host_client(tenant, admin)
    with tenant_context(tenant):
        pk = SupportAddress.objects.get().pk
    client.post(f"{URL}{pk}/verification/")
    newer = _verification_link(tenant, "billing@example.com")
    assert newer != acme_billing
    assert client.post(acme_billing).status_code == 400 and not _claim("billing@example.com").is_verified
    assert client.post(newer).status_code == 302 and _claim("billing@example.com").is_verified


def test_the_link_expires(tenant, admin, acme_billing, monkeypatch):
    # given the link is older than it may be
    later = time.time() + address_claims.VERIFICATION_LINK_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    # when the admin confirms it
    refused = host_client(tenant, admin).post(acme_billing)
    # then it is refused and the address stays unverified
    assert refused.status_code == 400 and "expired" in refused.text
    assert not _claim("billing@example.com").is_verified


def test_the_link_does_nothing_on_another_tenants_host(tenant, other_tenant, other_admin, acme_billing):
    # when globex's admin opens acme's link on globex's host
    path = acme_billing.split(tenant.host, 1)[1].split("/", 1)[1]
    refused = host_client(other_tenant, other_admin).post(f"/{path}")
    # then it is refused, and acme's address is not verified
    assert refused.status_code == 400 and "not for this help desk" in refused.text
    assert not _claim("billing@example.com").is_verified


def test_the_link_does_nothing_for_another_tenants_admin_or_a_non_admin(
    tenant, other_tenant, other_admin, agent, acme_billing
):
    # when globex's admin, or an acme agent, opens acme's link on acme's host
    stranger = host_client(other_tenant, other_admin)
    stranger.defaults["HTTP_HOST"] = tenant.host
    # then the page does not exist for the one (or, with sessions bound to their host, they are asked to sign
    # in), and is forbidden to the other; the address stays unverified
    response = stranger.post(acme_billing)
    assert response.status_code == 404 or response["Location"].startswith("/accounts/login/")
    assert host_client(tenant, agent).post(acme_billing).status_code == 403
    assert not _claim("billing@example.com").is_verified


def test_a_forged_link_is_refused(tenant, admin, acme_billing):
    forged = acme_billing.rstrip("/")[:-3] + "abc/"
    refused = host_client(tenant, admin).post(forged)
    assert refused.status_code == 400 and "not valid" in refused.text


def test_the_settings_page_shows_each_addresses_state(tenant, admin, acme_billing):
    # given a verified address too
    host_client(tenant, admin).post(URL, {"email": f"support@{tenant.host}"})
    # when the admin opens the page
    page = host_client(tenant, admin).get("/desk/settings/email/")
    # then the waiting address says so and offers a new link; the other is verified
    assert page.status_code == 200
    assert (
        "billing@example.com</strong> is waiting for verification" in page.text
        and "Resend link" in page.text
        and "Verified" in page.text
    )


# --- The claims migration's resolution of existing addresses --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_existing_address_to_one_tenant(tenant, other_tenant):
    # given support addresses registered before claims existed, some by two tenants
    third = TenantFactory(slug="initech", name="Initech")
    now = timezone.now()
    rows = [
        (tenant, f"support@{tenant.host}", 0),
        (other_tenant, f"billing@{tenant.host}", 1),  # under acme's own host
        (tenant, "billing@example.com", 2),  # the oldest of three
        (other_tenant, "billing@example.com", 3),
        (third, "billing@example.com", 4),
        (other_tenant, "help@globex.example", 5),  # nobody else's
        (other_tenant, "noc@nosuchdesk.localhost", 6),  # the platform's domain
    ]
    for owner, email, age in rows:
        SupportAddressFactory(tenant=owner, email=email, created_at=now - timedelta(days=10 - age))
    AddressClaim.objects.all().delete()  # as before the migration
    # when the migration's function runs
    with unscoped():
        report = claims_migration.claim_existing_addresses(django_apps, None)
    # then each address has at most one claim, decided as its docstring says
    claims = {c.email: (c.tenant_id, c.is_verified) for c in AddressClaim.objects.all()}
    assert claims == {
        f"support@{tenant.host}": (tenant.pk, True),
        "billing@example.com": (tenant.pk, False),  # contested: verified again before it receives or sends
        "help@globex.example": (other_tenant.pk, True),
    }
    # and every registration left without a claim is reported
    unclaimed = sorted(line.split(": no claim")[0] for line in report if ": no claim" in line)
    assert len(unclaimed) == 4
    assert any(f"billing@{tenant.host} of tenant globex" in line for line in unclaimed)
    assert any("billing@example.com of tenant globex" in line for line in unclaimed)
    assert any("billing@example.com of tenant initech" in line for line in unclaimed)
    assert any("noc@nosuchdesk.localhost of tenant globex" in line for line in unclaimed)
    assert any("billing@example.com: kept by tenant acme" in line for line in report)
    # and the losers neither receive nor send: mail to acme's host address reaches acme only
    assert address_claims.tenants_receiving([f"billing@{tenant.host}"]).tenant_ids == set()
    assert address_claims.tenants_receiving(["help@globex.example"]).tenant_ids == {other_tenant.pk}


def test_the_service_refuses_what_the_page_refuses(tenant, other_tenant, other_admin):
    # the service is the one door: views, demo and scripts go through it
    with tenant_context(other_tenant), pytest.raises(mail_settings.ServiceError, match="not available"):
        mail_settings.add_support_address(actor=other_admin, email=f"support@{tenant.host}")
