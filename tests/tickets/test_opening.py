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
