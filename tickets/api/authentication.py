"""API keys as DRF authentication: "Authorization: Bearer tsk_…" (or "Token tsk_…").

The key is looked up by its prefix inside the tenant of the request host (the tenant middleware has the scope
set), so a key of one tenant used on another tenant's host is simply unknown (401). Who the key acts as:

- reads go through tickets.selectors.visible_tickets with the key's creator's membership *capped at the key's
  role* (a copy with the lower role, never saved): supervisor and admin keys see every ticket; an agent key
  sees every ticket when the tenant lets agents see all, else the tickets of its creator's teams;
- ticket changes (status, priority, queue, …) are recorded in the audit trail as the automation
  "API key “<name>” #<id>"; public replies and internal notes need a staff author, so they are written as the
  key's creator (the person accountable for the key);
- a key works only while its creator is an active staff member here, and never with more than the creator's
  current role: when the admin who made it leaves, their keys stop working (create new ones).
"""

from __future__ import annotations

import copy

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from tenancy.models import Membership
from tenancy.roles import Role
from tickets.digests import matches_digest
from tickets.models import ApiKey
from tickets.services.api_keys import split_key, touch_api_key
from tickets.services.events import Automation

KEYWORDS = ("bearer", "token")


class ApiClient:
    """The caller of an API request: its key and the membership it acts as (the creator, capped at the key's
    role). Stands in for request.user inside the API."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey, member: Membership):
        self.key = key
        self.member = member

    @property
    def automation(self) -> Automation:
        return Automation(name=f"API key “{self.key.name}” #{self.key.pk}"[:100], acting_for=self.member)

    @property
    def role(self) -> str:
        return self.member.role

    def has_role(self, minimum: str) -> bool:
        return self.member.has_role(minimum)

    def __str__(self) -> str:
        return str(self.key)


def find_api_key(plaintext: str) -> ApiKey | None:
    """The active key of the tenant in scope that `plaintext` is, with its creator; None for anything else."""
    parts = split_key(plaintext)
    if parts is None:
        return None
    key = ApiKey.objects.select_related("created_by__user", "created_by__tenant").filter(prefix=parts[0]).first()
    if key is None or not matches_digest(plaintext, key.key_hash):
        return None
    return key if key.revoked_at is None else None


def acting_member(key: ApiKey) -> Membership | None:
    """The key's creator with the lower of the two roles, or None when the creator is no active staff member."""
    creator = key.created_by
    if creator is None or not creator.is_staff_member:
        return None
    member = copy.copy(creator)
    if not Role(creator.role).at_least(key.role):
        return member  # the creator was demoted below the key: the key follows them down
    member.role = key.role
    return member


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header:
            return None
        if header[0].decode("latin-1").lower() not in KEYWORDS:
            raise exceptions.AuthenticationFailed("Send the API key as “Authorization: Bearer tsk_…”.")
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the API key as “Authorization: Bearer tsk_…”.")
        if getattr(request._request, "tenant", None) is None:
            raise exceptions.AuthenticationFailed("The API answers on a help desk's own host.")
        try:
            plaintext = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed("This API key is not valid.") from error
        key = find_api_key(plaintext)
        if key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid, or it was revoked.")
        member = acting_member(key)
        if member is None:
            raise exceptions.AuthenticationFailed(
                "The admin who created this key is no longer a staff member here: create a new key."
            )
        touch_api_key(key)
        return ApiClient(key, member), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
