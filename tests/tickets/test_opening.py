"""tickets.services.opening: the ticket, its first message and its "created" event written in one statement are
the rows the ORM writes, column by column, with the same feed entry and outbox rows; the guard and the signals of
save() still hold."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from tenancy.context import tenant_context
from tenancy.models import CrossTenantError, PendingTask
from tickets import services
from tickets.models import Category, FeedEntry, Message, Ticket, TicketEvent
from tickets.services import opening
from tickets.services.events import new_event

# Different in any two tickets whichever way they were written.
IDS = {"id", "ticket_id", "number", "xact_id", "event_ids"}


def _columns(model, **filters) -> list[dict]:
    rows = []
    for row in model.objects.filter(**filters).order_by("id").values(*[f.attname for f in model._meta.concrete_fields]):
        # Timestamps are the clock's; both ways must fill the same ones.
        rows.append({k: (v is not None if isinstance(v, datetime) or k.endswith("_at") else v) for k, v in row.items()
                     if k not in IDS})  # fmt: skip
    return rows


def _opened(tenant, agent, desk, category, n: int) -> tuple[Ticket, dict]:
    with tenant_context(tenant), transaction.atomic():
        before = set(PendingTask.objects.values_list("pk", flat=True))
        ticket = services.create_ticket(
            actor=agent,
            contact=desk["contact"],
            subject="Printer on fire  again",
            body="It is on fire.\n\nSecond <b>paragraph</b> & more.",
            channel="phone",
            queue=desk["queue"],
            category=category,
            priority=3,
            email_message_id="<abc@example.com>",
            received_address=" Support@Example.com ",
        )
    with tenant_context(tenant):
        rows = {
            "ticket": _columns(Ticket, pk=ticket.pk),
            "vector": list(Ticket.objects.filter(pk=ticket.pk).values_list("search_vector", flat=True)),
            "messages": _columns(Message, ticket_id=ticket.pk),
            "events": _columns(TicketEvent, ticket_id=ticket.pk),
            "feed": _columns(FeedEntry, ticket_id=ticket.pk),
            "feed_events": [
                [TicketEvent.objects.get(pk=pk).kind for pk in entry.event_ids]
                for entry in FeedEntry.objects.filter(ticket_id=ticket.pk)
            ],
            "outbox": _columns(PendingTask, pk__in=set(PendingTask.objects.values_list("pk", flat=True)) - before),
        }
    return ticket, rows


@pytest.mark.django_db(transaction=True)
def test_one_statement_writes_the_rows_the_orm_writes(tenant, agent, desk, monkeypatch):
    # given the same ticket opened through the ORM (the SQLite path) and through the one statement
    with tenant_context(tenant):
        category = Category.objects.create(name="Hardware")
    monkeypatch.setattr(opening, "_one_statement", lambda connection: False)
    by_orm, orm_rows = _opened(tenant, agent, desk, category, 1)
    monkeypatch.undo()
    with CaptureQueriesContext(connection) as captured:
        by_statement, statement_rows = _opened(tenant, agent, desk, category, 2)
    # then the statement was used, with the feed's outbox row in it, and every column of ticket, message, events,
    # feed entry and outbox rows matches
    [statement] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("WITH n AS (UPDATE tenancy_")]
    assert 'INSERT INTO "tenancy_pendingtask"' in statement
    assert not any(q["sql"].startswith('INSERT INTO "tenancy_pendingtask"') for q in captured.captured_queries)
    assert statement_rows == orm_rows
    assert orm_rows["events"] and orm_rows["outbox"] and orm_rows["feed_events"] == [["created", "queue_chosen"]]
    assert orm_rows["vector"][0] and "printer" in orm_rows["vector"][0] and "paragraph" in orm_rows["vector"][0]
    # and the numbers follow each other, and the instances are what a save leaves
    assert by_statement.number == by_orm.number + 1
    for ticket in (by_orm, by_statement):
        assert not ticket._state.adding and ticket._state.db == "default" and "search_vector" not in ticket.__dict__
        with tenant_context(tenant):
            stored = Ticket.objects.get(pk=ticket.pk)
        assert (stored.number, stored.created_at, stored.updated_at) == (
            ticket.number,
            ticket.created_at,
            ticket.updated_at,
        )


@pytest.mark.django_db
def test_the_statement_keeps_saves_signals_and_tenant_guard(tenant, other_tenant, agent, desk):
    # given listeners of the three models' saves
    heard = []

    def listen(sender, instance, **kwargs):
        heard.append((kwargs.get("created", "pre"), sender.__name__, instance.pk is not None))

    for signal in (pre_save, post_save):
        for model in (Ticket, Message, TicketEvent):
            signal.connect(listen, sender=model, dispatch_uid=f"test-opening-{model.__name__}-{id(signal)}")
    try:
        with tenant_context(tenant):
            services.create_ticket(actor=agent, contact=desk["contact"], subject="Heard", body="Hello")
    finally:
        for signal in (pre_save, post_save):
            for model in (Ticket, Message, TicketEvent):
                signal.disconnect(sender=model, dispatch_uid=f"test-opening-{model.__name__}-{id(signal)}")
    # then each was told before (without a pk) and after (created, with its pk)
    assert [h for h in heard if h[0] == "pre"] == [("pre", m, False) for m in ("Ticket", "Message", "TicketEvent")]
    assert [h for h in heard if h[0] is True] == [(True, m, True) for m in ("Ticket", "Message", "TicketEvent")]
    # and a row of another tenant is refused before anything is written, as save() refuses it
    with tenant_context(tenant):
        ticket = Ticket(subject="x", contact=desk["contact"], queue=desk["queue"], tenant_id=other_tenant.pk)
        message = Message(ticket=ticket, body_html="x")
        event = new_event(ticket, actor=agent, kind="created")
        count = Ticket.objects.count()
        with pytest.raises(CrossTenantError):
            opening.write_opening(ticket=ticket, message=message, event=event)
        assert Ticket.objects.count() == count


def _submitted(tenant, n: int, sent: list) -> tuple[Ticket, dict]:
    from tickets.models import OutboundEmail
    from tickets.services.portal import submit_request

    with tenant_context(tenant):
        before = set(PendingTask.objects.values_list("pk", flat=True))
        ticket = submit_request(
            email=f"visitor{n}@example.com", name="Robin", subject="Printer on fire", description="Help.", tenant=tenant
        )
        [outbound] = OutboundEmail.objects.filter(ticket_id=ticket.pk)
        tasks = list(PendingTask.objects.exclude(pk__in=before).order_by("pk"))
        mail_columns = _columns(OutboundEmail, pk=outbound.pk)
        mail_columns[0].pop("email_message_id")  # a fresh one each time
        mail_columns[0]["to_address"] = mail_columns[0]["to_address"].replace(str(n), "")
        task_columns = _columns(PendingTask, pk__in=[t.pk for t in tasks])
    rows = {
        "mail": mail_columns,
        "task names": [task.task_name for task in tasks],
        "mail task kwargs": [task.kwargs for task in tasks if task.task_name == "tickets.send_outbound_email"],
        "mail task is outbound": [t.kwargs for t in tasks if "outbound_id" in t.kwargs]
                                 == [{"outbound_id": outbound.pk}],
        "outbox": [{k: v for k, v in row.items() if k != "kwargs"} for row in task_columns],
        "published": sorted(sent.pop()) == sorted(t.pk for t in tasks) and not sent,
    }  # fmt: skip
    rows["mail task kwargs"] = [set(kwargs) for kwargs in rows["mail task kwargs"]]
    return ticket, rows


@pytest.mark.django_db(transaction=True)
def test_the_portal_acknowledgement_goes_in_the_statement_as_the_orm_writes_it(tenant, desk, monkeypatch):
    # given the portal's submission written through the ORM (the SQLite path) and through the one statement, and
    # what their commits publish
    from tenancy import outbox

    sent = []
    monkeypatch.setattr(outbox, "_send_together", lambda tenant_id, rows: sent.append([r.pk for r in rows]) or True)
    with monkeypatch.context() as orm:
        orm.setattr(opening, "_one_statement", lambda connection: False)
        _, orm_rows = _submitted(tenant, 1, sent)
    with CaptureQueriesContext(connection) as captured:
        _, statement_rows = _submitted(tenant, 2, sent)
    # then the statement wrote the acknowledgement's row and task, and no other statement did
    [statement] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("WITH n AS (UPDATE tenancy_")]
    assert 'INSERT INTO "tickets_outboundemail"' in statement
    assert not any(q["sql"].startswith(("INSERT INTO \"tickets_outboundemail\"", 'INSERT INTO "tenancy_pendingtask"'))
                   for q in captured.captured_queries)  # fmt: skip
    # and both ways wrote the same mail row and tasks (the mail's task naming its row), published together
    assert statement_rows == orm_rows
    assert orm_rows["mail"] and orm_rows["mail task is outbound"] and orm_rows["published"]
    assert sorted(orm_rows["task names"]) == ["tickets.drain_feed", "tickets.send_outbound_email"]
