"""The staff navigation, declared once: each entry shows only to members with its minimum role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenancy.fixed_urls import fixed_url
from tenancy.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    min_role: Role
    icon: str
    # Below `shown_to_all_from`, the entry shows only where the tenant's setting allows (request.tenant -> bool).
    allowed: Callable | None = None
    shown_to_all_from: Role | None = None

    def shows_to(self, membership, tenant) -> bool:
        if not membership.has_role(self.min_role):
            return False
        if self.allowed is None or membership.has_role(self.shown_to_all_from):
            return True
        return self.allowed(tenant)


STAFF_NAV = (
    NavItem("Queues", "desk:home", Role.AGENT, "inbox"),
    NavItem(
        "Dashboard",
        "desk:dashboard",
        Role.AGENT,
        "chart",
        allowed=lambda tenant: tenant.agents_see_own_figures,
        shown_to_all_from=Role.SUPERVISOR,
    ),
    NavItem("Reports", "desk:reports", Role.SUPERVISOR, "chart"),
    NavItem("At risk", "desk:sla_at_risk", Role.SUPERVISOR, "clock"),
    NavItem("Knowledge base", "desk:kb", Role.AGENT, "book"),
    NavItem("Canned responses", "desk:canned", Role.AGENT, "mail"),
    NavItem("Settings", "desk:settings", Role.SUPERVISOR, "cog"),
)


# The pages under /desk/ that belong to "Queues" (the lists and the tickets they lead to).
QUEUE_PAGES = ("views/", "queues/", "tickets/", "saved/", "bulk/", "search/")


def _in_section(path: str, item: NavItem, url: str) -> bool:
    if item.url_name == "desk:home":
        return path == url or any(path.startswith(url + page) for page in QUEUE_PAGES)
    return path.startswith(url)


def staff_navigation(request) -> list[dict]:
    membership = getattr(request, "membership", None)
    if not membership or not membership.is_staff_member:
        return []
    allowed = [(item, fixed_url(item.url_name)) for item in STAFF_NAV if item.shows_to(membership, request.tenant)]
    # The longest matching URL wins, so /desk/ (queues, tickets) is active unless a deeper section matches; a
    # desk page of no section (notifications) lights none, rather than "Queues".
    matching = [url for item, url in allowed if _in_section(request.path, item, url)]
    current = max(matching, key=len, default=None)
    return [{"label": item.label, "url": url, "icon": item.icon, "active": url == current} for item, url in allowed]
