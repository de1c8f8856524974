from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.roles import public


@public
def portal_home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")
