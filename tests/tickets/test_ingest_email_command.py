"""`manage.py ingest_email`: one message on standard input, the tenant from --tenant or its support address."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tenancy.context import tenant_context
from tests.tickets.factories import QueueFactory, SupportAddressFactory
from tests.tickets.mail_samples import build
from tickets.models import InboundEmail, Ticket


@pytest.fixture
def two_desks(tenant, other_tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    SupportAddressFactory(tenant=other_tenant, email="help@globex.example", is_default=True)
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, name="Globex", is_default=True)


def _run(eml: bytes, *args) -> str:
    out = io.StringIO()
    call_command("ingest_email", *args, stdin=io.BytesIO(eml), stdout=out)
    return out.getvalue()


def _tickets(tenant) -> list[Ticket]:
    with tenant_context(tenant):
        return list(Ticket.objects.all())


@pytest.mark.django_db(transaction=True)
def test_command_finds_the_tenant_by_its_support_address(tenant, other_tenant, two_desks):
    # when
    output = _run(build(to="Globex Help <help@globex.example>", subject="Pipe to globex"))

    # then
    assert output.startswith("globex: email #") and " new. Opened GLX-1." in output
    [ticket] = _tickets(other_tenant)
    assert ticket.subject == "Pipe to globex"
    assert _tickets(tenant) == []
    with tenant_context(other_tenant):
        assert InboundEmail.objects.get().source == InboundEmail.Source.COMMAND


@pytest.mark.django_db(transaction=True)
def test_command_uses_the_envelope_recipient_and_plus_addresses(tenant, other_tenant, two_desks):
    # given: a Bcc'd support address shows only in Delivered-To
    eml = build(to="someone@customer.example", headers={"Delivered-To": "support+anything@acme.example"})

    # when
    output = _run(eml)

    # then
    assert output.startswith("acme: ")
    assert len(_tickets(tenant)) == 1


def test_command_takes_the_tenant_from_the_option(tenant, other_tenant, two_desks):
    # when
    _run(build(to="nobody@nowhere.example"), "--tenant", "acme")

    # then
    assert len(_tickets(tenant)) == 1 and _tickets(other_tenant) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("eml", "args", "message"),
    [
        (build(to="nobody@nowhere.example"), (), "No tenant has a support address"),
        (build(to="support@acme.example", cc="help@globex.example"), (), "more than one tenant"),
        (build(), ("--tenant", "initech"), "No active tenant “initech”"),
        (b"", (), "No message on standard input"),
    ],
    ids=["unknown", "ambiguous", "no such tenant", "empty"],
)
def test_command_refuses_an_unknown_or_ambiguous_tenant(tenant, other_tenant, two_desks, eml, args, message):
    # when
    with pytest.raises(CommandError, match=message) as refused:
        _run(eml, *args)

    # then: a CommandError exits non-zero, so the MTA bounces the mail instead of losing it
    assert refused.value.returncode == 1
    assert _tickets(tenant) == [] and _tickets(other_tenant) == []
