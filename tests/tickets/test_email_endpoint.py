"""The inbound HTTP endpoint through its real URL on the tenant's host, and the agents' download of the original."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tests.tickets.factories import MailSettingsFactory, QueueFactory, SupportAddressFactory
from tests.tickets.mail_samples import build
from tickets.models import InboundEmail, Ticket
from tickets.views import inbound as inbound_views

SECRET = "acme-inbound-secret-0123456789"
URL = "/inbound/email/"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@pytest.fixture
def inbound_desk(tenant, other_tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    MailSettingsFactory(tenant=tenant, inbound_secret_hash=_hash(SECRET), inbound_secret_hint=SECRET[-4:])
    MailSettingsFactory(tenant=other_tenant, inbound_secret_hash=_hash("globex-secret"))
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, name="Globex", is_default=True)
    return desk


def _post(tenant, body: bytes, secret: str | None = SECRET, content_type="message/rfc822"):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret is not None else {}
    return host_client(tenant).post(URL, data=body, content_type=content_type, **headers)


def _count(model, tenant) -> int:
    with tenant_context(tenant):
        return model.objects.count()


def test_endpoint_takes_a_raw_message_and_answers_its_outcome(tenant, other_tenant, inbound_desk):
    # when
    response = _post(tenant, build(subject="Over HTTP"))

    # then
    assert response.status_code == 200
    answer = response.json()
    assert answer["outcome"] == "new_ticket" and answer["duplicate"] is False
    with tenant_context(tenant):
        inbound = InboundEmail.objects.get(pk=answer["id"])
        assert inbound.source == InboundEmail.Source.HTTP
        assert Ticket.objects.get(pk=inbound.ticket_id).subject == "Over HTTP"
    assert _count(InboundEmail, other_tenant) == 0


@pytest.mark.parametrize("as_file", [True, False])
def test_endpoint_takes_a_multipart_form_field(tenant, inbound_desk, as_file):
    # given
    eml = build(subject="From a provider hook")
    value = SimpleUploadedFile("message.eml", eml, content_type="message/rfc822") if as_file else eml.decode()

    # when
    response = host_client(tenant).post(URL, data={"email": value}, HTTP_AUTHORIZATION=f"Bearer {SECRET}")

    # then
    assert response.status_code == 200
    assert response.json()["outcome"] == "new_ticket"


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong-secret", "globex-secret"],
    ids=["no header", "empty", "wrong", "another tenant's"],
)
def test_endpoint_refuses_a_missing_or_wrong_secret(tenant, other_tenant, inbound_desk, secret):
    # when
    response = _post(tenant, build(), secret=secret)

    # then
    assert response.status_code == 401
    assert "inbound secret" in response.json()["error"]
    assert _count(InboundEmail, tenant) == 0
    assert _count(InboundEmail, other_tenant) == 0


def test_endpoint_is_closed_while_the_tenant_has_no_secret(other_tenant, tenant, desk):
    # given: acme never generated a secret
    MailSettingsFactory(tenant=tenant, inbound_secret_hash="")

    # when
    response = _post(tenant, build(), secret="")

    # then
    assert response.status_code == 401


def test_endpoint_refuses_a_message_over_the_size_cap(tenant, inbound_desk, monkeypatch):
    # given
    monkeypatch.setattr(inbound_views, "MAX_INBOUND_BYTES", 2048)

    # when
    response = _post(tenant, build(body="x" * 5000))

    # then
    assert response.status_code == 413
    assert "larger than" in response.json()["error"]
    assert _count(InboundEmail, tenant) == 0


def test_endpoint_refuses_an_empty_body_and_other_methods(tenant, inbound_desk):
    # when
    empty = _post(tenant, b"")
    wrong_type = _post(tenant, b'{"subject": "x"}', content_type="application/json")
    get = host_client(tenant).get(URL, HTTP_AUTHORIZATION=f"Bearer {SECRET}")

    # then
    assert empty.status_code == 400 and wrong_type.status_code == 400
    assert "request body" in empty.json()["error"]
    assert get.status_code == 405


def test_endpoint_takes_a_duplicate_once(tenant, inbound_desk):
    # given
    eml = build(msgid="<twice-over-http@customer.example>")

    # when
    first = _post(tenant, eml).json()
    second = _post(tenant, eml).json()

    # then
    assert first["id"] == second["id"]
    assert _count(Ticket, tenant) == 1


# --- the original mail, for agents ------------------------------------------------------------------------------


def test_agent_downloads_the_original_email_of_a_message(tenant, inbound_desk, agent):
    # given
    eml = build(subject="Keep the original")
    answer = _post(tenant, eml).json()

    # when
    response = host_client(tenant, agent).get(f"/desk/emails/{answer['id']}/original/")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert "attachment;" in response["Content-Disposition"] and ".eml" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == eml


def test_original_email_is_a_404_for_customers_other_tenants_and_invisible_tickets(
    tenant, other_tenant, inbound_desk, agent, customer, other_agent
):
    # given: one mail in a queue of the agent's team, one in a queue no team of theirs works
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])
    SupportAddressFactory(tenant=tenant, email="vip@acme.example", queue=QueueFactory(tenant=tenant, name="VIP"))
    visible = _post(tenant, build()).json()["id"]
    hidden = _post(tenant, build(to="vip@acme.example")).json()["id"]

    # when / then
    assert host_client(tenant, agent).get(f"/desk/emails/{visible}/original/").status_code == 200
    assert host_client(tenant, agent).get(f"/desk/emails/{hidden}/original/").status_code == 404
    assert host_client(tenant, customer).get(f"/desk/emails/{visible}/original/").status_code == 404
    assert host_client(other_tenant, other_agent).get(f"/desk/emails/{visible}/original/").status_code == 404


def test_ticket_page_links_each_received_mail_to_its_original(tenant, inbound_desk, agent):
    # given: a ticket opened by mail, a reply by mail, and an agent's reply on the web
    first = _post(tenant, build(subject="Linked original", msgid="<orig-1@customer.example>")).json()
    with tenant_context(tenant):
        ticket = Ticket.objects.get(pk=InboundEmail.objects.get(pk=first["id"]).ticket_id)
    client = host_client(tenant, agent)
    client.post(f"/desk/tickets/{ticket.number}/reply/", {"body": "On it.", "kind": "reply"})
    page = f"/desk/tickets/{ticket.number}/"
    queries_before = count_queries(client, page)
    reply = build(subject=f"Re: [ACME-{ticket.number}]", in_reply_to="<orig-1@customer.example>", authenticated=True)
    second = _post(tenant, reply).json()

    # when
    html = client.get(page).content.decode()

    # then
    assert second["outcome"] == "appended"
    assert html.count("Original email</a>") == 2
    assert f'href="/desk/emails/{first["id"]}/original/"' in html
    assert f'href="/desk/emails/{second["id"]}/original/"' in html
    assert count_queries(client, page) == queries_before  # the links cost no query per message


# --- the admins' log of received mail ---------------------------------------------------------------------------

LOG = "/desk/settings/email/inbound/"


def test_received_mail_log_shows_every_outcome_and_filters(tenant, other_tenant, inbound_desk, admin):
    # given: a ticket, and a malformed message that opened none
    _post(tenant, build(subject="Became a ticket"))
    _post(tenant, b"Subject: no sender at all\r\n\r\nhello")
    client = host_client(tenant, admin)
    globex_admin = host_client(other_tenant, make_member(other_tenant, Role.ADMIN, "admin@globex.example"))

    # when
    everything = client.get(LOG).content.decode()
    failed = client.get(f"{LOG}?outcome=failed").content.decode()
    theirs = globex_admin.get(LOG).content.decode()

    # then
    assert "Became a ticket" in everything and "no sender at all" in everything
    assert "Malformed" in everything and "Could not be processed" in everything
    assert "no sender at all" in failed and "Became a ticket" not in failed
    assert "Became a ticket" not in theirs and "No mail received yet" in theirs


def test_received_mail_log_runs_a_fixed_number_of_queries(tenant, inbound_desk, admin):
    # given
    client = host_client(tenant, admin)
    _post(tenant, build())
    one = count_queries(client, LOG)
    for _ in range(4):
        _post(tenant, build(sender=f"someone{_}@customer.example"))

    # when
    five = count_queries(client, LOG)

    # then
    assert five == one


def test_admin_downloads_mail_that_opened_no_ticket_and_agents_cannot(tenant, inbound_desk, admin, agent):
    # given
    failed = _post(tenant, b"Subject: no sender\r\n\r\nhello").json()
    assert failed["outcome"] == "failed"
    url = f"/desk/emails/{failed['id']}/original/"

    # when / then
    response = host_client(tenant, admin).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Subject: no sender\r\n\r\nhello"
    assert host_client(tenant, agent).get(url).status_code == 404
    assert host_client(tenant, agent).get(LOG).status_code == 403


def test_endpoint_says_when_a_message_is_a_duplicate(tenant, inbound_desk):
    # given
    eml = build(msgid="<retried@customer.example>")
    first = _post(tenant, eml).json()

    # when: the provider retries the hook
    again = _post(tenant, eml).json()

    # then
    assert (again["id"], again["duplicate"], first["duplicate"]) == (first["id"], True, False)
