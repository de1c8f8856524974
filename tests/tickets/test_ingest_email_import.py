"""`manage.py ingest_email` on a mailbox (issue 19): --dry-run writes nothing and says what each mail would become,
an mbox or a Maildir is imported as history with a summary, and a duplicate on stdin says it is one."""

from __future__ import annotations

import io
import mailbox
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tenancy.context import tenant_context
from tests.tickets.factories import QueueFactory, SupportAddressFactory
from tests.tickets.mail_samples import build
from tickets.management.commands import ingest_email
from tickets.models import Contact, InboundEmail, OutboundEmail, Ticket

EML = Path(__file__).parent / "eml"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_desks(tenant, other_tenant, desk):
    SupportAddressFactory(tenant=tenant, email="support@acme.example", is_default=True)
    SupportAddressFactory(tenant=other_tenant, email="help@globex.example", is_default=True)
    with tenant_context(other_tenant):
        QueueFactory(tenant=other_tenant, name="Globex", is_default=True)


def _run(*args, stdin: bytes = b"") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("ingest_email", *args, stdin=io.BytesIO(stdin), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    for raw in messages:
        box.add(raw)
    box.flush()
    box.close()
    return path


def _stored(tenant) -> tuple[int, int, int]:
    with tenant_context(tenant):
        return Ticket.objects.count(), InboundEmail.objects.count(), OutboundEmail.objects.count()


def _fixtures() -> list[bytes]:
    """Every fixture of the parser's tests, as sent to acme's support address."""
    return [path.read_bytes() for path in sorted(EML.rglob("*.eml"))]


def test_dry_run_on_an_mbox_of_the_fixtures_says_what_each_would_become_and_stores_nothing(
    tenant, other_tenant, two_desks, tmp_path
):
    # given
    path = _mbox(tmp_path / "export.mbox", _fixtures())

    # when
    out, _ = _run(str(path), "--tenant", "acme", "--dry-run")

    # then
    assert _stored(tenant) == (0, 0, 0) and _stored(other_tenant) == (0, 0, 0)
    with tenant_context(tenant):
        assert not Contact.objects.exclude(email="pat@customer.example").exists()
    assert "#1 acme: " in out
    assert "bernd.mueller@customer.example “Müller, Bernd” — Drucker" in out
    assert "jo@customer.example (from reply-to) “Jo Réply”" in out
    assert "Beschwerde_ Lieferung 3_2026 fehlt.eml (message/rfc822" in out
    assert "→ new: Would open a new ticket." in out
    assert "body: Danke, jetzt geht es.\n" in out  # the excerpt is what the ticket would show
    assert "#3 acme: pat@customer.example — Screenshots" in out  # no name, no empty quotes
    assert f"Summary: {len(_fixtures())} messages would be read — new " in out
    assert "Dry run: nothing was stored and no mail was sent." in out


def test_dry_run_on_stdin_shows_a_reply_that_would_be_held(tenant, two_desks, new_ticket):
    # given: a reply from pat, unauthenticated
    ticket = new_ticket(email_message_id="first@customer.example")
    eml = build(subject="Re: Printer", in_reply_to="<first@customer.example>", body="Still broken.")

    # when
    out, _ = _run("--dry-run", stdin=eml)

    # then
    assert f"→ held: Claims {ticket.reference} (by in-reply-to)" in out
    assert "body: Still broken." in out
    assert _stored(tenant)[1] == 0


def test_import_of_an_mbox_is_history_with_a_progress_line_and_a_summary(
    tenant, other_tenant, two_desks, tmp_path, monkeypatch
):
    # given: a progress line every 2 messages; two new mails (one of them twice), one for globex, one for nobody
    first = build(subject="Old one", msgid="<old1@customer.example>")
    path = _mbox(
        tmp_path / "old.mbox",
        [
            first,
            build(subject="Old two"),
            first,
            build(to="help@globex.example", subject="Globex old"),
            build(to="nobody@nowhere.example"),
        ],
    )

    monkeypatch.setattr(ingest_email, "PROGRESS_EVERY", 2)

    # when
    out, err = _run(str(path))

    # then
    assert "Summary: 5 messages were read — new 3, appended 0, duplicates 1, held 0, refused 1." in out
    assert "refused 1: No tenant has a support address among" in out
    assert "… 2/5 messages" in err and "… 4/5 messages" in err
    assert _stored(tenant)[:2] == (2, 2) and _stored(other_tenant)[:2] == (1, 1)
    with tenant_context(tenant):
        assert set(InboundEmail.objects.values_list("source", flat=True)) == {InboundEmail.Source.IMPORT}
        assert not OutboundEmail.objects.exists()  # history is never answered


def test_import_of_a_maildir(tenant, two_desks, tmp_path):
    # given
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for subject in ("One", "Two"):
        box.add(build(subject=subject))

    # when
    out, _ = _run(str(tmp_path / "Maildir"), "--tenant", "acme")

    # then
    assert "new 2," in out
    assert _stored(tenant)[0] == 2


def test_import_refuses_what_is_not_a_mailbox(tenant, two_desks, tmp_path):
    (tmp_path / "plain.txt").write_text("hello")
    (tmp_path / "folder").mkdir()
    for path, message in [
        (tmp_path / "plain.txt", "not an mbox file"),
        (tmp_path / "folder", "not a Maildir"),
        (tmp_path / "missing", "No such file or folder"),
    ]:
        with pytest.raises(CommandError, match=message):
            _run(str(path))


def test_stdin_duplicate_says_it_is_one(tenant, two_desks):
    # given
    eml = build(msgid="<again@customer.example>")
    first, _ = _run(stdin=eml)

    # when
    second, _ = _run(stdin=eml)

    # then: not "Opened ACME-1" as if it had just happened
    assert " new. Opened ACME-1." in first
    assert " duplicate: the same message was received before (opened a ticket: Opened ACME-1.); nothing new." in second
