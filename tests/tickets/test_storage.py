"""Storage (issue 21): no text copy of the conversation on the ticket, a message body stored once, the search
vector kept by the services and the subject trigger, and migration 0018 on existing data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from tenancy.context import tenant_context
from tests.tickets.scratch_database import run_in_scratch_database, scratch_database_url
from tickets import services
from tickets.content import html_to_plain_text, render_plain_text
from tickets.models import Message, Ticket
from tickets.search import text_query

ROOT = Path(settings.BASE_DIR)


def _found(word: str) -> set[int]:
    return set(Ticket.objects.filter(search_vector=text_query(word)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_message_body_text_is_derived_from_the_html(tenant, agent, new_ticket):
    # given a reply typed as plain text with paragraphs, a line break and characters HTML escapes
    ticket = new_ticket()
    with tenant_context(tenant):
        message = services.reply(ticket=ticket, actor=agent, body="Hello Pat,\n\nTry <this> & that.\nThen restart.")
        stored = Message.objects.get(pk=message.pk)
    # then one copy is stored (HTML) and the text keeps the paragraphs, the line and the characters
    assert "&lt;this&gt; &amp; that." in stored.body_html
    assert stored.body_text == "Hello Pat,\n\nTry <this> & that.\nThen restart."
    assert html_to_plain_text(render_plain_text("One\ntwo")) == "One\ntwo"


@pytest.mark.django_db
def test_search_vector_follows_replies_notes_subject_changes_and_merges(tenant, agent, new_ticket, other_tenant):
    # given a ticket and another one, and the same words in another tenant
    ticket = new_ticket(subject="Printer jammed", body="The tray is stuck.")
    other = new_ticket(subject="Scanner offline", body="Nothing scans.")
    with tenant_context(tenant):
        # when agents reply and note, the subject changes, and another ticket is merged in
        services.reply(ticket=ticket, actor=agent, body="Pull the lever marked quokka.")
        services.add_note(ticket=ticket, actor=agent, body="Customer mentioned wombat.")
        Ticket.objects.filter(pk=ticket.pk).update(subject="Paper jam")  # the trigger keeps the subject's words
        services.merge(source=other, target=Ticket.objects.get(pk=ticket.pk), actor=agent)
        # then every word is found on the target, the old subject no longer is, and the subject still ranks first
        for word in ("quokka", "wombat", "tray", "paper", "scanner", "scans"):
            assert ticket.pk in _found(word), word
        assert ticket.pk not in _found("printer")
        assert Ticket.objects.filter(
            pk=ticket.pk, search_vector=SearchQuery("paper:A", config="simple", search_type="raw")
        ).exists()
    with tenant_context(other_tenant):
        assert not Ticket.objects.filter(search_vector=text_query("quokka")).exists()


@pytest.mark.django_db
def test_ticket_save_after_a_reply_does_not_append_the_words_again(tenant, agent, new_ticket):
    # given a reply (its words were appended in the ticket's UPDATE)
    ticket = new_ticket(subject="Desk lamp", body="Flickers.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Replace the bulb.")
        before = Ticket.objects.filter(pk=ticket.pk).values_list("search_vector", flat=True).get()
        # when a later change saves the ticket again
        services.change_status(ticket=Ticket.objects.get(pk=ticket.pk), status="pending", actor=agent)
        after = Ticket.objects.filter(pk=ticket.pk).values_list("search_vector", flat=True).get()
    # then the vector is unchanged (no second copy of the reply's words)
    assert before == after


@pytest.mark.skipif(scratch_database_url() is None, reason="needs the harness's PostgreSQL (owner role)")
def test_migration_0018_keeps_existing_data_searchable():
    # given a scratch database made by the owner role, migrated to 0017, written the old way, and migrated to 0018
    result = run_in_scratch_database("tests.tickets.storage_migration_check", "storage_check")
    # then every check passes
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout


@pytest.mark.django_db
def test_a_long_conversation_keeps_its_search_vector_in_the_row(tenant, agent, new_ticket):
    # given a ticket whose conversation has hundreds of distinct words (a vector of several kilobytes)
    words = " ".join(f"word{index}x{index * 7919 % 10007}" for index in range(400))
    ticket = new_ticket(subject="Long thread", body=words)
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body=words.upper())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_column_size(search_vector) FROM tickets_ticket WHERE id = %s", [ticket.pk])
            stored = cursor.fetchone()[0]
            cursor.execute(
                "SELECT attstorage FROM pg_attribute "
                "WHERE attrelid = 'tickets_ticket'::regclass AND attname = 'search_vector'"
            )
            storage = cursor.fetchone()[0]
        # then the vector is kept compressed in the row (STORAGE MAIN: out of line only if the row would not fit
        # a page), so a walk in the list's order reads no TOAST chunk for it; and it is searchable
        assert stored > 2000
        assert storage == "m"
        assert ticket.pk in _found("word399x7476")
