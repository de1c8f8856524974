"""An oversized upload is refused by its Content-Length, before anything reads the body."""

import pytest
from django.test import Client

from tenancy.context import tenant_context
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
BOUNDARY = "----tessera"


def _small_form() -> bytes:
    # A well-formed multipart body of a few bytes; the header claims far more. Django's test input raises if
    # anything tries to read past what is really there, so reading the body at all fails the test.
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="subject"\r\n\r\nHello\r\n--{BOUNDARY}--\r\n'
    ).encode()


def _post(client: Client, path: str, declared: int):
    return client.generic(
        "POST", path, _small_form(), content_type=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(declared),
    )  # fmt: skip


def test_a_60_mb_anonymous_portal_upload_is_refused_before_the_body_is_read(tenant, desk):
    # when an anonymous visitor posts the request form declaring 60 MB
    response = _post(Client(HTTP_HOST=tenant.host), "/new/", 60 * MB)
    # then it is refused at once with a clear page, and nothing was created
    assert response.status_code == 413
    assert "Upload too large" in response.text and "larger than 30 MB" in response.text
    with tenant_context(tenant):
        assert not Ticket.objects.exists()


def test_the_cap_applies_to_every_upload_endpoint_and_host(tenant, agent):
    for host, path in [
        (tenant.host, "/desk/tickets/new/"),
        (tenant.host, "/desk/settings/"),
        (tenant.host, "/inbound/email/"),
        (tenant.host, "/api/v1/tickets/"),
        ("localhost", "/accounts/login/"),
    ]:
        response = _post(Client(HTTP_HOST=host), path, 60 * MB)
        assert response.status_code == 413, (host, path)
    assert "larger than 30 MB" in _post(Client(HTTP_HOST=tenant.host), "/api/v1/tickets/", 60 * MB).json()["message"]


def test_a_tenant_with_a_larger_file_limit_accepts_one_file_of_that_size(tenant, desk, settings):
    # given acme accepts files of up to 50 MB
    tenant.max_attachment_mb = 50
    tenant.save(update_fields=["max_attachment_mb"])
    # when 50 MB is declared, the body is read (and the test's short input shows it), 52 MB is not
    with pytest.raises(AssertionError, match="Cannot read more than the available bytes"):
        _post(Client(HTTP_HOST=tenant.host), "/new/", 50 * MB)
    assert _post(Client(HTTP_HOST=tenant.host), "/new/", 52 * MB).status_code == 413


def test_a_content_length_that_is_not_a_number_is_a_bad_request(tenant):
    bad = Client(HTTP_HOST=tenant.host).generic("POST", "/new/", b"x", CONTENT_LENGTH="lots")
    assert bad.status_code == 400 and "Content-Length is not a number" in bad.text
