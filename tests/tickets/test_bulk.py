"""Bulk actions on a queue page: per-ticket service calls and events, partial failures with reasons, tickets
the agent may not see, merge into one, select-all-matching with its confirmation and cap, and permissions."""

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client, make_member
from tickets import services
from tickets.lifecycle import Status
from tickets.models import FeedEntry, Queue, Team, Ticket, TicketEvent
from tickets.services.bulk import BulkError, apply_bulk

BULK = "/desk/bulk/"


def _post(client, ids=(), htmx=True, **data):
    payload = {"base": "all", "query": "", **data}
    if ids:
        payload["ids"] = [str(pk) for pk in ids]
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(BULK, payload, **extra)


def _events(tenant, ticket, kind):
    with tenant_context(tenant):
        return TicketEvent.objects.filter(ticket_id=ticket.pk, kind=kind).count()


def _status(tenant, ticket):
    with tenant_context(tenant):
        return Ticket.objects.get(pk=ticket.pk).status


@pytest.mark.django_db
def test_bulk_status_change_changes_the_open_and_refuses_the_closed(tenant, agent, desk, new_ticket):
    # given two open tickets and a closed one
    first, second, closed = new_ticket(subject="One"), new_ticket(subject="Two"), new_ticket(subject="Three")
    with tenant_context(tenant):
        services.change_status(ticket=closed, status=Status.CLOSED, actor=agent)
    # when the agent resolves all three from the list
    response = _post(host_client(tenant, agent), ids=[first.pk, second.pk, closed.pk], do="status:resolved")
    # then the open ones are resolved, each with its own event, and the closed one is refused with the reason
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="results"')
    assert "2 changed, 1 refused." in response.text
    assert "ACME-3</strong>: Closed tickets are final" in response.text
    assert (_status(tenant, first), _status(tenant, second), _status(tenant, closed)) == (
        "resolved",
        "resolved",
        "closed",
    )
    assert [_events(tenant, t, "status_changed") for t in (first, second, closed)] == [1, 1, 1]
    # and the views list is refreshed out of band with the new counts
    assert 'id="queue-nav" aria-label="Ticket views" hx-swap-oob="true"' in response.text


@pytest.mark.django_db
def test_bulk_assign_priority_queue_tag_and_claim_write_events_per_ticket(tenant, agent, supervisor, desk, new_ticket):
    # given two tickets and a second queue
    first, second = new_ticket(subject="One"), new_ticket(subject="Two")
    with tenant_context(tenant):
        billing = Queue.objects.create(name="Billing", team=desk["team"])
    client = host_client(tenant, supervisor)
    ids = [first.pk, second.pk]
    # when the supervisor runs each action on both
    for do, extra in [
        (f"assign:{agent.pk}", {}),
        ("priority:4", {}),
        (f"queue:{billing.pk}", {}),
        ("tag", {"tags": "vip, billing"}),
    ]:
        assert "2 changed." in _post(client, ids=ids, do=do, **extra).text
    # then every ticket changed, with one event per ticket and change
    with tenant_context(tenant):
        for ticket in Ticket.objects.filter(pk__in=ids):
            assert (ticket.assignee_id, ticket.priority, ticket.queue_id) == (agent.pk, 4, billing.pk)
            kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
            assert {"assigned", "priority_changed", "queue_changed"} <= set(kinds)
            assert kinds.count("tagged") == 2
    # and doing it again reports "already as asked" instead of writing events
    again = _post(client, ids=ids, do="priority:4")
    assert "0 changed, 2 already as asked." in again.text
    assert _events(tenant, first, "priority_changed") == 1


@pytest.mark.django_db
def test_bulk_claim_refuses_tickets_owned_by_someone_else(tenant, agent, supervisor, desk, new_ticket):
    free, taken = new_ticket(subject="Free"), new_ticket(subject="Taken")
    with tenant_context(tenant):
        services.claim(ticket=taken, actor=supervisor)
    response = _post(host_client(tenant, agent), ids=[free.pk, taken.pk], do="claim")
    assert "1 changed, 1 refused." in response.text and "already owns this ticket" in response.text
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=free.pk).assignee_id == agent.pk
        assert Ticket.objects.get(pk=taken.pk).assignee_id == supervisor.pk


