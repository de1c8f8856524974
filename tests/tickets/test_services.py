"""The ticket services: each validates, changes the ticket and writes its events, which are the change feed."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from tenancy.context import tenant_context
from tenancy.models import CrossTenantError, PendingTask
from tests.tickets.factories import CategoryFactory, ContactFactory, QueueFactory, TagFactory
from tickets import clock, services
from tickets.lifecycle import Status, TransitionError
from tickets.models import Channel, FeedEntry, Message, Priority, Queue, Tag, Ticket, TicketEvent, TicketLink


def events(ticket, kind=None):
    rows = TicketEvent.objects.filter(ticket=ticket).order_by("id")
    return [(e.kind, e.field, e.old_value, e.new_value) for e in rows if kind is None or e.kind == kind]


def fed(ticket):
    """The ticket's change-feed entries, each as the kinds of its events (tickets.feed)."""
    kinds = dict(TicketEvent.objects.filter(ticket=ticket).values_list("id", "kind"))
    return [[kinds[i] for i in entry.event_ids] for entry in FeedEntry.objects.filter(ticket=ticket).order_by("id")]


@pytest.mark.django_db
class TestCreate:
    def test_creates_the_ticket_its_first_message_event_and_outbox_row(self, tenant, desk, new_ticket):
        # when a customer opens a ticket
        ticket = new_ticket(subject="  Printer   on fire ", body="Smoke <b>everywhere</b>", channel=Channel.EMAIL)
        with tenant_context(tenant):
            # then it is numbered, queued in the default queue with its team, and fully recorded
            assert (ticket.number, ticket.reference, ticket.subject) == (1, "ACME-1", "Printer on fire")
            assert (ticket.queue, ticket.team, ticket.status, ticket.is_open) == (
                desk["queue"],
                desk["team"],
                Status.NEW,
                True,
            )
            message = ticket.messages.get()
            assert message.author_contact == desk["contact"] and message.kind == Message.Kind.REPLY
            assert "<b>" not in message.body_html and "&lt;b&gt;" in message.body_html
            assert events(ticket) == [("created", "channel", "", "email")]
            assert fed(ticket) == [["created"]]
            assert PendingTask.objects.filter(task_name="tickets.drain_feed").count() == 1
            assert ticket.last_customer_activity_at is not None

    def test_numbers_follow_on_per_tenant(self, tenant, other_tenant, desk, new_ticket):
        first, second = new_ticket(), new_ticket()
        with tenant_context(other_tenant):
            Queue.objects.create(name="Inbox", is_default=True)
            contact = ContactFactory(tenant=other_tenant)
            globex = services.create_ticket(actor=contact, contact=contact, subject="Hi", body="Hello")
        assert (first.number, second.number, globex.number) == (1, 2, 1)
        assert globex.reference == "GLX-1"

    @pytest.mark.parametrize(
        ("subject", "body", "message"), [("", "x", "subject"), ("Hi", "   ", "empty"), ("Hi", "x", "priority")]
    )
    def test_refuses_bad_input_clearly(self, tenant, desk, subject, body, message):
        with tenant_context(tenant), pytest.raises(services.ServiceError, match=message):
            services.create_ticket(
                actor=desk["contact"], contact=desk["contact"], subject=subject, body=body,
                priority=9 if message == "priority" else Priority.NORMAL,
            )  # fmt: skip
        with tenant_context(tenant):
            assert not Ticket.objects.exists()

    def test_refuses_rows_of_another_tenant(self, tenant, other_tenant, desk):
        foreign_queue = QueueFactory(tenant=other_tenant)
        with tenant_context(tenant), pytest.raises(CrossTenantError):
            services.create_ticket(
                actor=desk["contact"], contact=desk["contact"], subject="Hi", body="x", queue=foreign_queue
            )

    def test_participants_and_tags_are_recorded(self, tenant, desk, new_ticket):
        cc = ContactFactory(tenant=tenant)
        ticket = new_ticket(participants=[cc], tags=["Billing", "billing ", "VIP"])
        with tenant_context(tenant):
            assert list(ticket.participants.all()) == [cc]
            assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing", "vip"]
            assert [k for k, *_ in events(ticket)] == ["created", "participant_added", "tagged", "tagged"]

    def test_needs_a_default_queue(self, tenant, agent):
        contact = ContactFactory(tenant=tenant)
        with tenant_context(tenant), pytest.raises(services.ServiceError, match="default queue"):
            services.create_ticket(actor=contact, contact=contact, subject="Hi", body="x")


