"""Pair tokens for phrases of common words (migration 0025, tickets.search_pairs): written with every vector,
used by the search only once every vector carries them, and never changing what a search finds.

The list lives in a table the application role only reads: these tests write it on the platform connection,
which commits, so they run outside a test transaction (transaction=True) and put the list back afterwards.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection, connections
from environ import Env

from tenancy.context import tenant_context
from tenancy.db.scope import PLATFORM
from tickets import search_pairs, services
from tickets.models import Ticket
from tickets.search import text_query

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="search vectors are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

dj_database_url_parse = Env.db_url_config
COMMON = ["alpha", "beta", "gamma", "delta"]


def _write_list(words: list[str], frequent: list[str] = (), *, ready: bool) -> None:
    with connections[PLATFORM].cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_searchpairs SET words = %s, frequent_pairs = %s, version = version + 1, "
            "backfilled_to = 0 WHERE config = 'tessera_search'::regconfig",
            [sorted(words), list(frequent)],
        )
        if ready:
            cursor.execute(
                "UPDATE tickets_searchpairs SET ready_version = version WHERE config = 'tessera_search'::regconfig"
            )


@pytest.fixture
def pair_list():
    yield _write_list
    _write_list([], ready=True)


def _analyze() -> None:
    """ANALYZE needs the table's owner: the harness's DATABASE_URL, on the test database."""
    owner = dj_database_url_parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=owner["HOST"],
        port=owner["PORT"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        dbname=connection.settings_dict["NAME"],
        autocommit=True,
    ) as owner_connection:
        owner_connection.execute("ANALYZE tickets_ticket")


def _token(first: str, second: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tickets_search_pair(%s, %s)", [first, second])
        return cursor.fetchone()[0]


def _tokens(ticket: Ticket) -> set[str]:
    """The vector's pair tokens (its lexemes that start with a space)."""
    with connections[PLATFORM].cursor() as cursor:  # every tenant's row
        cursor.execute("SELECT tsvector_to_array(search_vector) FROM tickets_ticket WHERE id = %s", [ticket.pk])
        return {lexeme for lexeme in cursor.fetchone()[0] if lexeme.startswith(" ")}


def _found(query: str) -> set[int]:
    return set(Ticket.objects.filter(search_vector=text_query(query)).values_list("pk", flat=True))


def _uses_pairs(query: str) -> bool:
    """Whether the query the search sends ANDs a pair token."""
    sql, _ = Ticket.objects.filter(search_vector=text_query(query)).query.sql_with_params()
    phrase = sql.split("tickets_search_with_phrase_pairs", 1)
    if len(phrase) == 1:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(tickets_search_with_phrase_pairs(websearch_to_tsquery('tessera_search', %s), %s)) "
            "<> numnode(websearch_to_tsquery('tessera_search', %s))",
            [query, query.split('"')[1], query],
        )
        return cursor.fetchone()[0]


def test_pair_tokens_are_written_on_create_reply_and_subject_change(tenant, agent, new_ticket, pair_list):
    # given alpha, beta, gamma and delta as the common words, and "alpha gamma" too frequent for a token
    pair_list(COMMON, [_token("alpha", "gamma")], ready=True)
    # when a ticket is created with common words side by side, apart (a stop word between) and rare ones
    ticket = new_ticket(subject="Alpha beta", body="beta gamma, delta the alpha; alpha gamma; zeta delta")
    # then each adjacent pair of common words has its token, across the subject's end too (beta <-> beta)
    expected = {
        _token("alpha", "beta"),
        _token("beta", "beta"),
        _token("beta", "gamma"),
        _token("gamma", "delta"),
        _token("alpha", "alpha"),
    }
    assert _tokens(ticket) == expected
    # when a reply follows, its pairs are added, one across the messages' boundary too (delta <-> gamma)
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="gamma beta")
    assert _tokens(ticket) == expected | {_token("delta", "gamma"), _token("gamma", "beta")}
    # and when the subject changes, its pairs follow it
    with tenant_context(tenant):
        Ticket.objects.filter(pk=ticket.pk).update(subject="Delta delta")
    tokens = _tokens(ticket)
    assert _token("delta", "delta") in tokens
    assert _token("alpha", "beta") not in tokens


def test_phrases_find_the_same_tickets_with_and_without_pairs(tenant, other_tenant, desk, pair_list):
    pair_list(COMMON, ready=True)
    bodies = [
        "alpha beta",
        "beta alpha",
        "alpha the beta",
        "alpha zeta beta",
        "alpha-beta gamma",
        "gamma delta alpha beta gamma",
        "beta. Alpha",
        "alpha",
    ]
    with tenant_context(tenant):
        contact = desk["contact"]
        tickets = [
            services.create_ticket(actor=contact, contact=contact, subject=f"Case {i}", body=body)
            for i, body in enumerate(bodies)
        ]
        # a ticket whose subject ends with alpha and whose first message starts with beta
        tickets.append(services.create_ticket(actor=contact, contact=contact, subject="Zeta alpha", body="beta"))
    queries = [
        '"alpha beta"',
        '"beta alpha"',
        '"alpha the beta"',
        '"alpha beta gamma"',
        '"alpha-beta gamma"',
        '"delta alpha" gamma',
        '"alpha beta" or zeta',
        '-"alpha beta" alpha',
        '"alpha zeta"',
    ]
    with tenant_context(tenant):
        with_pairs = {query: _found(query) for query in queries}
        assert _uses_pairs('"alpha beta"')
        assert not _uses_pairs('"alpha the beta"')  # not adjacent: no pair, the plain phrase
    with tenant_context(other_tenant):
        assert _found('"alpha beta"') == set()  # the tokens narrow within the tenant's rows only
    pair_list([], ready=True)
    with tenant_context(tenant):
        without_pairs = {query: _found(query) for query in queries}
        assert not _uses_pairs('"alpha beta"')
    assert with_pairs == without_pairs
    # "alpha-beta" is also 'alpha' <-> 'beta'; a subject's last word stands before the first message's first
    assert with_pairs['"alpha beta"'] == {tickets[0].pk, tickets[4].pk, tickets[5].pk, tickets[8].pk}
    assert with_pairs['"alpha the beta"'] == {tickets[2].pk, tickets[3].pk}  # 'alpha' <2> 'beta': any word between


