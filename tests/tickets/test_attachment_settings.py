"""Per-tenant attachment rules: the size limit and the kinds of file accepted, set by tenant admins."""

import re

import pytest

from tenancy.context import tenant_context
from tenancy.models import Tenant
from tests.conftest import host_client
from tickets.errors import TicketError
from tickets.services import Upload
from tickets.services.attachments import ATTACHMENT_KINDS, set_attachment_policy, validate_uploads

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


@pytest.mark.django_db
def test_a_tenant_accepts_every_kind_until_an_admin_narrows_it(tenant, other_tenant, admin):
    # given a tenant that accepts images only, and another left as it was
    with tenant_context(tenant):
        set_attachment_policy(tenant=tenant, actor=admin, max_mb=5, kinds=["images"])
    tenant.refresh_from_db()
    # then a PDF is refused with a message naming what is accepted, an image passes
    with pytest.raises(TicketError, match="not a file type we accept \\(images\\)"):
        validate_uploads(tenant=tenant, uploads=[Upload(name="invoice.pdf", content=PDF)])
    assert validate_uploads(tenant=tenant, uploads=[Upload(name="shot.png", content=PNG)])[0][1] == "image/png"
    assert tenant.max_attachment_mb == 5
    # and the other tenant still accepts the PDF
    assert validate_uploads(tenant=other_tenant, uploads=[Upload(name="invoice.pdf", content=PDF)])


@pytest.mark.django_db
def test_choosing_every_kind_is_stored_as_all(tenant, admin):
    with tenant_context(tenant):
        set_attachment_policy(tenant=tenant, actor=admin, max_mb=10, kinds=list(ATTACHMENT_KINDS))
    tenant.refresh_from_db()
    assert tenant.allowed_attachment_kinds == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("max_mb", "kinds", "message"),
    [(10, [], "at least one kind"), (0, ["pdf"], "between 1 and 100"), (10, ["exe"], "Unknown kinds")],
)
def test_bad_rules_are_refused_and_change_nothing(tenant, admin, max_mb, kinds, message):
    with tenant_context(tenant), pytest.raises(TicketError, match=message):
        set_attachment_policy(tenant=tenant, actor=admin, max_mb=max_mb, kinds=kinds)
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.max_attachment_mb, stored.allowed_attachment_kinds) == (10, [])


@pytest.mark.django_db
def test_only_admins_change_the_rules(tenant, agent):
    with tenant_context(tenant), pytest.raises(TicketError, match="Only tenant admins"):
        set_attachment_policy(tenant=tenant, actor=agent, max_mb=10, kinds=["pdf"])
    assert host_client(tenant, agent).get("/desk/settings/attachments/").status_code in (403, 404)


@pytest.mark.django_db
def test_admin_sets_the_rules_on_the_settings_page(tenant, admin):
    client = host_client(tenant, admin)
    # when the admin keeps only PDF and text, at 2 MB
    response = client.post("/desk/settings/attachments/", {"max_mb": "2", "kinds": ["pdf", "text"]})
    # then they are stored and shown checked
    assert response.status_code == 302
    stored = Tenant.objects.get(pk=tenant.pk)
    assert (stored.max_attachment_mb, stored.allowed_attachment_kinds) == (2, ["pdf", "text"])
    page = client.get("/desk/settings/attachments/").text
    assert re.search(r'value="pdf"[^>]*checked', page) and not re.search(r'value="images"[^>]*checked', page)
    # and an empty choice is answered with the reason, keeping the stored rules
    refused = client.post("/desk/settings/attachments/", {"max_mb": "2"})
    assert refused.status_code == 400 and "Accept at least one kind of file." in refused.text
    assert Tenant.objects.get(pk=tenant.pk).allowed_attachment_kinds == ["pdf", "text"]
