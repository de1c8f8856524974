"""A tenant-host URLconf with one view that reports what the database session sees (connection-reuse tests)."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path


def session_probe(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid(), current_user, NULLIF(current_setting('app.tenant_id', true), ''), "
            "(SELECT array_agg(DISTINCT tenant_id) FROM tenancy_membership)"
        )
        pid, user, setting, tenants = cursor.fetchone()
    return JsonResponse({"pid": pid, "user": user, "setting": setting, "tenants": tenants or []})


session_probe.min_role = None
urlpatterns = [path("probe/", session_probe)]
