import factory

from reporting.reports.models import ReportSubscription
from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory


class ReportSubscriptionFactory(TenantOwnedFactory):
    class Meta:
        model = ReportSubscription

    membership = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"), role="supervisor")
    kind = ReportSubscription.Kind.WEEKLY_SUMMARY
