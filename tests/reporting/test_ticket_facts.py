"""The per-ticket facts (reporting.facts) against the raw computation from the events (reporting.reports.data),
after random changes made through the services and handed over by the change feed as the worker does."""

# ruff: noqa: F811 - the SLA tests' fixtures (imported below) are requested by name

from __future__ import annotations

import random
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from reporting.facts.models import TicketFacts
from reporting.reports import data
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tests.conftest import make_member
from tests.reporting.helpers import filters
from tests.sla.conftest import at, berlin, office, opened  # noqa: F401 - fixtures
from tickets import services
from tickets.feed.dispatch import drain
from tickets.lifecycle import TRANSITIONS, Status
from tickets.models import Ticket


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a reproducible history, not a secret


def raw_and_facts(tenant) -> tuple[dict, dict]:
    """{"first" | "final": {ticket id: time}} from the resolution events, and the same from the facts."""
    with tenant_context(tenant):
        f = filters(tenant)
        raw = {
            "first": dict(data.first_resolutions(f).values_list("ticket_id", "created_at")),
            "final": dict(data.final_resolutions(f).values_list("ticket_id", "created_at")),
        }
        facts = {
            "first": dict(data.resolved_facts(f, "first_resolved_at").values_list("ticket_id", "first_resolved_at")),
            "final": dict(data.resolved_facts(f, "final_resolved_at").values_list("ticket_id", "final_resolved_at")),
        }
    return raw, facts


def all_rows(tenant) -> list[tuple]:
    with tenant_context(tenant):
        return sorted(TicketFacts.objects.values_list("ticket_id", "first_resolved_at", "final_resolved_at"))


def random_history(rng: random.Random, tenant, desk, at, opened, agents, steps: int) -> None:
    """`steps` changes at increasing moments of one fortnight: new tickets, agent replies (some resolving), status
    moves the lifecycle allows, customer replies (reopens, or a new linked ticket once closed), reassignments and
    merges. Refused moves (a merge of a closed ticket, ...) are part of the game: the services say no."""
    moment = berlin(2025, 1, 6, 8)
    tickets = [opened(moment)]
    for _ in range(steps):
        moment += timedelta(minutes=rng.randint(1, 240))
        with tenant_context(tenant):
            ticket = Ticket.objects.get(pk=rng.choice(tickets).pk)
        action = rng.choice(["open", "reply", "status", "status", "customer", "assign", "merge"])
        try:
            if action == "open":
                tickets.append(opened(moment))
            elif action == "reply":
                status = rng.choice([None, Status.PENDING, Status.RESOLVED])
                at(moment, services.reply, ticket=ticket, actor=rng.choice(agents), body="On it.", status=status)
            elif action == "status":
                targets = sorted(TRANSITIONS[ticket.status])
                if targets:
                    at(moment, services.change_status, ticket=ticket, status=rng.choice(targets), actor=agents[0])
            elif action == "customer":
                message = at(moment, services.reply, ticket=ticket, actor=desk["contact"], body="Still broken.")
                tickets.append(message.ticket)  # a follow-up ticket when the old one was closed
            elif action == "assign":
                at(moment, services.assign, ticket=ticket, assignee=rng.choice(agents), actor=agents[0])
            else:
                with tenant_context(tenant):
                    target = Ticket.objects.get(pk=rng.choice(tickets).pk)
                at(moment, services.merge, source=ticket, target=target, actor=agents[0])
        except ServiceError:
            pass
        if rng.random() < 0.3:  # the sweep's drain now and then, beside the one each commit publishes
            with tenant_context(tenant):
                drain()
    with tenant_context(tenant):
        drain()


# Committed transactions, as in production: the feed keeps one entry per transaction and ticket, so in one test
# transaction a drain in the middle would leave the later events on an entry already handed out.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_ticket_facts_equal_the_events_after_random_changes(
    tenant, other_tenant, desk, office, at, opened, agent, seed
):
    # given a random fortnight of changes through the services, the feed drained as the worker does
    agents = [agent, make_member(tenant, "agent", "bea@acme.example")]
    random_history(seeded(seed), tenant, desk, at, opened, agents, steps=80)
    # when the first and final resolutions are read from the facts and computed from the events
    raw, facts = raw_and_facts(tenant)
    # then they are the same tickets at the same times (and the history did resolve, reopen and close some)
    assert facts == raw
    assert raw["first"] and raw["final"]
    # and another tenant's scope sees none of the rows
    with tenant_context(other_tenant):
        assert not TicketFacts.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_ticket_facts_backfill_builds_the_same_rows_and_changes_nothing_when_run_again(
    tenant,
    desk,
    office,
    at,
    opened,
    agent,
):
    # given a random history whose facts were lost (as for tickets from before reporting 0005)
    random_history(seeded(7), tenant, desk, at, opened, [agent], steps=40)
    raw, _ = raw_and_facts(tenant)
    with tenant_context(tenant):
        TicketFacts.objects.all().delete()
    # when the backfill runs, twice
    call_command("backfill_ticket_facts", batch=3, stdout=StringIO())
    first_run = all_rows(tenant)
    call_command("backfill_ticket_facts", batch=3, stdout=StringIO())
    # then the facts equal the events again, and the second run changed nothing
    assert raw_and_facts(tenant) == (raw, raw)
    assert all_rows(tenant) == first_run
