"""Notifications: who is told about what, in the change's transaction; the mail through the outbox; the pages."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from tenancy.context import tenant_context
from tenancy.models import Membership, PendingTask
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tests.tickets.factories import ContactFactory
from tickets import notification_kinds, services
from tickets.models import Notification, NotificationSetting, Queue
from tickets.services import notifications as notification_service
from tickets.services.events import Automation

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent2(tenant, desk):
    return make_member(tenant, Role.AGENT, "agent2@acme.example")


def _notifications(tenant, member=None):
    with tenant_context(tenant):
        rows = Notification.objects.order_by("id")
        if member is not None:
            rows = rows.filter(recipient=member)
        return [(n.recipient_id, n.kind, n.ticket_id, n.actor_id) for n in rows]


# --- Who is notified --------------------------------------------------------------------------------------------


def test_assigning_a_ticket_notifies_the_assignee(tenant, agent, agent2, new_ticket):
    # given a ticket
    ticket = new_ticket()
    # when the agent assigns it to agent2
    with tenant_context(tenant):
        services.assign(ticket=ticket, assignee=agent2, actor=agent)
    # then agent2 is told, with the agent as the one who did it
    assert _notifications(tenant) == [(agent2.pk, "assigned", ticket.pk, agent.pk)]


def test_routing_assignment_notifies_without_an_actor(tenant, agent, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.assign(ticket=ticket, assignee=agent, actor=Automation("routing rule #1"))
    assert _notifications(tenant) == [(agent.pk, "assigned", ticket.pk, None)]


def test_own_actions_notify_nobody(tenant, agent, new_ticket):
    # given a ticket
    ticket = new_ticket()
    with tenant_context(tenant):
        # when the agent claims it, assigns it to themself, mentions themself and reopens their own ticket
        services.claim(ticket=ticket, actor=agent)
        services.unassign(ticket=ticket, actor=agent)
        services.assign(ticket=ticket, assignee=agent, actor=agent)
        services.add_note(ticket=ticket, actor=agent, body="Note to self, @agent: check the logs.")
        services.change_status(ticket=ticket, status="resolved", actor=agent)
        services.change_status(ticket=ticket, status="open", actor=agent)
    # then nobody is notified
    assert _notifications(tenant) == []


def test_mention_in_a_note_notifies_the_mentioned_agents(tenant, agent, agent2, supervisor, new_ticket):
    # given a ticket and a supervisor with a full name
    ticket = new_ticket()
    supervisor.user.full_name = "Sue Pervisor"
    supervisor.user.save(update_fields=["full_name"])
    # when the agent writes a note naming agent2 and the supervisor (twice) and an unknown name
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=agent, body="@agent2 and @sue.pervisor, see @SuePervisor. @nobody")
    # then each named person gets one mention notification
    assert sorted(_notifications(tenant)) == sorted(
        [(agent2.pk, "mention", ticket.pk, agent.pk), (supervisor.pk, "mention", ticket.pk, agent.pk)]
    )


def test_public_reply_with_a_handle_is_no_mention(tenant, agent, agent2, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=agent, body="Our colleague @agent2 will call you.")
    assert _notifications(tenant) == []


def test_customer_reply_notifies_the_assignee(tenant, agent, desk, new_ticket):
    # given a ticket the agent owns
    ticket = new_ticket()
    with tenant_context(tenant):
        services.claim(ticket=ticket, actor=agent)
        # when the customer replies
        services.reply(ticket=ticket, actor=desk["contact"], body="Any news?")
    # then the assignee is told
    assert _notifications(tenant) == [(agent.pk, "customer_reply", ticket.pk, None)]


def test_customer_reply_on_an_unassigned_ticket_notifies_nobody(tenant, desk, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant):
        services.reply(ticket=ticket, actor=desk["contact"], body="Any news?")
    assert _notifications(tenant) == []


def test_reopening_notifies_the_assignee(tenant, agent, agent2, desk, new_ticket):
    # given two resolved tickets owned by the agent
    first, second = new_ticket(), new_ticket(subject="Second")
    with tenant_context(tenant):
        for ticket in (first, second):
            services.claim(ticket=ticket, actor=agent)
            services.change_status(ticket=ticket, status="resolved", actor=agent)
        # when agent2 reopens one and the customer's reply reopens the other
        services.change_status(ticket=first, status="open", actor=agent2)
        services.reply(ticket=second, actor=desk["contact"], body="Still broken.")
    # then the owner hears of both reopenings
    assert _notifications(tenant) == [
        (agent.pk, "reopened", first.pk, agent2.pk),
        (agent.pk, "reopened", second.pk, None),
    ]


def test_notification_is_written_in_the_changes_transaction(tenant, agent, agent2, new_ticket):
    # given a change that fails after the notification was written
    ticket = new_ticket()
    with tenant_context(tenant):
        services.claim(ticket=ticket, actor=agent)
        with pytest.raises(services.ServiceError):
            services.assign(ticket=ticket, assignee=make_member(tenant, Role.CUSTOMER, "c@x.example"), actor=agent)
    # then nothing is left behind by a refused change
    assert _notifications(tenant) == []


# --- Email through the outbox -------------------------------------------------------------------------------------


def test_email_is_sent_through_the_outbox_with_a_tenant_link(
    tenant, agent, agent2, new_ticket, django_capture_on_commit_callbacks, settings
):
    # given a ticket
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    ticket = new_ticket(subject="Printer\r\nBcc: evil@example.com on fire")
    mail.outbox.clear()
    # when agent2 is assigned it and the transaction commits
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket=ticket, assignee=agent2, actor=agent)
    # then one mail goes to agent2 with a link on acme's own host, and its outbox record is done
    sent = [m for m in mail.outbox if m.to == ["agent2@acme.example"]]
    assert len(sent) == 1
    assert f"https://{tenant.host}/desk/tickets/{ticket.number}/" in sent[0].body
    assert "ACME-" in sent[0].subject and "\n" not in sent[0].subject and "\r" not in sent[0].subject
    with tenant_context(tenant):
        task = PendingTask.objects.get(task_name="tickets.send_notification_email")
        assert task.done_at is not None


def test_email_task_twice_sends_once(tenant, agent, agent2, new_ticket, django_capture_on_commit_callbacks):
    # given a notification whose mail was sent
    ticket = new_ticket()
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket=ticket, assignee=agent2, actor=agent)
    with tenant_context(tenant):
        notification = Notification.objects.get()
    mail.outbox.clear()
    # when the task runs again (a redelivery)
    from tickets.tasks import send_notification_email_task

    result = send_notification_email_task.delay(tenant_id=tenant.pk, notification_id=notification.pk).get()
    # then nothing more is sent
    assert result is False
    assert mail.outbox == []


def test_a_batch_of_notifications_is_mailed_by_one_task(
    tenant, agent, agent2, new_ticket, django_capture_on_commit_callbacks
):
    # given two tickets assigned in one batch, to agent2 and to a third agent
    agent3 = make_member(tenant, Role.AGENT, "agent3@acme.example")
    first, second = new_ticket(subject="First"), new_ticket(subject="Second")
    mail.outbox.clear()
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        notices = notification_service.notify_each(
            kind="assigned", recipients=[(first, agent2), (second, agent3)], actor=agent
        )
    # then one task carried both mails, each went to its recipient, and the task's record is done
    assert sorted(m.to[0] for m in mail.outbox) == ["agent2@acme.example", "agent3@acme.example"]
    with tenant_context(tenant):
        [task] = PendingTask.objects.filter(task_name__startswith="tickets.send_notification_email")
        assert task.task_name == "tickets.send_notification_emails" and task.done_at is not None
        assert task.kwargs == {"notification_ids": [notice.pk for notice in notices]}
    # and a redelivery of the batch sends nothing again
    mail.outbox.clear()
    from tickets.tasks import send_notification_emails_task

    again = send_notification_emails_task.delay(tenant_id=tenant.pk, notification_ids=task.kwargs["notification_ids"])
    assert again.get() == 0 and mail.outbox == []


def test_mailing_a_batch_reads_the_same_statements_whatever_its_size(tenant, agent, agent2, new_ticket):
    # given notifications of two and of five assignments to agent2, not yet mailed (the test's transaction)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def notices(count):
        tickets = [new_ticket(subject=f"Batch {n}") for n in range(count)]
        with tenant_context(tenant):
            made = notification_service.notify_each(
                kind="assigned", recipients=[(t, agent2) for t in tickets], actor=agent
            )
        return [notice.pk for notice in made]

    two, five = notices(2), notices(5)
    mail.outbox.clear()
    # when each batch is mailed
    counted = []
    for batch in (two, five):
        with tenant_context(tenant), CaptureQueriesContext(connection) as queries:
            assert notification_service.send_notification_emails(notification_ids=batch) == len(batch)
        counted.append(len(queries.captured_queries))
    # then both cost the same statements (the notifications, the recipient's visible tickets and mail settings,
    # and the savepoint around them in the test's transaction), and every mail went out
    assert counted[0] == counted[1] <= 5, counted
    assert len(mail.outbox) == 7


def test_email_preferences_are_respected(tenant, agent, agent2, desk, new_ticket, django_capture_on_commit_callbacks):
    # given agent2 wants no assignment mail (mentions left on)
    with tenant_context(tenant):
        notification_service.update_preferences(membership=agent2, email={"assigned": False})
    ticket = new_ticket()
    mail.outbox.clear()
    # when agent2 is assigned a ticket and mentioned on it
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        services.assign(ticket=ticket, assignee=agent2, actor=agent)
        services.add_note(ticket=ticket, actor=agent, body="@agent2 have a look")
    # then both show in the app, but only the mention is mailed
    assert [kind for _, kind, _, _ in _notifications(tenant, agent2)] == ["assigned", "mention"]
    sent = [m for m in mail.outbox if m.to == ["agent2@acme.example"]]
    assert len(sent) == 1 and "mentioned you" in sent[0].subject


def test_preferences_page_saves_and_unchecks(tenant, agent):
    # given the agent's preferences page
    client = host_client(tenant, agent)
    assert client.get("/desk/notifications/settings/").status_code == 200
    # when they untick everything but mentions and save
    response = client.post("/desk/notifications/settings/", {"email_mention": "on"})
    # then their setting says so
    assert response.status_code == 302
    with tenant_context(tenant):
        setting = NotificationSetting.objects.get(membership=agent)
    # (every registered kind: other apps register theirs, such as SLA's warnings and breaches)
    assert setting.email == {kind.key: kind.key == "mention" for kind in notification_kinds.all_kinds()}
    assert {"assigned", "mention", "customer_reply", "reopened"} <= set(setting.email)
    # and when they untick everything the form still saves (an empty POST is still a POST)
    client.post("/desk/notifications/settings/", {})
    with tenant_context(tenant):
        setting.refresh_from_db()
    assert setting.wants_email("mention") is False


def test_preferences_page_lists_every_registered_kind_and_saves_each(tenant, agent):
    # given every registered kind, ticked on a member without a saved setting (the defaults)
    kinds = notification_kinds.all_kinds()
    client = host_client(tenant, agent)
    page = client.get("/desk/notifications/settings/").text
    for kind in kinds:
        assert f'name="email_{kind.key}"' in page and kind.label in page
    for kind in kinds:
        # when the member turns just this kind off
        client.post("/desk/notifications/settings/", {f"email_{k.key}": "on" for k in kinds if k != kind})
        # then it alone is off, and the page shows it unticked
        with tenant_context(tenant):
            setting = NotificationSetting.objects.get(membership=agent)
        assert {k.key: setting.wants_email(k.key) for k in kinds} == {k.key: k != kind for k in kinds}
        page = client.get("/desk/notifications/settings/").text
        assert _ticked(page) == {f"email_{k.key}": k != kind for k in kinds}


def _ticked(page):
    """The preference checkboxes of a page: field name -> whether it is ticked."""
    inputs = re.findall(r'<input type="checkbox" name="(email_\w+)"[^>]*>', page)
    tags = re.findall(r'<input type="checkbox" name="email_\w+"[^>]*>', page)
    return {name: " checked" in tag for name, tag in zip(inputs, tags, strict=True)}


@pytest.fixture
def escalation_kind():
    kind = notification_kinds.register(
        notification_kinds.NotificationKind(
            key="test_escalated",
            label="A ticket of mine is escalated",
            help_text="Registered by a test.",
            badge="Escalated",
            subject="{actor} escalated {ref}",
            subject_without_actor="{ref} was escalated",
            email_default=False,
        )
    )
    yield kind
    notification_kinds.unregister(kind.key)


def test_a_registered_kind_needs_no_migration_and_follows_its_default(
    tenant, agent, agent2, new_ticket, escalation_kind, django_capture_on_commit_callbacks
):
    # given a kind registered at run time (mailed only to those who ask), and no model change for it
    call_command("makemigrations", "tickets", "--check", "--dry-run", verbosity=0)
    ticket = new_ticket()
    mail.outbox.clear()
    # when agent2, who never chose, is notified of it
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        notification_service.notify(kind="test_escalated", ticket=ticket, recipients=[agent2], actor=agent)
    # then it shows under the bell with its badge, and no mail goes out (its default is off)
    assert [kind for _, kind, _, _ in _notifications(tenant, agent2)] == ["test_escalated"]
    assert "Escalated" in host_client(tenant, agent2).get("/desk/notifications/").text
    assert mail.outbox == []
    # when agent2 ticks it on the preferences page, which lists it, and is notified again
    client = host_client(tenant, agent2)
    assert "A ticket of mine is escalated" in client.get("/desk/notifications/settings/").text
    client.post("/desk/notifications/settings/", {"email_test_escalated": "on"})
    with tenant_context(tenant), django_capture_on_commit_callbacks(execute=True):
        notification_service.notify(kind="test_escalated", ticket=ticket, recipients=[agent2], actor=agent)
    # then the mail goes out, in the kind's words
    sent = [m for m in mail.outbox if m.to == ["agent2@acme.example"]]
    assert len(sent) == 1
    assert f"escalated {tenant.format_ticket_number(ticket.number)}: {ticket.subject}" in sent[0].subject


def test_notifying_an_unregistered_kind_fails_and_writes_nothing(tenant, agent, agent2, new_ticket):
    ticket = new_ticket()
    with tenant_context(tenant), pytest.raises(notification_kinds.UnknownNotificationKind):
        notification_service.notify(kind="sla_warnign", ticket=ticket, recipients=[agent2], actor=agent)
    with tenant_context(tenant), pytest.raises(notification_kinds.UnknownNotificationKind):
        notification_service.update_preferences(membership=agent2, email={"sla_warnign": False})
    assert _notifications(tenant) == []
    with tenant_context(tenant):
        assert not NotificationSetting.objects.exists()


def test_preferences_are_per_tenant(tenant, other_tenant, agent):
    # given the same person is an agent of globex too, with a saved setting there
    globex = make_member(other_tenant, Role.AGENT, "agent@acme.example")
    with tenant_context(other_tenant):
        notification_service.update_preferences(membership=globex, email={"mention": False})
    # when they turn everything off in acme
    host_client(tenant, agent).post("/desk/notifications/settings/", {})
    # then acme's setting says so and globex's is untouched
    with tenant_context(tenant):
        assert NotificationSetting.objects.get().email == {k.key: False for k in notification_kinds.all_kinds()}
    with tenant_context(other_tenant):
        setting = NotificationSetting.objects.get()
    assert setting.membership_id == globex.pk and setting.email == {"mention": False}
    assert setting.wants_email("assigned") is True


# --- Pages --------------------------------------------------------------------------------------------------------


def _notify_many(tenant, recipient, actor, count):
    contact = ContactFactory(tenant=tenant)
    with tenant_context(tenant):
        for index in range(count):
            ticket = services.create_ticket(actor=contact, contact=contact, subject=f"T{index}", body="x")
            services.assign(ticket=ticket, assignee=recipient, actor=actor)


def test_notification_list_queries_do_not_grow_with_rows(tenant, agent, agent2, desk):
    client = host_client(tenant, agent2)
    _notify_many(tenant, agent2, agent, 2)
    few = [count_queries(client, url) for url in ("/desk/notifications/", "/desk/notifications/unread/")]
    _notify_many(tenant, agent2, agent, 25)
    many = [count_queries(client, url) for url in ("/desk/notifications/", "/desk/notifications/unread/")]
    assert few == many


def test_list_bell_open_and_mark_all_read(tenant, agent, agent2, desk):
    # given three notifications for agent2
    _notify_many(tenant, agent2, agent, 3)
    client = host_client(tenant, agent2)
    # then the bell counts them and the list shows them
    assert 'data-unread="3"' in client.get("/desk/notifications/unread/").text
    page = client.get("/desk/notifications/").text
    assert page.count("notification is-unread") == 3 and "T2" in page
    # when agent2 opens one, it is read and they land on its ticket
    with tenant_context(tenant):
        first = Notification.objects.select_related("ticket").filter(recipient=agent2).order_by("id").first()
    response = client.get(f"/desk/notifications/{first.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/desk/tickets/{first.ticket.number}/"
    assert 'data-unread="2"' in client.get("/desk/notifications/unread/").text
    # and "mark all read" (htmx) leaves none unread
    response = client.post("/desk/notifications/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "0 unread" in response.text
    assert "data-unread" not in client.get("/desk/notifications/unread/").text


def test_another_members_notification_is_a_404(tenant, agent, agent2, desk):
    _notify_many(tenant, agent2, agent, 1)
    with tenant_context(tenant):
        notification = Notification.objects.get()
    assert host_client(tenant, agent).get(f"/desk/notifications/{notification.pk}/").status_code == 404


def test_other_tenants_notifications_never_show(tenant, other_tenant, agent, agent2, desk):
    # given globex notifies its agent (same email local part as acme's)
    globex_agent = make_member(other_tenant, Role.AGENT, "agent@globex.example")
    globex_boss = make_member(other_tenant, Role.SUPERVISOR, "boss@globex.example")
    with tenant_context(other_tenant):
        Queue.objects.create(name="Globex general", is_default=True)
    _notify_many(other_tenant, globex_agent, globex_boss, 2)
    # and acme notifies agent2 once
    _notify_many(tenant, agent2, agent, 1)
    with tenant_context(other_tenant):
        globex_notification = Notification.objects.first()
    # when acme's agent2 looks at their bell, list, and tries globex's notification id
    client = host_client(tenant, agent2)
    # then only acme's one is there
    assert 'data-unread="1"' in client.get("/desk/notifications/unread/").text
    assert client.get(f"/desk/notifications/{globex_notification.pk}/").status_code == 404
    with tenant_context(tenant):
        assert Notification.objects.count() == 1


def test_staff_top_bar_has_bell_availability_and_shortcuts(tenant, agent, desk):
    page = host_client(tenant, agent).get("/desk/").text
    assert 'hx-get="/desk/notifications/unread/"' in page
    assert 'name="availability"' in page and 'value="offline" selected' in page
    assert "data-shortcuts-help" in page and "js/shortcuts.js" in page
    assert "Sign out" in page


# --- Availability ---------------------------------------------------------------------------------------------


def test_agent_sets_availability_from_the_top_bar(tenant, other_tenant, agent, desk):
    # given the same person is also an agent of globex
    globex = make_member(other_tenant, Role.AGENT, "agent@acme.example")
    client = host_client(tenant, agent)
    # when the agent goes online (htmx) then away (plain form)
    response = client.post("/desk/availability/", {"availability": "online"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'value="online" selected' in response.text
    response = client.post("/desk/availability/", {"availability": "away", "next": "/desk/views/all/"})
    assert response.status_code == 302 and response["Location"] == "/desk/views/all/"
    # then the membership in acme says so, and the same person's membership in globex is unchanged
    with tenant_context(tenant):
        assert Membership.objects.get(pk=agent.pk).availability == "away"
    with tenant_context(other_tenant):
        assert Membership.objects.get(pk=globex.pk).availability == "offline"


def test_unknown_availability_is_refused_with_a_message(tenant, agent, desk):
    client = host_client(tenant, agent)
    response = client.post("/desk/availability/", {"availability": "asleep", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/desk/"
    response = client.post("/desk/availability/", {"availability": "asleep"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    with tenant_context(tenant):
        assert Membership.objects.get(pk=agent.pk).availability == "offline"


def test_settings_members_table_shows_availability_and_capacity(tenant, admin, agent):
    with tenant_context(tenant):
        agent.capacity = 7
        agent.save(update_fields=["capacity"])
    page = host_client(tenant, admin).get("/desk/settings/members/").text
    assert "Capacity" in page and ">7</td>" in page and "Offline" in page
