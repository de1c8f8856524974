"""English stop words out of the tickets' search (tickets.search_words, migration 0022_search_stop_words_s3): the
vectors and the queries leave them out, phrases keep their other words in order, and a search of stop words
alone says so on the desk's search page, in the lists and in the API instead of showing nothing."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tenancy.context import tenant_context
from tests.conftest import host_client
from tests.tickets.scratch_database import run_in_scratch_database, scratch_database_url
from tests.tickets.test_api import api, make_key
from tickets import services
from tickets.models import Ticket
from tickets.search import text_query
from tickets.search_words import (
    SEARCH_CONFIG,
    STOP_WORDS,
    common_words,
    common_words_notice,
    only_common_words,
)

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the text-search configuration")


def _found(query: str) -> set[int]:
    return set(Ticket.objects.filter(search_vector=text_query(query)).values_list("pk", flat=True))


def _lexemes(ticket: Ticket) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(search_vector) FROM tickets_ticket WHERE id = %s", [ticket.pk])
        return set(cursor.fetchone()[0])


def _server_stop_file() -> Path | None:
    try:
        sharedir = subprocess.check_output(["pg_config", "--sharedir"], text=True).strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(sharedir) / "tsearch_data" / "english.stop"
    return path if path.exists() else None


@postgres_only
def test_stop_words_are_the_servers():
    # given the database's dictionary, when each listed word and a plain word are looked up
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM unnest(%s::text[]) AS word WHERE ts_lexize('tessera_search_words', word) <> '{}'",
            [sorted(STOP_WORDS)],
        )
        kept = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT ts_lexize('tessera_search_words', 'Printer')")
        printer = cursor.fetchone()[0]
    # then the server drops every one of ours, and keeps other words lower-cased
    assert kept == []
    assert printer == ["printer"]
    # and ours are exactly the server's list, where its file can be read
    stop_file = _server_stop_file()
    if stop_file is not None:
        assert set(stop_file.read_text().split()) == STOP_WORDS


QUERIES = [
    ("the", True),
    ("The A", True),
    ('"to be or not to be"', True),
    ("don't", True),
    ("-the", True),
    ("printer", False),
    ("the printer", False),
    ('"not working"', False),
    ("state-of-the-art", False),
    ("a@b.example", False),
    ("2.4.1", False),
    ("E-17", False),
    ("it's down", True),
    ("Über", False),
]


@pytest.mark.parametrize(("query", "only_common"), QUERIES)
def test_only_common_words_reads_a_query_as_the_server_does(query, only_common):
    # when the query is read, then it is "stop words alone" exactly when PostgreSQL's query has no word left
    assert only_common_words(query) is only_common
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s)) = 0", [SEARCH_CONFIG, query])
            assert cursor.fetchone()[0] is only_common


def test_common_words_notice_names_the_words():
    assert common_words_notice("the a") == "“the” and “a” are too common to search for; add a more specific word."
    assert common_words_notice("The") == "“the” is too common to search for; add a more specific word."
    assert common_words("to be or not to be") == ["to", "be", "or", "not"]
    assert common_words_notice("printer is down") == "Left out as too common: “is” and “down”."
    assert common_words_notice("printer offline") == ""
    assert common_words_notice("") == ""


@postgres_only
def test_search_vector_leaves_out_stop_words_and_keeps_their_positions(tenant, agent, new_ticket, other_tenant):
    # given a ticket written with stop words, a reply with more, and another ticket
    ticket = new_ticket(subject="The printer is broken", body="It is not working at all.")
    other = new_ticket(subject="Scanner offline", body="Printer broken into pieces.")
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Have you tried the lever?")
        # then no stop word is stored, the other words are
        lexemes = _lexemes(ticket)
        assert lexemes.isdisjoint(STOP_WORDS)
        assert {"printer", "broken", "working", "tried", "lever"} <= lexemes
        # and phrases match their other words in order: "printer is broken" is 'printer' <2> 'broken'
        assert _found('"printer is broken"') == {ticket.pk}
        assert _found('"printer broken"') == {other.pk}
        assert _found('"not working"') == {ticket.pk}
        assert _found("the") == set()
    with tenant_context(other_tenant):
        assert _found("printer") == set()


@postgres_only
def test_subject_change_reads_the_new_subject_without_stop_words(tenant, new_ticket):
    # given a ticket, when its subject changes (the trigger writes the subject's words)
    ticket = new_ticket(subject="Printer jammed", body="Tray stuck.")
    with tenant_context(tenant):
        Ticket.objects.filter(pk=ticket.pk).update(subject="The scanner is down")
        # then the new subject's words are there without its stop words, the conversation's are kept
        lexemes = _lexemes(ticket)
    assert {"scanner", "tray", "stuck"} <= lexemes
    assert lexemes.isdisjoint({"the", "is", "down", "printer"})


def test_desk_search_of_stop_words_alone_says_so(tenant, agent, desk, new_ticket):
    # given a ticket full of "the" and "a"
    new_ticket(subject="The printer is a mess", body="The tray and the lever.")
    client = host_client(tenant, agent)
    # when the agent searches for stop words alone
    page = client.get("/desk/search/", {"q": "the a"}).text
    # then the page says why nothing is found by those words, and lists no ticket
    assert "“the” and “a” are too common to search for; add a more specific word." in page
    assert "No tickets you can see match this search." in page


def test_desk_search_with_a_stop_word_finds_the_other_words_and_says_which_were_left_out(
    tenant, agent, desk, new_ticket
):
    # given a ticket about a printer that is down
    new_ticket(subject="Printer down on floor 3", body="Nothing prints.")
    # when the agent searches in a sentence
    page = host_client(tenant, agent).get("/desk/search/", {"q": "printer is down"}).text
    # then the ticket is found, and the page names the words left out
    assert "Printer down on floor 3" in page
    assert "Left out as too common: “is” and “down”." in page


def test_list_search_of_stop_words_alone_says_so(tenant, agent, desk, new_ticket):
    # given a ticket full of stop words, when the agent filters a list with stop words alone
    new_ticket(subject="The printer is a mess", body="The tray and the lever.")
    client = host_client(tenant, agent)
    full = client.get("/desk/views/all/", {"q": "The"}).text
    fragment = client.get("/desk/views/all/", {"q": "The"}, HTTP_HX_REQUEST="true").text
    # then the list, as a page and as the htmx fragment, says why it is empty
    for page in (full, fragment):
        assert "“the” is too common to search for; add a more specific word." in page
        assert "No tickets here" in page


def test_api_search_of_stop_words_alone_is_refused_with_the_reason(tenant, admin, desk, new_ticket):
    # given a ticket full of stop words and an agent's key
    new_ticket(subject="The printer is a mess", body="The tray and the lever.")
    client = api(tenant, make_key(tenant, admin)[1])
    # when the API is asked for stop words alone, and for a real word
    refused = client.get("/api/v1/tickets/", {"q": "the"})
    found = client.get("/api/v1/tickets/", {"q": "the printer"})
    # then the first is a 400 naming the reason, the second finds the ticket
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"q": ["“the” is too common to search for; add a more specific word."]}
    assert found.status_code == 200 and [t["subject"] for t in found.json()["results"]] == ["The printer is a mess"]


@pytest.mark.skipif(scratch_database_url() is None, reason="needs the harness's PostgreSQL (owner role)")
def test_migration_0022_drops_stop_words_from_existing_vectors_in_batches():
    # given a scratch database made by the owner role, with two tenants' tickets written the old way
    # when it is migrated to 0022 two tickets a batch
    result = run_in_scratch_database("tests.tickets.search_words_migration_check", "search_words_check")
    # then every vector is what a fresh one would be, phrases match, a second run and the way back work
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout
