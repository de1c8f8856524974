"""Assignment by the queue's strategy: who is picked, who is passed over and why, and the words on the ticket page.

Every strategy skips offline and away agents, agents at capacity, and agents who cannot see the ticket; the
skill-based one also those lacking a required skill. Loads count open tickets (new, open, pending, on hold)."""

from __future__ import annotations

import pytest

from routing.assignment.reasons import list_assignment_reasons
from routing.assignment.services import ROUTING, assign_by_strategy
from routing.models import AssignmentDecision, RoundRobinTurn, TicketSkillRequirement
from routing.signals import rules_applied
from tenancy.context import tenant_context
from tenancy.models import Membership, MembershipSkill, Skill
from tests.conftest import host_client, make_member
from tests.tickets.factories import ContactFactory, TicketFactory
from tickets.models import Queue, Team, TeamMembership, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def agent_named(tenant, name: str, *, team=None, availability=ONLINE, capacity=10, role="agent") -> Membership:
    member = make_member(tenant, role, f"{name.lower()}@acme.example")
    with tenant_context(tenant):
        Membership.objects.filter(pk=member.pk).update(availability=availability, capacity=capacity)
        member.user.full_name = name
        member.user.save(update_fields=["full_name"])
        if team is not None:
            TeamMembership.objects.create(team=team, membership=member)
        return Membership.objects.select_related("user").get(pk=member.pk)


def give_load(tenant, member, count: int, *, queue) -> None:
    """`count` open tickets owned by `member` (status new, open, pending and on hold all count)."""
    statuses = ["new", "open", "pending", "on_hold"]
    for index in range(count):
        TicketFactory(tenant=tenant, queue=queue, assignee=member, status=statuses[index % 4])


@pytest.fixture
def team(tenant):
    with tenant_context(tenant):
        return Team.objects.create(name="Billing team")


def make_queue(tenant, strategy: str, *, team=None, name=None) -> Queue:
    with tenant_context(tenant):
        return Queue.objects.create(name=name or strategy, team=team, assignment_strategy=strategy)


def route(tenant, ticket, **kwargs) -> AssignmentDecision | None:
    with tenant_context(tenant):
        return assign_by_strategy(ticket=ticket, **kwargs)


def owner(tenant, ticket) -> int | None:
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk).assignee_id


def words(tenant, ticket) -> list[str]:
    with tenant_context(tenant):
        return [f"{r.summary} {r.passed_over}".strip() for r in list_assignment_reasons(ticket.pk)]


# --- least loaded -------------------------------------------------------------------------------------------------


def test_least_loaded_picks_the_agent_with_fewest_open_tickets(tenant, team):
    # given Ana with 3 open tickets and Ben with 5, both online with room for 10, and a closed one of Ana's
    queue = make_queue(tenant, "least_loaded", team=team)
    ana, ben = agent_named(tenant, "Ana", team=team), agent_named(tenant, "Ben", team=team)
    give_load(tenant, ana, 3, queue=queue)
    give_load(tenant, ben, 5, queue=queue)
    TicketFactory(tenant=tenant, queue=queue, assignee=ana, status="resolved", is_open=False)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the queue's strategy routes a new ticket
    decision = route(tenant, ticket)
    # then Ana gets it, as routing, and the page says why in words
    assert owner(tenant, ticket) == ana.pk
    assert decision.outcome == "assigned" and decision.chosen_id == ana.pk
    with tenant_context(tenant):
        event = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    assert (event.actor_automation, event.reason) == (ROUTING.name, "least_loaded")
    assert words(tenant, ticket) == ["Least-loaded: Ana had 3 of 10 open, Ben 5 of 10 → Ana"]