@pytest.mark.django_db
class TestConversation:
    def test_agent_reply_is_the_first_response_and_opens_a_new_ticket(self, tenant, agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.reply(ticket=ticket, actor=agent, body="On it.")
            ticket.refresh_from_db()
            assert ticket.status == Status.OPEN and ticket.first_response_at is not None
            assert ticket.last_agent_activity_at == ticket.first_response_at
            assert events(ticket)[1:] == [("replied", "", "", str(ticket.messages.last().pk)),
                                          ("status_changed", "status", "new", "open")]  # fmt: skip
            first = ticket.first_response_at
            services.reply(ticket=ticket, actor=agent, body="Anything else?", status=Status.PENDING)
            ticket.refresh_from_db()
            assert ticket.first_response_at == first and ticket.status == Status.PENDING

    def test_note_is_internal_and_staff_only(self, tenant, agent, desk, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            note = services.add_note(ticket=ticket, actor=agent, body="Check the logs")
            assert note.kind == Message.Kind.NOTE and not note.is_public
            assert events(ticket, "note_added")
            with pytest.raises(services.ServiceError, match="Only agents"):
                services.add_note(ticket=ticket, actor=desk["contact"], body="sneaky")

    @pytest.mark.parametrize("status", [Status.PENDING, Status.RESOLVED])
    def test_customer_reply_reopens_pending_and_recently_resolved(self, tenant, agent, desk, new_ticket, status):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.change_status(ticket=ticket, status=status, actor=agent)
            message = services.reply(ticket=ticket, actor=desk["contact"], body="Still broken")
            ticket.refresh_from_db()
            assert message.ticket_id == ticket.pk
            assert ticket.status == Status.OPEN and ticket.resolved_at is None
            # a reply to a ticket waiting for the customer is not counted as a reopen
            kind = "reopened" if status == Status.RESOLVED else "customer_replied_while_pending"
            assert events(ticket)[-1] == (kind, "status", status, "open")

    def test_customer_reply_after_the_reopen_window_opens_a_linked_ticket(self, tenant, agent, desk, new_ticket):
        ticket = new_ticket(subject="Printer")
        with tenant_context(tenant):
            with clock.replaying(clock.now() - timedelta(days=tenant.reopen_window_days + 1)):
                services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
            message = services.reply(ticket=ticket, actor=desk["contact"], body="It broke again")
            follow_up = message.ticket
            ticket.refresh_from_db()
            assert follow_up.pk != ticket.pk and follow_up.subject == "Re: Printer"
            assert ticket.status == Status.RESOLVED
            assert TicketLink.objects.filter(source=follow_up, target=ticket, kind="follow_up").exists()

    def test_customer_reply_to_a_closed_ticket_opens_a_linked_ticket(self, tenant, agent, desk, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.change_status(ticket=ticket, status=Status.CLOSED, actor=agent)
            message = services.reply(ticket=ticket, actor=desk["contact"], body="Hello again")
            assert message.ticket_id != ticket.pk
            assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED

    def test_only_requester_and_participants_may_reply(self, tenant, agent, desk, new_ticket):
        ticket = new_ticket()
        stranger, cc = ContactFactory(tenant=tenant), ContactFactory(tenant=tenant)
        with tenant_context(tenant):
            with pytest.raises(services.ServiceError, match="requester or someone copied"):
                services.reply(ticket=ticket, actor=stranger, body="I am not on this ticket")
            services.add_participant(ticket=ticket, contact=cc, actor=agent)
            assert services.reply(ticket=ticket, actor=cc, body="Copied and replying").author_contact == cc

    def test_closed_ticket_takes_no_agent_reply(self, tenant, agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.change_status(ticket=ticket, status=Status.CLOSED, actor=agent)
            with pytest.raises(services.ServiceError, match="closed"):
                services.reply(ticket=ticket, actor=agent, body="hello?")


@pytest.mark.django_db
class TestWorkflow:
    def test_status_changes_set_timestamps_and_events(self, tenant, agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            ticket = services.change_status(ticket=ticket, status=Status.RESOLVED, actor=agent, reason="fixed")
            assert not ticket.is_open and ticket.resolved_at is not None
            ticket = services.change_status(ticket=ticket, status=Status.CLOSED, actor=agent)
            assert ticket.closed_at is not None
            assert events(ticket)[1:] == [("status_changed", "status", "new", "resolved"),
                                          ("status_changed", "status", "resolved", "closed")]  # fmt: skip
            with pytest.raises(TransitionError, match="final"):
                services.change_status(ticket=ticket, status=Status.OPEN, actor=agent)

    def test_spam_is_hidden_from_queues_and_never_deleted(self, tenant, agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.change_status(ticket=ticket, status=Status.SPAM, actor=agent)
            assert not Ticket.objects.open().exists()
            assert Ticket.objects.not_spam().count() == 0 and Ticket.objects.count() == 1
            services.change_status(ticket=ticket, status=Status.NEW, actor=agent, reason="not spam")
            assert Ticket.objects.open().count() == 1

    def test_priority_category_queue_and_escalation(self, tenant, agent, desk, new_ticket):
        ticket = new_ticket()
        billing = CategoryFactory(tenant=tenant, name="Billing")
        refunds = CategoryFactory(tenant=tenant, name="Refunds", parent=billing)
        other_queue = QueueFactory(tenant=tenant)
        with tenant_context(tenant):
            services.change_priority(ticket=ticket, priority=Priority.URGENT, actor=agent)
            services.categorise(ticket=ticket, category=billing, subcategory=refunds, actor=agent)
            services.move_to_queue(ticket=ticket, queue=other_queue, actor=agent)
            services.escalate(ticket=ticket, level=1, actor=agent, reason="VIP")
            ticket.refresh_from_db()
            assert (ticket.priority, ticket.category, ticket.subcategory) == (Priority.URGENT, billing, refunds)
            assert (ticket.queue, ticket.team_id, ticket.escalation_level) == (other_queue, other_queue.team_id, 1)
            assert [k for k, *_ in events(ticket)] == [
                "created", "priority_changed", "categorised", "categorised", "queue_changed", "team_changed",
                "escalated",
            ]  # fmt: skip
            with pytest.raises(services.ServiceError, match="does not belong"):
                services.categorise(ticket=ticket, category=billing, subcategory=CategoryFactory(tenant=tenant,
                                    parent=CategoryFactory(tenant=tenant)), actor=agent)  # fmt: skip
            with pytest.raises(services.ServiceError, match="Escalation level is 0"):
                services.escalate(ticket=ticket, level=5, actor=agent)

    def test_customers_cannot_make_desk_changes(self, tenant, desk, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant), pytest.raises(services.ServiceError, match="Only agents"):
            services.change_priority(ticket=ticket, priority=Priority.URGENT, actor=desk["contact"])

    def test_automation_is_recorded_by_name(self, tenant, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            robot = services.Automation("routing rule #12")
            services.change_priority(ticket=ticket, priority=Priority.HIGH, actor=robot, reason="VIP requester")
            event = TicketEvent.objects.filter(ticket=ticket, kind="priority_changed").get()
            assert (event.actor_automation, event.actor_membership, event.reason) == (
                "routing rule #12",
                None,
                "VIP requester",
            )

    def test_references_to_another_tenant_are_refused(self, tenant, other_tenant, agent, other_agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            with pytest.raises(CrossTenantError):
                services.move_to_queue(ticket=ticket, queue=QueueFactory(tenant=other_tenant), actor=agent)
            with pytest.raises(CrossTenantError):
                services.assign(ticket=ticket, assignee=other_agent, actor=agent)


@pytest.mark.django_db
class TestAssignment:
    def test_claim_assign_unassign(self, tenant, agent, supervisor, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant):
            services.claim(ticket=ticket, actor=agent)
            with pytest.raises(services.AlreadyClaimed, match=agent.display_name):
                services.claim(ticket=ticket, actor=supervisor)
            services.assign(ticket=ticket, assignee=supervisor, actor=agent)
            services.unassign(ticket=ticket, actor=supervisor)
            assert Ticket.objects.get(pk=ticket.pk).assignee is None
            assert events(ticket)[1:] == [
                ("assigned", "assignee", "", str(agent.pk)),
                ("assigned", "assignee", str(agent.pk), str(supervisor.pk)),
                ("unassigned", "assignee", str(supervisor.pk), ""),
            ]

    def test_only_staff_can_be_assigned(self, tenant, agent, customer, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant), pytest.raises(services.ServiceError, match="not an agent"):
            services.assign(ticket=ticket, assignee=customer, actor=agent)


@pytest.mark.django_db
class TestRelations:
    def test_merge_closes_the_source_with_a_pointer_and_shows_its_messages(self, tenant, agent, desk, new_ticket):
        from tickets.selectors import get_timeline

        other = ContactFactory(tenant=tenant)
        source, target = new_ticket(subject="Dup", body="duplicate text", contact=other), new_ticket()
        with tenant_context(tenant):
            services.merge(source=source, target=target, actor=agent)
            source.refresh_from_db()
            assert (source.status, source.merged_into_id) == (Status.CLOSED, target.pk)
            assert events(source, "merged_into") == [("merged_into", "merged_into", "", str(target.pk))]
            assert events(target, "merged") == [("merged", "merged_from", "", str(source.pk))]
            bodies = [e.message.body_text for e in get_timeline(target) if e.message]
            assert "duplicate text" in bodies
            assert other in target.participants.all()
            with pytest.raises(services.ServiceError, match="already merged"):
                services.merge(source=source, target=target, actor=agent)
            with pytest.raises(services.ServiceError, match="itself"):
                services.merge(source=target, target=target, actor=agent)

    def test_link_tag_and_participants(self, tenant, agent, new_ticket):
        a, b = new_ticket(), new_ticket()
        with tenant_context(tenant):
            services.link(ticket=a, other=b, actor=agent)
            with pytest.raises(services.ServiceError, match="already linked"):
                services.link(ticket=b, other=a, actor=agent)
            services.tag(ticket=a, names=["urgent-fix"], actor=agent)
            tag = Tag.objects.get(name="urgent-fix")
            assert services.untag(ticket=a, tag=tag, actor=agent)
            assert [k for k, *_ in events(a)] == ["created", "linked", "tagged", "untagged"]
            assert [k for k, *_ in events(b)] == ["created", "linked"]

    def test_a_tag_of_another_tenant_cannot_be_used(self, tenant, other_tenant, agent, new_ticket):
        ticket = new_ticket()
        with tenant_context(tenant), pytest.raises(CrossTenantError):
            services.untag(ticket=ticket, tag=TagFactory(tenant=other_tenant), actor=agent)


@pytest.mark.django_db
def test_every_service_writes_an_event_in_the_same_transaction(tenant, agent, desk, new_ticket):
    # given a ticket whose audit trail we count
    ticket = new_ticket()
    other = new_ticket()
    billing = CategoryFactory(tenant=tenant)
    queue = QueueFactory(tenant=tenant)
    calls = [
        lambda: services.reply(ticket=ticket, actor=agent, body="x"),
        lambda: services.add_note(ticket=ticket, actor=agent, body="x"),
        lambda: services.change_status(ticket=ticket, status=Status.PENDING, actor=agent),
        lambda: services.change_priority(ticket=ticket, priority=Priority.LOW, actor=agent),
        lambda: services.categorise(ticket=ticket, category=billing, actor=agent),
        lambda: services.move_to_queue(ticket=ticket, queue=queue, actor=agent),
        lambda: services.claim(ticket=ticket, actor=agent),
        lambda: services.unassign(ticket=ticket, actor=agent),
        lambda: services.escalate(ticket=ticket, level=2, actor=agent),
        lambda: services.tag(ticket=ticket, names=["x"], actor=agent),
        lambda: services.add_participant(ticket=ticket, contact=ContactFactory(tenant=tenant), actor=agent),
        lambda: services.link(ticket=ticket, other=other, actor=agent),
        lambda: services.merge(source=other, target=ticket, actor=agent),
    ]
    with tenant_context(tenant):
        for call in calls:
            before = TicketEvent.objects.count()
            call()
            # then each call leaves at least one new event
            assert TicketEvent.objects.count() > before, call


@pytest.mark.django_db
def test_tenant_prefix_validation_rejects_lowercase(tenant):
    tenant.ticket_prefix = "acme"
    with pytest.raises(ValidationError):
        tenant.full_clean()


@pytest.mark.django_db
def test_replayed_history_sets_nothing_off(tenant, agent, supervisor, desk):
    """Importing old tickets (and the demo's 90 days) keeps the audit trail but sends no follow-up work."""
    from tickets.models import Notification

    with tenant_context(tenant), clock.replaying(clock.now() - timedelta(days=30)):
        contact = desk["contact"]
        ticket = services.create_ticket(actor=contact, contact=contact, subject="Old", body="from last month")
        services.assign(ticket=ticket, assignee=supervisor, actor=agent)
    with tenant_context(tenant):
        assert [k for k, *_ in events(ticket)] == ["created", "assigned"]
        assert not PendingTask.objects.exists()
        assert not Notification.objects.exists()