def test_a_new_list_is_used_only_after_the_backfill_and_the_backfill_resumes(tenant, desk, pair_list):
    # given tickets written while no word was common (no tokens)
    pair_list([], ready=True)
    with tenant_context(tenant):
        contact = desk["contact"]
        tickets = [
            services.create_ticket(actor=contact, contact=contact, subject=f"Case {i}", body=f"alpha beta {i}")
            for i in range(5)
        ]
    assert not any(_tokens(ticket) for ticket in tickets)
    everyone = {ticket.pk for ticket in tickets}
    # when the list changes, the old vectors lack its tokens: the search does not use them yet
    state = search_pairs.refresh(words=COMMON, frequent=[])
    assert not state.ready
    with tenant_context(tenant):
        assert not _uses_pairs('"alpha beta"')
        assert _found('"alpha beta"') == everyone
    # when a backfill stops after two rows, it has rewritten those only and remembers where it stopped
    state = search_pairs.backfill(batch=1, limit=2)
    assert not state.ready
    assert state.backfilled_to == tickets[1].pk
    assert [bool(_tokens(ticket)) for ticket in tickets] == [True, True, False, False, False]
    # when it runs again, it goes on from there, and at the end the list is ready
    state = search_pairs.backfill(batch=2)
    assert state.ready
    assert all(_tokens(ticket) == {_token("alpha", "beta")} for ticket in tickets)
    with tenant_context(tenant):
        assert _uses_pairs('"alpha beta"')
        assert _found('"alpha beta"') == everyone
    # and storing the same list again changes nothing
    assert search_pairs.refresh(words=COMMON, frequent=[]).ready
    # a list that only takes tokens away is used at once: here "alpha beta" has grown frequent
    state = search_pairs.refresh(words=COMMON, frequent=[_token("alpha", "beta")])
    assert state.ready
    with tenant_context(tenant):
        assert not _uses_pairs('"alpha beta"')
        assert _found('"alpha beta"') == everyone
    # one that adds tokens again waits for its backfill
    assert not search_pairs.refresh(words=COMMON, frequent=[]).ready
    with tenant_context(tenant):
        assert not _uses_pairs('"alpha beta"')


def test_refresh_reads_the_common_words_from_the_statistics(tenant, desk, pair_list):
    pair_list([], ready=True)
    with tenant_context(tenant):
        contact = desk["contact"]
        for i in range(40):
            body = "alpha beta gamma" if i % 2 else f"alpha zeta{i} beta"
            services.create_ticket(actor=contact, contact=contact, subject=f"Case {i}", body=body)
    _analyze()
    words = search_pairs.common_words()
    assert {"alpha", "beta", "gamma", "case"} <= set(words)
    assert not any(word.startswith("zeta") for word in words)  # each in one ticket of 40
    # "alpha beta" stands together in half of them: too frequent for a token; "case 1" is in one ticket
    frequent = search_pairs.frequent_pairs(words)
    assert _token("alpha", "beta") in frequent


def _set_refreshed(ago: str | None) -> None:
    with connections[PLATFORM].cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_searchpairs SET refreshed_at = now() - %s::interval "
            "WHERE config = 'tessera_search'::regconfig",
            [ago],
        )


def test_the_scheduled_step_refreshes_when_due_and_backfills_a_bounded_batch(tenant, desk, pair_list):
    # given tickets written before any word was common, and a list just stored that adds tokens
    pair_list([], ready=True)
    with tenant_context(tenant):
        contact = desk["contact"]
        tickets = [
            services.create_ticket(actor=contact, contact=contact, subject=f"Case {i}", body=f"alpha beta {i}")
            for i in range(3)
        ]
    search_pairs.refresh(words=COMMON, frequent=[])
    # when the schedule runs with room for two rows, the list (refreshed just now) is kept and two are backfilled
    state = search_pairs.maintain(rows=2)
    assert state.words == sorted(COMMON) and not state.ready
    assert [bool(_tokens(ticket)) for ticket in tickets] == [True, True, False]
    # and the next run finishes the backfill: the search uses the pairs
    assert search_pairs.maintain(rows=2).ready
    assert all(_tokens(ticket) == {_token("alpha", "beta")} for ticket in tickets)
    # when the list is a month old, the step reads the statistics anew ("gamma" and "delta" are in no ticket)
    _set_refreshed("31 days")
    assert search_pairs.maintain(rows=2).words != sorted(COMMON)
