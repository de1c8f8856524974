"""The tenant's support addresses as the mail intake sees them: which receive, which queue each feeds, and
whether an address (a plus-tagged reply address too) is one of ours."""

from __future__ import annotations

from tenancy.context import require_tenant_id
from tickets.models import SupportAddress
from tickets.services import address_claims


def base_address(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


class SupportAddresses:
    """The tenant's support addresses, and whether an address is one of them (plus-tagged reply addresses too).
    Only verified ones (and the tenant's own support@<slug>.<BASE_DOMAIN>) receive: see address_claims."""

    def __init__(self) -> None:
        self.by_email = {a.email: a for a in SupportAddress.objects.select_related("queue")}
        self.receiving = address_claims.verified_addresses(require_tenant_id())

    def base(self, address: str) -> str:
        return base_address(address)

    def _known(self, address: str) -> str | None:
        for candidate in (address, self.base(address)):
            if candidate in self.by_email or candidate in self.receiving:
                return candidate
        return None

    def is_ours(self, address: str) -> bool:
        return self._known(address) is not None

    def waiting_only(self, recipients: list[str]) -> str | None:
        """The first support address the mail was sent to when none of them receives yet (all unverified)."""
        known = [found for address in recipients if (found := self._known(address)) is not None]
        return known[0] if known and not any(found in self.receiving for found in known) else None

    def received_at(self, recipients: list[str]) -> str:
        """The first of our receiving support addresses the mail was sent to ("" when none: a forward, a Bcc)."""
        for address in recipients:
            found = self._known(address)
            if found is not None and found in self.receiving:
                return found
        return ""

    def queue_for(self, recipients: list[str]):
        for address in recipients:
            found = self._known(address)
            support = self.by_email.get(found) if found in self.receiving else None
            if support is not None and support.queue_id:
                return support.queue
        return None
