from django.conf import settings

from tenancy.navigation import staff_navigation


def tenancy(request) -> dict:
    tenant = getattr(request, "tenant", None)
    membership = getattr(request, "membership", None)
    if membership and membership.is_staff_member:
        layout = "layouts/staff.html"
    elif tenant is not None:
        layout = "layouts/portal.html"
    else:
        layout = "layouts/platform.html"
    return {
        "tenant": tenant,
        "membership": membership,
        "staff_nav": staff_navigation(request) if tenant is not None else [],
        "base_domain": settings.BASE_DOMAIN,
        # The chrome that account pages (sign-in, password) extend, so they look like the rest of this host.
        "layout": layout,
    }