@pytest.mark.django_db
def test_bulk_refuses_tickets_the_agent_cannot_see(tenant, other_tenant, agent, other_agent, desk, new_ticket):
    # given an agent limited to their teams, a ticket in another team's queue, and a ticket of another tenant
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])
    with tenant_context(tenant):
        secret = Queue.objects.create(name="Secret", team=Team.objects.create(name="Other"))
    hidden, mine = new_ticket(subject="Hidden", queue=secret), new_ticket(subject="Mine")
    with tenant_context(other_tenant):
        foreign_queue = Queue.objects.create(name="Globex", is_default=True)
        contact = services.get_or_create_contact(email="x@globex.example")
        foreign = services.create_ticket(
            actor=contact, contact=contact, subject="Foreign", body="x", queue=foreign_queue
        )
    # when the agent posts all three ids
    response = _post(host_client(tenant, agent), ids=[hidden.pk, mine.pk, foreign.pk], do="priority:4")
    # then only their own is changed; the others are refused without naming them, and never touched
    assert "1 changed, 2 refused." in response.text
    assert response.text.count("Not found, or not visible to you") == 2
    assert "Hidden" not in response.text.split('class="table-wrap"')[0]
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=hidden.pk).priority != 4 and Ticket.objects.get(pk=mine.pk).priority == 4
        assert not TicketEvent.objects.filter(ticket_id=hidden.pk, kind="priority_changed").exists()
    with tenant_context(other_tenant):
        assert Ticket.objects.get(pk=foreign.pk).priority != 4
        assert not TicketEvent.objects.filter(ticket_id=foreign.pk, kind="priority_changed").exists()


@pytest.mark.django_db
def test_apply_bulk_refuses_an_invisible_ticket_passed_in_directly(tenant, agent, desk, new_ticket):
    tenant.agents_see_all_tickets = False
    tenant.save(update_fields=["agents_see_all_tickets"])
    with tenant_context(tenant):
        secret = Queue.objects.create(name="Secret", team=Team.objects.create(name="Other"))
    hidden = new_ticket(subject="Hidden", queue=secret)
    with tenant_context(tenant):
        result = apply_bulk(tickets=[Ticket.objects.get(pk=hidden.pk)], action="priority", actor=agent, priority=4)
        assert [o.result for o in result.outcomes] == ["refused"]
        assert Ticket.objects.get(pk=hidden.pk).priority != 4


@pytest.mark.django_db
def test_bulk_merge_into_one_of_the_selected(tenant, agent, desk, new_ticket):
    # given three tickets about the same thing
    first, target, third = new_ticket(subject="Dup 1"), new_ticket(subject="Keep"), new_ticket(subject="Dup 3")
    # when the agent merges them into the second
    response = _post(
        host_client(tenant, agent), ids=[first.pk, target.pk, third.pk], do="merge", merge_target=target.pk
    )
    # then the others are closed into it with events on both sides, and the target stays open
    assert "2 changed, 1 already as asked." in response.text and "Merged into ACME-2" in response.text
    with tenant_context(tenant):
        for source in (first, third):
            source = Ticket.objects.get(pk=source.pk)
            assert (source.merged_into_id, source.status) == (target.pk, Status.CLOSED)
            assert TicketEvent.objects.filter(ticket=source, kind="merged_into").count() == 1
        assert Ticket.objects.get(pk=target.pk).is_open
        assert TicketEvent.objects.filter(ticket_id=target.pk, kind="merged").count() == 2


@pytest.mark.django_db
def test_bulk_merge_target_must_be_among_the_selected(tenant, agent, desk, new_ticket):
    first, second, outsider = new_ticket(), new_ticket(), new_ticket()
    response = _post(host_client(tenant, agent), ids=[first.pk, second.pk], do="merge", merge_target=outsider.pk)
    assert "Nothing was changed" in response.text and "among the selected" in response.text
    assert _status(tenant, first) == Status.NEW


@pytest.mark.django_db
def test_plain_form_bulk_action_redirects_to_the_list_with_messages(tenant, agent, desk, new_ticket):
    # given an open and a closed ticket, and a filtered list
    open_ticket, closed = new_ticket(), new_ticket()
    with tenant_context(tenant):
        services.change_status(ticket=closed, status=Status.CLOSED, actor=agent)
    client = host_client(tenant, agent)
    # when the agent posts without JavaScript
    response = _post(client, ids=[open_ticket.pk, closed.pk], htmx=False, do="status:pending", query="sort=priority")
    # then they are sent back to the same list, and the messages say what happened per ticket
    assert response.status_code == 302 and response["Location"] == "/desk/views/all/?sort=priority"
    page = client.get(response["Location"]).text
    assert "Bulk action: 1 changed, 1 refused." in page and "ACME-2: Closed tickets are final" in page


