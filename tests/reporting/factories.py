import factory
from django.utils import timezone

from reporting.facts.models import TicketFacts
from reporting.models import ExportJob
from reporting.reports.models import ReportSubscription
from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory
from tests.tickets.factories import TicketFactory


class ReportSubscriptionFactory(TenantOwnedFactory):
    class Meta:
        model = ReportSubscription

    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"), role="supervisor")
    kind = ReportSubscription.Kind.WEEKLY_SUMMARY


class ExportJobFactory(TenantOwnedFactory):
    class Meta:
        model = ExportJob

    requested_by = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"), role="supervisor")
    base = "all"
    title = "All tickets"
    filename = "all-tickets.csv"


class TicketFactsFactory(TenantOwnedFactory):
    class Meta:
        model = TicketFacts

    ticket = factory.SubFactory(TicketFactory, tenant=factory.SelfAttribute("..tenant"))
    ticket_created_at = factory.SelfAttribute("ticket.created_at")
    first_resolved_at = factory.LazyFunction(timezone.now)
