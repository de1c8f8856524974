from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.models import Membership
from tenancy.roles import Role, role_required


@role_required(Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    by_role = dict(Membership.objects.filter(is_active=True).values_list("role").annotate(n=Count("id")))
    return render(request, "reporting/dashboard.html", {"members_by_role": by_role})