@pytest.mark.django_db
def test_select_all_matching_asks_for_confirmation_beyond_a_page(tenant, agent, desk, new_ticket, monkeypatch):
    # given pages of two rows, three urgent tickets and one normal one
    monkeypatch.setattr("tickets.views.bulk.PER_PAGE", 2)
    urgent = [new_ticket(subject=f"Urgent {n}", priority=4) for n in range(3)]
    normal = new_ticket(subject="Normal")
    client = host_client(tenant, agent)
    post = {"do": "status:pending", "scope": "matching", "query": "priority=4"}
    # when the agent applies an action to all matching tickets
    asked = _post(client, ids=[urgent[0].pk, urgent[1].pk], **post)
    # then nothing changes yet: they are asked to confirm the count
    assert "Change 3 tickets?" in asked.text and "Yes, change 3 tickets" in asked.text
    assert 'name="scope" value="matching"' in asked.text and 'name="do" value="status:pending"' in asked.text
    assert {_status(tenant, t) for t in urgent} == {Status.NEW}
    # when they confirm
    done = _post(client, confirmed="3", **post)
    # then every matching ticket changed, and the ticket outside the filter did not
    assert "3 changed." in done.text
    assert {_status(tenant, t) for t in urgent} == {Status.PENDING} and _status(tenant, normal) == Status.NEW
    assert all(_events(tenant, t, "status_changed") == 1 for t in urgent)


@pytest.mark.django_db
def test_select_all_matching_confirmation_without_javascript(tenant, agent, desk, new_ticket, monkeypatch):
    monkeypatch.setattr("tickets.views.bulk.PER_PAGE", 1)
    first, _second = new_ticket(), new_ticket()
    response = _post(host_client(tenant, agent), htmx=False, do="priority:1", scope="matching")
    assert response.status_code == 200 and "<html" in response.text and "Change 2 tickets?" in response.text
    assert _events(tenant, first, "priority_changed") == 0


@pytest.mark.django_db
def test_select_all_matching_is_refused_beyond_the_cap(tenant, agent, desk, new_ticket, monkeypatch):
    monkeypatch.setattr("tickets.views.bulk.MAX_BULK", 2)
    tickets = [new_ticket() for _ in range(3)]
    response = _post(host_client(tenant, agent), do="priority:4", scope="matching", confirmed="3")
    assert "Nothing was changed" in response.text and "More than 2 tickets match" in response.text
    assert all(_events(tenant, t, "priority_changed") == 0 for t in tickets)


@pytest.mark.django_db
def test_apply_bulk_refuses_more_than_the_cap(tenant, agent, desk, new_ticket, monkeypatch):
    monkeypatch.setattr("tickets.services.bulk.MAX_BULK", 1)
    tickets = [new_ticket(), new_ticket()]
    with tenant_context(tenant), pytest.raises(BulkError, match="at most 1 tickets"):
        apply_bulk(tickets=tickets, action="priority", actor=agent, priority=4)


@pytest.mark.django_db
def test_bulk_without_selection_or_action_explains(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    client = host_client(tenant, agent)
    assert "Select at least one ticket first." in _post(client, do="claim").text
    assert "Choose an action." in _post(client, ids=[ticket.pk], do="explode").text
    assert _post(client, ids=[ticket.pk], do="claim", base="queue:999999").status_code == 404


@pytest.mark.django_db
def test_bulk_is_a_404_for_customers_and_other_tenants(tenant, customer, other_agent, agent, desk, new_ticket):
    ticket = new_ticket()
    for member in (customer, other_agent):
        assert _post(host_client(tenant, member), ids=[ticket.pk], do="priority:4").status_code == 404
    assert _events(tenant, ticket, "priority_changed") == 0


@pytest.mark.django_db
def test_queue_page_offers_selection_and_the_action_bar(tenant, agent, desk, new_ticket):
    ticket = new_ticket()
    make_member(tenant, Role.AGENT, "agent2@acme.example")
    page = host_client(tenant, agent).get("/desk/views/all/").text
    assert 'data-bulk-all aria-label="Select all on this page"' in page
    assert f'name="ids" value="{ticket.pk}"' in page
    assert 'name="do" value="claim"' in page and 'src="/static/js/bulk.js"' in page
    assert '<input type="hidden" name="base" value="all">' in page


@pytest.mark.django_db(transaction=True)
def test_bulk_field_change_is_one_update_per_ticket_and_a_status_already_set_is_unchanged(
    tenant, agent, desk, new_ticket
):
    # given a new ticket and one already pending
    first, pending = new_ticket(subject="One"), new_ticket(subject="Two")
    with tenant_context(tenant):
        services.change_status(ticket=pending, status=Status.PENDING, actor=agent)
        # when the agent sets both to pending through the bulk dispatcher (update_ticket, one call per ticket)
        result = apply_bulk(tickets=[first, pending], action="status", actor=agent, status=Status.PENDING)
        # then the first changed, in one feed entry of its own; the pending one is reported as already so (it
        # used to be refused by the lifecycle), with no event and no entry
        assert [(o.result, o.message) for o in result.outcomes] == [
            ("changed", "Status New → Pending."),
            ("unchanged", "The ticket is already pending."),
        ]
        assert FeedEntry.objects.filter(ticket=first).count() == 2  # created, this change
        assert FeedEntry.objects.filter(ticket=pending).count() == 2  # created, the earlier change
