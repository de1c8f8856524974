import factory

from reporting.models import ExportJob
from reporting.reports.models import ReportSubscription
from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory


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