def test_least_loaded_skips_offline_away_and_full_agents_and_says_so(tenant, team):
    # given the least loaded agents offline or away, and one at capacity
    queue = make_queue(tenant, "least_loaded", team=team)
    agent_named(tenant, "Cy", team=team, availability=OFFLINE)
    agent_named(tenant, "Dee", team=team, availability=AWAY)
    eve = agent_named(tenant, "Eve", team=team, capacity=2)
    give_load(tenant, eve, 2, queue=queue)
    fay = agent_named(tenant, "Fay", team=team)
    give_load(tenant, fay, 4, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the ticket is routed
    route(tenant, ticket)
    # then the only agent online with room gets it, and the others' reasons are recorded
    assert owner(tenant, ticket) == fay.pk
    assert words(tenant, ticket) == [
        "Least-loaded: Fay had 4 of 10 open → Fay Passed over: Cy (offline), Dee (away), Eve (at capacity: 2 of 2)"
    ]


def test_loads_are_counted_only_for_pickable_agents_and_only_past_the_largest_capacity(tenant, team):
    # given Ana online with room for 3 (2 open), Ben online with room for 2 and 9 open, Cy offline with 4 open
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team, capacity=3)
    ben = agent_named(tenant, "Ben", team=team, capacity=2)
    cy = agent_named(tenant, "Cy", team=team, availability=OFFLINE)
    give_load(tenant, ana, 2, queue=queue)
    give_load(tenant, ben, 9, queue=queue)
    give_load(tenant, cy, 4, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the strategy routes a new ticket
    decision = route(tenant, ticket)
    # then Ana gets it; Ben's count stopped one past the largest capacity (3), Cy's was not counted at all
    assert decision.chosen_id == ana.pk
    rows = {row["id"]: row for row in decision.candidates}
    assert (rows[ana.pk]["load"], rows[ana.pk].get("load_capped", False)) == (2, False)
    assert (rows[ben.pk]["load"], rows[ben.pk]["load_capped"], rows[ben.pk]["skipped"]) == (4, True, "at_capacity")
    assert (rows[cy.pk].get("load"), rows[cy.pk]["skipped"]) == (None, "offline")
    # and the ticket page says Ben is over capacity without claiming an exact number
    assert "Ben (at capacity: over 2 open)" in words(tenant, ticket)[0]


def test_a_decision_keeps_members_by_id_and_the_page_names_them_as_they_are_now(tenant, team):
    # given Ana and Ben online, Cy offline, and a round-robin queue where Ana had the last turn
    queue = make_queue(tenant, "round_robin", team=team)
    ana = agent_named(tenant, "Ana", team=team)
    ben = agent_named(tenant, "Ben", team=team)
    agent_named(tenant, "Cy", team=team, availability=OFFLINE)
    route(tenant, TicketFactory(tenant=tenant, queue=queue))
    ticket = TicketFactory(tenant=tenant, queue=queue)
    decision = route(tenant, ticket)
    # then the decision keeps ids and numbers, no names
    assert decision.details == {"after_id": ana.pk}
    assert all(set(row) <= {"id", "capacity", "load", "skipped", "load_capped"} for row in decision.candidates)
    # and when Ben is renamed, the page names him as he is called now
    with tenant_context(tenant):
        ben.user.full_name = "Benjamin"
        ben.user.save(update_fields=["full_name"])
    assert words(tenant, ticket) == [
        "Round robin: next after Ana among Ana, Benjamin → Benjamin Passed over: Cy (offline)"
    ]


def test_a_large_team_is_named_up_to_a_few_and_the_rest_counted(tenant, team):
    # given a least-loaded queue whose team has 9 agents online with room and 12 offline
    queue = make_queue(tenant, "least_loaded", team=team)
    online = [agent_named(tenant, f"On{index}", team=team) for index in range(1, 10)]
    for index in range(1, 13):
        agent_named(tenant, f"Off{index}", team=team, availability=OFFLINE)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when a ticket is routed
    decision = route(tenant, ticket)
    # then the decision keeps six who could take it and ten passed over, and counts the others
    assert decision.chosen_id == online[0].pk
    assert len(decision.candidates) == 16
    assert decision.details == {"more": {"eligible": 3, "offline": 2}}
    # and the page names those and says how many more there were
    named_online = ", ".join(f"On{index} 0 of 10" for index in range(2, 7))
    named_offline = ", ".join(f"Off{index} (offline)" for index in range(1, 11))
    assert words(tenant, ticket) == [
        f"Least-loaded: On1 had 0 of 10 open, {named_online}, and 3 more → On1 "
        f"Passed over: {named_offline}, and 2 more (2 offline)"
    ]


def test_a_round_robin_turn_past_the_named_few_keeps_the_one_chosen(tenant, team):
    # given a round-robin queue of 9 agents online where the seventh had the last turn
    queue = make_queue(tenant, "round_robin", team=team)
    online = [agent_named(tenant, f"On{index}", team=team) for index in range(1, 10)]
    with tenant_context(tenant):
        RoundRobinTurn.objects.create(queue=queue, last_member=online[6])
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when a ticket is routed
    decision = route(tenant, ticket)
    # then the eighth gets it, and the decision keeps the first six, the eighth, and a count of the other two
    assert decision.chosen_id == online[7].pk
    assert [row["id"] for row in decision.candidates] == [member.pk for member in [*online[:6], online[7]]]
    assert decision.details == {"after_id": online[6].pk, "more": {"eligible": 2}}
    assert words(tenant, ticket) == ["Round robin: next after On7 among On1, On2, On3, On4, On5, On6 and 3 more → On8"]


def test_a_decision_written_with_names_names_a_member_no_longer_on_file(tenant, team):
    # given a decision stored the way decisions were before 2026-12-07, naming a member whose row is gone
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    with tenant_context(tenant):
        AssignmentDecision.objects.create(
            ticket=ticket, queue=queue, strategy="least_loaded", outcome="assigned", chosen=ana,
            candidates=[{"id": ana.pk, "name": "Ana then", "load": 1, "capacity": 10, "skipped": ""},
                        {"id": 987654321, "name": "Gone", "load": None, "capacity": 10, "skipped": "offline"}],
        )  # fmt: skip
    # then the page names the member on file as now and the other by the copied name
    assert words(tenant, ticket) == ["Least-loaded: Ana had 1 of 10 open → Ana Passed over: Gone (offline)"]


def test_strategy_leaves_ticket_waiting_when_nobody_fits(tenant, team):
    # given the queue's only agent at capacity
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team, capacity=1)
    give_load(tenant, ana, 1, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when it is routed
    decision = route(tenant, ticket)
    # then it waits unassigned, with the reason recorded
    assert owner(tenant, ticket) is None
    assert decision.outcome == "waiting"
    assert "waits unassigned" in words(tenant, ticket)[0]
    assert "Ana (at capacity: 1 of 1)" in words(tenant, ticket)[0]


# --- round robin ----------------------------------------------------------------------------------------------------


def test_round_robin_takes_turns_and_skips_those_who_cannot_take_one(tenant, team):
    # given three agents, the second of whom goes offline after the first round
    queue = make_queue(tenant, "round_robin", team=team)
    ana, ben, cy = (agent_named(tenant, name, team=team) for name in ("Ana", "Ben", "Cy"))
    first_round = [TicketFactory(tenant=tenant, queue=queue) for _ in range(3)]
    # when three tickets are routed, then Ben goes offline and two more are
    for ticket in first_round:
        route(tenant, ticket)
    with tenant_context(tenant):
        Membership.objects.filter(pk=ben.pk).update(availability=OFFLINE)
    second_round = [TicketFactory(tenant=tenant, queue=queue) for _ in range(2)]
    for ticket in second_round:
        route(tenant, ticket)
    # then each took a turn in order, and Ben's turn went to the next in line
    assert [owner(tenant, t) for t in first_round] == [ana.pk, ben.pk, cy.pk]
    assert [owner(tenant, t) for t in second_round] == [ana.pk, cy.pk]
    assert words(tenant, second_round[1]) == [
        "Round robin: next after Ana among Ana, Cy → Cy Passed over: Ben (offline)"
    ]


# --- skill based ----------------------------------------------------------------------------------------------------


def test_skill_based_needs_every_required_skill_then_the_least_loaded(tenant, team):
    # given a ticket that needs German and Billing; Ana has both but is busier, Ben both, Cy only German
    queue = make_queue(tenant, "skill_based", team=team)
    ana, ben, cy = (agent_named(tenant, name, team=team) for name in ("Ana", "Ben", "Cy"))
    give_load(tenant, ana, 4, queue=queue)
    give_load(tenant, ben, 2, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    with tenant_context(tenant):
        german, billing = Skill.objects.create(name="German"), Skill.objects.create(name="Billing")
        for member, skills in ((ana, [german, billing]), (ben, [german, billing]), (cy, [german])):
            for skill in skills:
                MembershipSkill.objects.create(membership=member, skill=skill)
        for skill in (german, billing):
            TicketSkillRequirement.objects.create(ticket=ticket, skill=skill)
    # when the ticket is routed
    route(tenant, ticket)
    # then Ben (every skill, fewer open) gets it; Cy lacked a skill though he had no tickets at all
    assert owner(tenant, ticket) == ben.pk
    assert words(tenant, ticket) == [
        "Skill-based (needs Billing, German): Ben had 2 of 10 open, Ana 4 of 10 → Ben "
        "Passed over: Cy (lacks a required skill)"
    ]


def test_skill_based_waits_when_nobody_holds_the_skills(tenant, team):
    # given a ticket needing a skill nobody online holds
    queue = make_queue(tenant, "skill_based", team=team)
    agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    with tenant_context(tenant):
        TicketSkillRequirement.objects.create(ticket=ticket, skill=Skill.objects.create(name="Japanese"))
    # when it is routed, then it waits
    assert route(tenant, ticket).outcome == "waiting"
    assert owner(tenant, ticket) is None


# --- visibility -----------------------------------------------------------------------------------------------------


def test_strategy_picks_only_members_who_can_see_the_ticket(tenant):
    # given agents limited to their teams' queues, a queue without a team, an idle agent and a busy supervisor
    with tenant_context(tenant):
        tenant.agents_see_all_tickets = False
        tenant.save(update_fields=["agents_see_all_tickets"])
    queue = make_queue(tenant, "least_loaded")
    agent_named(tenant, "Ana")
    sue = agent_named(tenant, "Sue", role="supervisor")
    give_load(tenant, sue, 5, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the ticket is routed
    route(tenant, ticket)
    # then the supervisor gets it: Ana, with nothing to do, cannot open tickets of that queue
    assert owner(tenant, ticket) == sue.pk
    assert "Ana (cannot see this queue)" in words(tenant, ticket)[0]


def test_strategy_picks_from_the_queue_team_only(tenant, team):
    # given an idle agent outside the queue's team and a busier one in it
    queue = make_queue(tenant, "least_loaded", team=team)
    agent_named(tenant, "Out")
    inside = agent_named(tenant, "Inside", team=team)
    give_load(tenant, inside, 3, queue=queue)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when routed, then the team member gets it
    route(tenant, ticket)
    assert owner(tenant, ticket) == inside.pk


# --- manual, the hand-off and idempotence ---------------------------------------------------------------------------


def test_manual_queue_leaves_tickets_for_agents_to_claim(tenant, team):
    # given a manual queue with an agent online
    queue = make_queue(tenant, "manual", team=team)
    agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when routed, then nobody is assigned and the page says agents claim
    assert route(tenant, ticket).outcome == "waiting"
    assert owner(tenant, ticket) is None
    assert words(tenant, ticket) == ["Manual queue: waits for an agent to claim it."]


def test_rules_applied_with_strategy_assigns_and_a_redelivered_entry_changes_nothing(tenant, team):
    # given a routed ticket in a least-loaded queue
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the rule engine hands over entry 77 twice (a redelivery), once after a person unassigned it
    with tenant_context(tenant):
        rules_applied.send(sender=None, ticket=ticket, entry_id=77, assign="strategy", decision=None)
        Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
        rules_applied.send(sender=None, ticket=ticket, entry_id=77, assign="strategy", decision=None)
        decisions = AssignmentDecision.objects.filter(ticket=ticket).count()
    # then the first assigned Ana and the second did nothing
    assert decisions == 1
    assert owner(tenant, ticket) is None
    with tenant_context(tenant):
        assert AssignmentDecision.objects.get(ticket=ticket).chosen_id == ana.pk


def test_rules_applied_without_strategy_assigns_nobody(tenant, team):
    # given a least-loaded queue with an agent online
    queue = make_queue(tenant, "least_loaded", team=team)
    agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue)
    # when the rule engine says a person or a rule chose (assign="none")
    with tenant_context(tenant):
        rules_applied.send(sender=None, ticket=ticket, entry_id=5, assign="none", decision=None)
        # then no decision is made
        assert not AssignmentDecision.objects.filter(ticket=ticket).exists()
    assert owner(tenant, ticket) is None


def test_strategy_leaves_an_assigned_or_closed_ticket_alone(tenant, team):
    # given a ticket already owned and a resolved one
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team)
    agent_named(tenant, "Ben", team=team)
    owned = TicketFactory(tenant=tenant, queue=queue, assignee=ana)
    done = TicketFactory(tenant=tenant, queue=queue, status="resolved", is_open=False)
    # when both are routed, then nothing is decided
    assert route(tenant, owned) is None and route(tenant, done) is None
    assert owner(tenant, owned) == ana.pk and owner(tenant, done) is None


# --- the ticket page -------------------------------------------------------------------------------------------------


def test_reasons_panel_shows_the_decision_in_words(tenant, team):
    # given a routed ticket
    queue = make_queue(tenant, "least_loaded", team=team)
    ana = agent_named(tenant, "Ana", team=team)
    ticket = TicketFactory(tenant=tenant, queue=queue, contact=ContactFactory(tenant=tenant))
    route(tenant, ticket)
    # when Ana opens the ticket's assignment panel
    response = host_client(tenant, ana).get(f"/desk/tickets/{ticket.number}/assignment/")
    # then it says why, in words
    assert response.status_code == 200
    assert "Least-loaded: Ana had 0 of 10 open → Ana" in response.text
    # and the ticket page carries the panel that loads it
    page = host_client(tenant, ana).get(f"/desk/tickets/{ticket.number}/")
    assert f"/desk/tickets/{ticket.number}/assignment/" in page.text
