from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenancy.roles import Role, role_required


@role_required(Role.AGENT)
def kb_home(request: HttpRequest) -> HttpResponse:
    return render(request, "kb/home.html")
