import factory

from reporting.models import ExportJob
from tests.tenancy.factories import MembershipFactory, TenantOwnedFactory


class ExportJobFactory(TenantOwnedFactory):
    class Meta:
        model = ExportJob

    requested_by = factory.SubFactory(MembershipFactory, tenant=factory.SelfAttribute("..tenant"), role="supervisor")
    base = "all"
    title = "All tickets"
    filename = "all-tickets.csv"
