"""The search's plan: the strategy picker at every word frequency, and the same results whichever plan runs."""

from __future__ import annotations

import random
from itertools import accumulate

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tests.tickets.factories import AttachmentFactory, TicketFactory
from tickets.pagination import paginate
from tickets.search import (
    ALWAYS_INDEX,
    PAGE_ROWS,
    WALK_ROW_COST,
    Estimate,
    Strategy,
    choose_strategy,
    crossover,
    estimate,
    for_count,
    pair_phrases,
    reads_every_match,
    search_tickets,
    skips_count,
    text_query,
)
from tickets.selectors import SORTS, view_tickets

VOCABULARY = [f"w{rank}x" for rank in range(1, 2001)]


def zipf_dataset(*, tickets: int, words_per_ticket: int = 30, seed: int = 5) -> list[set[str]]:
    """Tickets as sets of words drawn from a Zipf curve (weight 1 / rank**1.07), in a random 'SLA order'."""
    rng = random.Random(seed)  # noqa: S311 - test data
    weights = list(accumulate(1 / rank**1.07 for rank in range(1, len(VOCABULARY) + 1)))
    return [set(rng.choices(VOCABULARY, cum_weights=weights, k=words_per_ticket)) for _ in range(tickets)]


def decile_words(dataset: list[set[str]]) -> list[tuple[str, int]]:
    """One word at each decile of the words that occur, ranked by document frequency (most frequent first)."""
    frequency: dict[str, int] = {}
    for words in dataset:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    ranked = sorted(frequency.items(), key=lambda item: (-item[1], item[0]))
    return [ranked[min(len(ranked) - 1, len(ranked) * decile // 10)] for decile in range(10)]


def simulated_costs(dataset: list[set[str]], word: str) -> tuple[float, float]:
    """What each plan's page really does on the data: INDEX_FIRST reads every match once; WALK tests rows in
    order until it has a page (the count, unordered, is the same either way)."""
    matches, walked = 0, 0
    for words in dataset:
        walked += matches < PAGE_ROWS
        matches += word in words
    return float(matches), walked * WALK_ROW_COST


@pytest.mark.parametrize("size", [2_000, 20_000])
def test_choose_strategy_is_never_far_from_the_cheaper_plan_at_any_decile(size):
    # given a skewed dataset and a word from every decile of its word frequencies
    dataset = zipf_dataset(tickets=size)
    words = decile_words(dataset)
    assert words[0][1] > size // 2 and words[-1][1] * 100 < words[0][1]  # the deciles span common to rare
    for word, frequency in words:
        # when the picker decides from the (here exact) counts
        chosen = choose_strategy(Estimate(rows=size, matches=frequency))
        # then the plan it picks costs at most a few times the cheaper one, on this data
        index_cost, walk_cost = simulated_costs(dataset, word)
        cost = index_cost if chosen == Strategy.INDEX_FIRST else walk_cost
        assert cost <= 3 * max(min(index_cost, walk_cost), ALWAYS_INDEX), (word, frequency, chosen)


def test_choose_strategy_walks_only_for_common_words():
    # given a list of 800,000 tickets
    rows = 800_000
    # when / then: rare and middling words come from the index; a word in 2 % of the tickets or more is walked
    assert choose_strategy(Estimate(rows=rows, matches=9)) == Strategy.INDEX_FIRST
    assert choose_strategy(Estimate(rows=rows, matches=5_510)) == Strategy.INDEX_FIRST
    assert 7_000 < crossover(rows) < 8_000
    assert choose_strategy(Estimate(rows=rows, matches=crossover(rows) * 0.99)) == Strategy.INDEX_FIRST
    assert choose_strategy(Estimate(rows=rows, matches=crossover(rows) * 1.01)) == Strategy.WALK
    assert choose_strategy(Estimate(rows=rows, matches=16_664)) == Strategy.WALK
    assert choose_strategy(Estimate(rows=rows, matches=364_983)) == Strategy.WALK


def test_choose_strategy_reads_a_phrases_candidates_unless_they_are_very_many():
    # given a list of 800,000 tickets and phrases of two common words (estimated as their words' candidates)
    rows = 800_000
    # when / then: the index's candidates are read (the walk may find few that stand together) up to ~55,000,
    # where the same counts as plain words are walked
    assert choose_strategy(Estimate(rows=rows, matches=35_383, phrase=True)) == Strategy.INDEX_FIRST
    assert choose_strategy(Estimate(rows=rows, matches=35_383)) == Strategy.WALK
    assert choose_strategy(Estimate(rows=rows, matches=50_000, phrase=True)) == Strategy.INDEX_FIRST
    assert choose_strategy(Estimate(rows=rows, matches=60_000, phrase=True)) == Strategy.WALK
    assert choose_strategy(Estimate(rows=rows, matches=300_000, phrase=True)) == Strategy.WALK


def test_choose_strategy_takes_the_index_for_small_or_empty_lists():
    # given lists with few matches whatever their share, and degenerate estimates
    cases = [Estimate(rows=1_500, matches=1_500), Estimate(rows=0, matches=0), Estimate(rows=-1, matches=5_000)]
    # when / then
    assert all(choose_strategy(case) == Strategy.INDEX_FIRST for case in cases)


SUBJECT_WORDS = 8


@pytest.fixture
def zipf_tickets(tenant, other_tenant):
    """120 tickets in the tenant whose subjects are Zipf-drawn words (the trigger indexes subjects), and the
    same words in another tenant's tickets, which no search here may return."""
    rng = random.Random(3)  # noqa: S311 - test data
    weights = list(accumulate(1 / rank**1.07 for rank in range(1, 301)))
    vocabulary = VOCABULARY[:300]
    subjects = [" ".join(rng.choices(vocabulary, cum_weights=weights, k=SUBJECT_WORDS)) for _ in range(120)]
    with tenant_context(tenant):
        mine = [
            TicketFactory(tenant=tenant, subject=subject, number=index + 1) for index, subject in enumerate(subjects)
        ]
        # a requester and an attachment that only those arms of the search find
        mine[7].contact.name = "Quinn Zarembo"
        mine[7].contact.save(update_fields=["name"])
        AttachmentFactory(tenant=tenant, ticket=mine[9], filename="zarembo-trace.log")
    with tenant_context(other_tenant):
        theirs = [
            TicketFactory(tenant=other_tenant, subject=subject, number=index + 1)
            for index, subject in enumerate(subjects[:20])
        ]
        theirs[0].contact.name = "Quinn Zarembo"
        theirs[0].contact.save(update_fields=["name"])
        AttachmentFactory(tenant=other_tenant, ticket=theirs[1], filename="zarembo-trace.log")
    return mine


@pytest.mark.django_db
def test_search_tickets_finds_the_same_tickets_with_every_strategy_at_every_decile(tenant, supervisor, zipf_tickets):
    # given a word from every decile of the subjects' word frequencies, a two-word query and a phrase
    dataset = [set(ticket.subject.split()) for ticket in zipf_tickets]
    words = [word for word, _ in decile_words(dataset)]
    first = zipf_tickets[0].subject.split()
    queries = [*words, f"{words[0]} {words[3]}", f'"{first[0]} {first[1]}"', "zarem", f"zarembo {first[0]}"]
    by_other_arms = {"zarem": {zipf_tickets[7].pk, zipf_tickets[9].pk}, f"zarembo {first[0]}": set()}
    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        for query in queries:
            # when the same search runs with each plan, as the list page runs it
            found = {
                strategy: list(
                    search_tickets(base, query, prefix="ACME", strategy=strategy)
                    .order_by(*SORTS["due"])
                    .values_list("pk", flat=True)
                )
                for strategy in (None, Strategy.PLANNER, Strategy.INDEX_FIRST, Strategy.WALK)
            }
            # then every plan returns the same tickets in the same order, and only matching ones of this tenant
            assert len(set(map(tuple, found.values()))) == 1, query
            mine = {ticket.pk for ticket in zipf_tickets}
            assert set(found[None]) <= mine
            if query in by_other_arms:  # the requester (a word starting "zarem") and the file name (containing it)
                assert set(found[None]) == by_other_arms[query], query
            elif not query.startswith('"'):
                expected = {t.pk for t in zipf_tickets if set(query.split()) <= set(t.subject.split())}
                assert set(found[None]) == expected, query
            else:
                assert zipf_tickets[0].pk in found[None]


@pytest.mark.django_db
def test_estimate_reads_the_planners_row_estimates(tenant, supervisor, zipf_tickets):
    # given the tenant's tickets
    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        # when the planner is asked about a word
        guess = estimate(base, text_query(zipf_tickets[0].subject.split()[0]))
    # then it answers with row counts (from statistics; the app role cannot ANALYZE, so defaults here)
    assert guess.rows > 0 and guess.matches >= 0
    assert choose_strategy(guess) in (Strategy.INDEX_FIRST, Strategy.WALK)


@pytest.mark.django_db
def test_estimate_asks_the_planner_for_a_lists_size_once_a_minute(tenant, supervisor, agent, zipf_tickets):
    # given a search of the tenant's tickets, asked once
    words = zipf_tickets[0].subject.split()
    with tenant_context(tenant):
        everything, mine = view_tickets(supervisor, "all"), view_tickets(agent, "mine")
        first = estimate(everything, text_query(words[0]))
        # when the same list is searched again, for another word, and another list is searched
        with CaptureQueriesContext(connection) as again:
            second = estimate(everything, text_query(words[1]))
        with CaptureQueriesContext(connection) as other_list:
            estimate(mine, text_query(words[0]))
    # then the list's size comes from the first answer (only the words' matches are planned), and another
    # list's size is asked for
    explains = [query["sql"] for query in again.captured_queries if query["sql"].startswith("EXPLAIN")]
    assert len(explains) == 1 and "@@" in explains[0]
    assert second.rows == first.rows
    assert sum(query["sql"].startswith("EXPLAIN") for query in other_list.captured_queries) == 2


@pytest.mark.django_db
def test_search_tickets_passes_requesters_and_attachments_as_ids_so_each_match_is_read_once(
    tenant, supervisor, zipf_tickets
):
    # given a word that a subject, a requester and an attachment match ("zarem...")
    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        for strategy in (None, Strategy.INDEX_FIRST, Strategy.WALK):
            # when the list's search is compiled
            sql, _ = search_tickets(base, "zarembo", prefix="ACME", strategy=strategy).query.sql_with_params()
            # then no arm is a subquery of ticket ids (its matches would be read, then read again by id): the
            # requesters and attachments come as arrays of ids, which an index answers beside the text's
            assert "SELECT" not in sql.split(" WHERE ", 1)[1], sql
            assert "= ANY(" in sql, sql


@pytest.mark.django_db
def test_paginate_counts_only_when_the_page_does_not_show_the_end(tenant, supervisor, zipf_tickets):
    # given the tenant's 120 tickets, and a count that says when it runs
    counted = []

    def count():
        counted.append(1)
        return 120

    with tenant_context(tenant):
        tickets = view_tickets(supervisor, "all").order_by("id")
        # when a page shows the end of the list, when it does not, and past the end
        last = paginate(tickets, 3, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=50)
        assert counted == []
        first = paginate(tickets, 1, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=50)
        beyond = paginate(tickets, 9, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=50)
        capped = paginate(tickets, 3, count=count, cap=100, load=list, pk=lambda pk: pk, per_page=50)
    # then the last page knows its count without a statement; the others ask for it
    assert (last.count, last.has_next, len(last.rows)) == (120, False, 20)
    assert (first.count, beyond.count) == (120, 120) and len(counted) == 2
    assert capped.count == 101 and capped.count_capped


@pytest.mark.django_db
def test_paginate_counts_with_the_rows_when_the_page_does_not_show_the_end(tenant, supervisor, zipf_tickets):
    # given the tenant's 120 tickets, a count that must not run, and a load that counts as it loads
    loads = []

    def count():
        raise AssertionError("counted in a statement of its own")

    def load_counting(ids):
        loads.append(ids)
        return list(ids), 120

    with tenant_context(tenant):
        tickets = view_tickets(supervisor, "all").order_by("id")
        # when the first page, the last one and one past the end are read
        first = paginate(tickets, 1, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=50,
                         load_counting=load_counting)  # fmt: skip
        capped = paginate(tickets, 1, count=count, cap=100, load=list, pk=lambda pk: pk, per_page=50,
                          load_counting=load_counting)  # fmt: skip
        last = paginate(tickets, 3, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=50,
                        load_counting=load_counting)  # fmt: skip
        beyond = paginate(tickets, 9, count=lambda: 120, cap=1000, load=list, pk=lambda pk: pk, per_page=50,
                          load_counting=load_counting)  # fmt: skip
    # then the first page's rows came with the count; the last page needed none; past the end the count ran
    assert (first.count, len(first.rows), first.has_next) == (120, 50, True)
    assert (capped.count, capped.count_capped) == (101, True)
    assert (last.count, len(last.rows)) == (120, 20) and beyond.count == 120 and beyond.rows == []
    assert len(loads) == 2


@pytest.mark.django_db
def test_list_row_values_counting_counts_the_list_in_the_rows_statement(tenant, supervisor, zipf_tickets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.selectors import list_row_values, list_row_values_counting

    # given the tenant's tickets (and the other tenant's, which no count may include)
    with tenant_context(tenant):
        tickets = view_tickets(supervisor, "all").order_by("id")
        ids = list(tickets.values_list("pk", flat=True)[:5])
        # when five rows are loaded with the list's count, capped at 1000 and at 50
        with CaptureQueriesContext(connection) as captured:
            rows, count = list_row_values_counting(ids, tickets)
        _, capped = list_row_values_counting(ids, tickets, cap=50)
        _, nothing = list_row_values_counting([0], tickets)
        plain = list_row_values(ids)
    # then one statement gave the same rows as list_row_values and the count
    assert len(captured) == 1
    assert sorted(rows, key=lambda row: row["id"]) == sorted(plain, key=lambda row: row["id"])
    assert (count, capped, nothing) == (120, 51, None)


@pytest.mark.django_db
def test_paginate_counts_in_the_page_statement_when_the_search_reads_every_match(tenant, supervisor, zipf_tickets):
    # given the most frequent subject word, searched with each plan, and a count that must not be needed
    word = decile_words([set(ticket.subject.split()) for ticket in zipf_tickets])[0][0]

    def count():
        raise AssertionError("counted in a statement of its own")

    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        index_first = search_tickets(base, word, prefix="ACME", strategy=Strategy.INDEX_FIRST).order_by(*SORTS["due"])
        walked = search_tickets(base, word, prefix="ACME", strategy=Strategy.WALK).order_by(*SORTS["due"])
        expected = walked.count()
        # when a page that does not show the end of an INDEX_FIRST list is read, with a cap and without
        page = paginate(index_first, 1, count=count, cap=1000, load=list, pk=lambda pk: pk, per_page=10,
                        count_in_page=reads_every_match(index_first))  # fmt: skip
        capped = paginate(index_first, 1, count=count, cap=20, load=list, pk=lambda pk: pk, per_page=10,
                          count_in_page=reads_every_match(index_first))  # fmt: skip
        walked_page = paginate(walked, 1, count=expected, cap=1000, load=list, pk=lambda pk: pk, per_page=10)
    # then its one statement counted every match (capped as the list shows it); only INDEX_FIRST reads them all
    assert expected > 20 and page.has_next
    assert page.count == expected and (capped.count, capped.count_capped) == (21, True)
    assert page.rows == walked_page.rows
    assert reads_every_match(index_first) and not reads_every_match(walked)


@pytest.mark.django_db
def test_paginate_leaves_an_uncounted_list_unknown_past_the_page(tenant, supervisor, zipf_tickets):
    # given the tenant's 120 tickets, listed without a count (as a walked search is)
    with tenant_context(tenant):
        tickets = view_tickets(supervisor, "all").order_by("id")
        # when the first page, the last one and one past the end are read
        with CaptureQueriesContext(connection) as captured:
            first = paginate(tickets, 1, count=None, cap=1000, load=list, pk=lambda pk: pk, per_page=50)
        last = paginate(tickets, 3, count=None, cap=1000, load=list, pk=lambda pk: pk, per_page=50)
        beyond = paginate(tickets, 9, count=None, cap=100, load=list, pk=lambda pk: pk, per_page=50)
    # then the first page read its ids only and knows no more than its rows; the last page knows the count
    assert len(captured) == 1 and "count(" not in captured[0]["sql"].lower()
    assert (first.count_known, first.count, first.count_capped, first.has_next) == (False, 50, False, True)
    assert first.last_known_page == 2 and first.page_numbers() == [1, 2]
    assert (last.count_known, last.count, len(last.rows)) == (True, 120, 20)
    assert (beyond.count_known, beyond.count_capped, beyond.rows) == (False, False, [])


@pytest.mark.django_db
@pytest.mark.parametrize("ahead", [True, False])
def test_skips_count_marks_walked_searches_only(tenant, supervisor, zipf_tickets, monkeypatch, ahead):
    # given a word and a requester's name, with requesters and attachments read ahead or left inside as subqueries
    import tickets.search

    if not ahead:
        monkeypatch.setattr(tickets.search, "MAX_AHEAD", 0)
    word = decile_words([set(ticket.subject.split()) for ticket in zipf_tickets])[0][0]
    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        # when each is searched with each plan
        marked = {
            (query, strategy): skips_count(search_tickets(base, query, prefix="ACME", strategy=strategy))
            for query in (word, "zarembo")
            for strategy in (Strategy.WALK, Strategy.INDEX_FIRST, Strategy.PLANNER)
        }
        unsearched = skips_count(base)
    # then only the walked lists go uncounted past their page
    assert marked == {key: key[1] == Strategy.WALK for key in marked} and not unsearched


@pytest.mark.django_db
def test_for_count_reads_a_walked_phrase_from_the_index_and_counts_the_same(tenant, supervisor, zipf_tickets):
    # given a phrase and a word, both walked (as the commonest are)
    first = zipf_tickets[0].subject.split()
    with tenant_context(tenant):
        base = view_tickets(supervisor, "all")
        phrase = search_tickets(base, f'"{first[0]} {first[1]}"', prefix="ACME", strategy=Strategy.WALK)
        word = search_tickets(base, first[0], prefix="ACME", strategy=Strategy.WALK)
        # when each is prepared for the list's count
        counted_phrase, counted_word = for_count(phrase), for_count(word)
        # then only the phrase takes the index's condition (its estimate is of the words, not of the phrase), and
        # the counts are the same as without it
        phrase_sql = str(counted_phrase.query)
        assert '"tenant_id" + 0)' in phrase_sql and '"tenant_id" + 0)' not in str(phrase.query)
        assert '"tenant_id" + 0)' not in str(counted_word.query)
        assert counted_phrase.count() == phrase.count() >= 1


@pytest.mark.parametrize(
    ("query", "phrases"),
    [
        ('"printer broken"', ["printer broken"]),
        ('toner "printer is broken" "paper jam"', ["printer is broken", "paper jam"]),
        ('"printer"', []),  # one word: no pair
        ('-"printer broken" toner', []),  # excluded: its matches lack the pair
        ('- "printer broken" toner', []),
        ('toner "printer broken" or scanner', []),  # an alternative need not hold the phrase
        ('"printer broken" OR scanner', []),
        ('"printer or scanner broken"', ["printer or scanner broken"]),  # "or" inside quotes is a word
        ('"printer broken', []),  # no closing quote: left to the plain phrase
        ("printer broken", []),
        ('"a b" "c d" "e f" "g h"', ["a b", "c d", "e f"]),
    ],
)
def test_pair_phrases_are_the_phrases_every_match_must_hold(query, phrases):
    assert pair_phrases(query) == phrases


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pair tokens are PostgreSQL's")
def test_a_phrases_pair_query_runs_once_and_is_estimated_as_a_call_the_planner_folds(tenant):
    from tickets.models import Ticket
    from tickets.search import WithPhrasePairs

    with tenant_context(tenant):
        words = text_query('toner "printer broken" "paper jam"')
        assert isinstance(words, WithPhrasePairs)
        run = str(Ticket.objects.filter(search_vector=words).query)
        # one scalar subquery around both phrases' calls: evaluated once per statement, not in each recheck
        assert run.count("(SELECT tickets_search_with_phrase_pairs(tickets_search_with_phrase_pairs(") == 1
        estimated = str(Ticket.objects.filter(search_vector=words.for_estimate()).query)
        assert "(SELECT" not in estimated
        assert estimated.count("tickets_search_with_phrase_pairs(") == 2
        # no phrase, no pairs: the plain websearch query
        plain = str(Ticket.objects.filter(search_vector=text_query("a b")).query)
        assert "tickets_search_with_phrase_pairs" not in plain
