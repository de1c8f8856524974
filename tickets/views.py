"""The customer portal and the agent desk."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.roles import Role, public, role_required
from tenancy.selectors import list_staff


@public
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@role_required(Role.AGENT)
def desk_home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html", {"staff": list_staff()[:50]})
