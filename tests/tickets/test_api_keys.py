"""API keys: the service's rules (shown once, hashed, role never above the creator's) and the admin page."""

from __future__ import annotations

import hashlib
import re

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tickets.models import ApiKey
from tickets.services import ServiceError
from tickets.services.api_keys import create_api_key, revoke_api_key

pytestmark = pytest.mark.django_db

KEY = re.compile(r"tsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def test_create_api_key_stores_only_a_hash_of_a_strong_key(tenant, admin):
    # when an admin creates a key
    with tenant_context(tenant):
        key, plaintext = create_api_key(actor=admin, name="  CRM   sync ", role=Role.SUPERVISOR)
        stored = ApiKey.objects.get(pk=key.pk)
    # then the plaintext has 256 random bits after its public prefix, and only its SHA-256 is kept
    assert KEY.fullmatch(plaintext)
    assert stored.prefix == plaintext.split("_")[1]
    assert stored.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert plaintext not in {stored.name, stored.prefix, stored.key_hash}
    assert (stored.name, stored.role, stored.created_by_id) == ("CRM sync", Role.SUPERVISOR, admin.pk)


def test_only_admins_create_keys_and_never_above_their_role(tenant, admin, supervisor):
    with tenant_context(tenant):
        # when a supervisor tries, and an admin gives bad input
        with pytest.raises(ServiceError, match="Only admins"):
            create_api_key(actor=supervisor, name="Mine", role=Role.AGENT)
        with pytest.raises(ServiceError, match="agent, supervisor or admin"):
            create_api_key(actor=admin, name="Portal", role=Role.CUSTOMER)
        with pytest.raises(ServiceError, match="name"):
            create_api_key(actor=admin, name="   ", role=Role.AGENT)
        # then nothing was created; an admin's admin key is fine
        assert not ApiKey.objects.exists()
        assert create_api_key(actor=admin, name="Full", role=Role.ADMIN)[0].role == Role.ADMIN


def test_revoking_is_final_and_idempotent(tenant, admin):
    with tenant_context(tenant):
        key = create_api_key(actor=admin, name="Old", role=Role.AGENT)[0]
        first = revoke_api_key(actor=admin, key=key).revoked_at
        again = revoke_api_key(actor=admin, key=ApiKey.objects.get(pk=key.pk)).revoked_at
        assert first is not None and again == first


def test_admin_creates_a_key_sees_it_once_and_revokes_it(tenant, admin, other_tenant):
    client = host_client(tenant, admin)
    # when the admin creates a key on the page
    created = client.post("/desk/settings/api-keys/", {"name": "Status page", "role": Role.AGENT})
    # then the page shows the key once, with a copy button, and lists it
    assert created.status_code == 200
    shown = KEY.findall(created.text)
    assert len(set(shown)) == 1
    assert "data-copy" in created.text and "Copy it now" in created.text
    assert created["Cache-Control"].startswith("max-age=0") or "no-cache" in created["Cache-Control"]
    listing = client.get("/desk/settings/api-keys/")
    assert "Status page" in listing.text and not KEY.search(listing.text)
    with tenant_context(tenant):
        key = ApiKey.objects.get()
    # when it is revoked after the confirmation page
    confirm = client.get(f"/desk/settings/api-keys/{key.pk}/revoke/")
    revoked = client.post(f"/desk/settings/api-keys/{key.pk}/revoke/")
    # then the key no longer works on the API
    assert confirm.status_code == 200 and "Revoke “Status page”?" in confirm.text
    assert revoked.status_code == 302
    api = host_client(tenant)
    assert api.get("/api/v1/queues/", HTTP_AUTHORIZATION=f"Bearer {shown[0]}").status_code == 401
    # and another tenant's admin cannot see or revoke it
    globex_admin = make_member(other_tenant, Role.ADMIN, "admin@globex.example")
    assert host_client(other_tenant, globex_admin).post(f"/desk/settings/api-keys/{key.pk}/revoke/").status_code == 404


def test_form_refuses_a_role_above_the_admins_and_keeps_what_was_typed(tenant, admin):
    # when the form is sent without a name and with an unknown role
    answer = host_client(tenant, admin).post("/desk/settings/api-keys/", {"name": "", "role": "customer"})
    # then it is shown again with the errors, and no key exists
    assert answer.status_code == 400
    assert "This field is required." in answer.text and "Select a valid choice" in answer.text
    with tenant_context(tenant):
        assert not ApiKey.objects.exists()


def test_key_list_runs_a_fixed_number_of_queries(tenant, admin):
    from tests.conftest import count_queries

    client = host_client(tenant, admin)
    with tenant_context(tenant):
        create_api_key(actor=admin, name="One", role=Role.AGENT)
    one = count_queries(client, "/desk/settings/api-keys/")
    with tenant_context(tenant):
        for n in range(8):
            creator = make_member(tenant, Role.ADMIN, f"admin{n}@acme.example")
            create_api_key(actor=creator, name=f"Key {n}", role=Role.SUPERVISOR)
    assert count_queries(client, "/desk/settings/api-keys/") == one
