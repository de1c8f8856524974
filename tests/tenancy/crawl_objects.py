"""A help desk with a real object behind every id a tenant-host URL takes, for tests that crawl the URLs.

A guard's test must fail without the guard: a sample id against an empty database is a 404 whether the role check
is there or not. `crawl_world` (tests/conftest.py) builds this world once per test module and commits it, so the
tests' own transactions, rolled back one by one, see it (and a POST that changes or deletes an object is undone
with its test); at the end of the module the database is flushed as transactional tests flush it.

`CrawlWorld.url(name)` fills a URL's arguments with the ids of the attacked tenant's objects; a URL whose argument
this module does not know fails loudly (add its object to `build_crawl_world` and its name to `OBJECT_FOR`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tenancy.context import tenant_context
from tenancy.models import AddressClaim, Membership, Tenant
from tenancy.roles import Role
from tests.tenancy.factories import InvitationFactory, MembershipFactory, TenantFactory
from tests.tickets.factories import (
    AttachmentFactory,
    CannedResponseFactory,
    ContactFactory,
    CustomFieldFactory,
    ImapMailboxFactory,
    InboundEmailFactory,
    NotificationFactory,
    OutboundEmailFactory,
    SavedViewFactory,
    SupportAddressFactory,
    TeamMembershipFactory,
    WebhookDeliveryFactory,
)
from tickets import services
from tickets.models import Category, OutboundEmail, Queue, Tag, Team
from tickets.services import address_claims
from tickets.services.api_keys import create_api_key

# Which object a URL argument names: by argument name, or (for the generic `pk`) by the URL name's prefix.
OBJECT_FOR_ARGUMENT = {
    "number": "ticket",
    "tag_id": "tag",
    "queue_id": "queue",
    "notification_id": "notification",
    "inbound_id": "inbound_email",
    "attachment_id": "attachment",
    "delivery_id": "webhook_delivery",
    "view": "view",
    "kind": "email_template",
    "token": "address_verification",
    "member_id": "team_member",
    "calendar_id": "sla_calendar",
    "holiday_id": "sla_holiday",
    "policy_id": "sla_policy",
    "step_id": "sla_ladder_step",
    "version": "kb_version",
    "report": "report",
    "job_id": "export_job",
    "panel": "dashboard_panel",
    "rule_id": "routing_rule",
    "direction": "routing_direction",
}
OBJECT_FOR_PK = {
    "desk:api_key_": "api_key",
    "desk:canned_": "canned_response",
    "desk:custom_field_": "custom_field",
    "desk:imap_mailbox": "imap_mailbox",
    "desk:invitation_": "invitation",
    "desk:member": "membership",
    "desk:outbound_": "outbound_email",
    "desk:saved_view": "saved_view",
    "desk:support_address_": "support_address",
    "desk:webhook": "webhook",
    "desk:category": "category",
    "desk:queue_": "queue",
    "desk:team": "team",
    "desk:tag_": "tag",
    "kb:article": "kb_article",
    "kb:version": "kb_article",
    "kb:category": "kb_category",
}


@dataclass
class CrawlWorld:
    """The attacked tenant with one object of each kind, its people, and another tenant with its own staff."""

    tenant: Tenant
    other_tenant: Tenant
    members: dict[str, Membership]  # "admin", "supervisor", "agent", "customer" of `tenant`; "other_staff"
    arguments: dict[str, object] = field(default_factory=dict)  # object kind -> the value a URL takes for it

    def argument(self, name: str, key: str) -> object:
        kind = OBJECT_FOR_ARGUMENT.get(key)
        if kind is None and key == "pk":
            kind = next((kind for prefix, kind in OBJECT_FOR_PK.items() if name.startswith(prefix)), None)
        if kind is None or kind not in self.arguments:
            raise LookupError(f"No crawl object for argument {key!r} of URL {name!r}: add it to {__name__}.")
        return self.arguments[kind]

    def url(self, name: str) -> str:
        """The URL with the ids of existing objects of the attacked tenant."""
        converters = tenant_views()[name][1]
        kwargs = {key: self.argument(name, key) for key in converters}
        return reverse(name, urlconf="config.urls", kwargs=kwargs)


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from ((name, view, {**entry.pattern.converters, **converters})
                        for name, view, converters in _walk(entry.url_patterns, prefix + namespace))  # fmt: skip
        elif isinstance(entry, URLPattern):
            yield (prefix + entry.name if entry.name else None), entry.callback, entry.pattern.converters


@functools.cache
def tenant_views() -> dict[str | None, tuple]:
    """Every named URL of a tenant host: name -> (view, {argument: converter})."""
    return {name: (view, converters) for name, view, converters in _walk(get_resolver("config.urls").url_patterns)}


def _sla_objects(tenant: Tenant) -> dict:
    from tests.sla.factories import CalendarHolidayFactory, LadderStepFactory, SlaPolicyFactory

    policy = SlaPolicyFactory(tenant=tenant, name="Crawled policy")
    holiday = CalendarHolidayFactory(tenant=tenant, calendar=policy.calendar)
    step = LadderStepFactory(tenant=tenant, policy=policy)
    return {
        "sla_calendar": policy.calendar_id, "sla_holiday": holiday.pk, "sla_policy": policy.pk,
        "sla_ladder_step": step.pk,
    }  # fmt: skip


def _reporting_objects(tenant: Tenant, admin: Membership) -> dict:
    from django.core.files.base import ContentFile

    from reporting.models import ExportJob
    from tests.reporting.factories import ExportJobFactory

    job = ExportJobFactory(tenant=tenant, requested_by=admin, status=ExportJob.Status.DONE, rows=1)
    job.file.save("crawled.csv", ContentFile(b"Reference\r\nCRAWL-1\r\n"))
    return {"export_job": job.pk, "dashboard_panel": "summary"}


def _routing_objects(admin: Membership) -> dict:
    from routing import services as routing_services

    rule = routing_services.create_rule(
        actor=admin, name="Crawled rule", conditions=[], actions=[{"action": "set_priority", "text": "High"}]
    )
    return {"routing_rule": rule.pk, "routing_direction": "down"}


def build_crawl_world() -> CrawlWorld:
    """Create and commit the world (call with database access allowed, outside any transaction)."""
    tenant = TenantFactory(slug="crawled", name="Crawled Help Desk", ticket_prefix="CRAWL")
    other_tenant = TenantFactory(slug="intruder", name="Intruder Inc.", ticket_prefix="INTR")
    members = {
        role: MembershipFactory(tenant=tenant, role=role, user__email=f"crawl-{role}@crawled.example")
        for role in (Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.CUSTOMER)
    }
    members = {str(role): member for role, member in members.items()}
    members["other_staff"] = MembershipFactory(
        tenant=other_tenant, role=Role.ADMIN, user__email="crawl-admin@intruder.example"
    )
    admin = members["admin"]
    world = CrawlWorld(tenant=tenant, other_tenant=other_tenant, members=members)
    with tenant_context(tenant), transaction.atomic():
        team = Team.objects.create(name="Frontline")
        for role in ("admin", "supervisor", "agent"):
            TeamMembershipFactory(tenant=tenant, team=team, membership=members[role])
        queue = Queue.objects.create(name="General", team=team, is_default=True)
        # The customer follows their own request in the portal; the staff work it on the desk.
        contact = ContactFactory(tenant=tenant, email="crawl-customer@crawled.example", membership=members["customer"])
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Crawled ticket", body="Hello.")
        services.tag(ticket=ticket, names=["crawled"], actor=admin)
        message = ticket.messages.get()
        webhook_delivery = WebhookDeliveryFactory(tenant=tenant)
        waiting = SupportAddressFactory(tenant=tenant, email="waiting@crawled.example", verified=False)
        link = address_claims.new_verification_link(tenant=tenant, claim=AddressClaim.objects.get(email=waiting.email))
        world.arguments.update(
            ticket=ticket.number,
            tag=Tag.objects.get(name="crawled").pk,
            queue=queue.pk,
            view="mine",
            email_template=OutboundEmail.Kind.ACKNOWLEDGEMENT.value,
            notification=NotificationFactory(tenant=tenant, recipient=admin, actor=members["agent"], ticket=ticket).pk,
            inbound_email=InboundEmailFactory(tenant=tenant, ticket=ticket, message=message).pk,
            attachment=AttachmentFactory(tenant=tenant, ticket=ticket, message=message).pk,
            api_key=create_api_key(actor=admin, name="Crawler", role=Role.AGENT)[0].pk,
            canned_response=CannedResponseFactory(tenant=tenant, owner=admin).pk,
            imap_mailbox=ImapMailboxFactory(tenant=tenant).pk,
            outbound_email=OutboundEmailFactory(
                tenant=tenant, ticket=ticket, status=OutboundEmail.Status.FAILED, last_error="refused"
            ).pk,
            saved_view=SavedViewFactory(tenant=tenant, owner=admin, team=None, base="all").pk,
            support_address=SupportAddressFactory(tenant=tenant, email="help@crawled.example").pk,
            webhook=webhook_delivery.webhook_id,
            webhook_delivery=webhook_delivery.pk,
            address_verification=link.rstrip("/").rsplit("/", 1)[-1],
            category=Category.objects.create(name="Crawled topic").pk,
            team=team.pk,
            team_member=members["agent"].pk,
            membership=members["agent"].pk,
            invitation=InvitationFactory(tenant=tenant, invited_by=admin, email="crawl-invitee@crawled.example").pk,
        )
        world.arguments.update(_sla_objects(tenant))
        world.arguments.update(_routing_objects(admin))
        from kb import services as kb_services

        kb_article = kb_services.create_article(actor=admin, title="Crawled article", body_markdown="Hello.")
        world.arguments.update(
            kb_article=kb_article.pk,
            kb_version=kb_article.version,
            kb_category=kb_services.save_category(actor=admin, name="Crawled", slug="crawled").pk,
            custom_field=CustomFieldFactory(tenant=tenant).pk,
        )
        world.arguments.update(report="volume")  # reporting/reports: /desk/reports/<report>/ takes a report's name
        world.arguments.update(_reporting_objects(tenant, admin))
    return world


@contextlib.contextmanager
def committed_crawl_world(django_db_blocker) -> Iterator[CrawlWorld]:
    """Build the world for a module, commit it, and flush the database when the module is done."""
    with django_db_blocker.unblock():
        world = build_crawl_world()
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
