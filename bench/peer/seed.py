"""Seed the peer: migrate, one public queue, a staff agent and N tickets with follow-ups, like seed_bench's size.

    bench/.peer-venv/bin/python -m bench.peer.seed --tickets 1000000                  # PYTHONPATH=.
    bench/.peer-venv/bin/python -m bench.peer.seed --copy-from "$DATABASE_SUPERUSER_URL"

Made up: rows written by INSERT ... SELECT in chunks that commit one by one (a million tickets with four
follow-ups each take minutes, not hours); texts as long as seed_bench's (a 35-character title, 166-character
bodies). Copied (`--copy-from`, for storage side by side): the same tickets, subjects, requesters and messages
as a seeded Tessera database (read as its superuser, every tenant), stored as the peer stores a submission: the
first message as the ticket's description and, like every later one, as a follow-up (its "Ticket Opened").
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")

CHUNK = 50_000
AGENT = ("agent", "peer-agent-password")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--followups", type=int, default=4, help="per ticket, besides the description")
    parser.add_argument("--copy-from", default="", help="a seeded Tessera database's superuser URL: copy its data")
    return parser.parse_args(argv)


TICKETS = """
INSERT INTO helpdesk_ticket (title, queue_id, created, modified, submitter_email, status, on_hold, description,
                             priority, secret_key)
SELECT 'Printer on floor ' || g %% 97 || ' rejects job ' || g,
       %(queue)s,
       now() - make_interval(mins => g %% 525600), now() - make_interval(mins => g %% 100000),
       'customer' || g %% 20000 || '@example.com', 1 + g %% 4, false,
       'Since this morning ' || repeat(md5(g::text), 4) || ' please advise.',
       1 + g %% 5, substr(md5('key' || g), 1, 36)
FROM generate_series(%(first)s, %(last)s) AS g
"""

FOLLOWUPS = """
INSERT INTO helpdesk_followup (ticket_id, date, title, comment, public)
SELECT t.id, t.created + make_interval(hours => n), 'Comment', 'Thanks, ' || repeat(md5(t.id::text || n), 4) ||
       ' we are looking into it.', true
FROM helpdesk_ticket AS t CROSS JOIN generate_series(1, %(followups)s) AS n
WHERE t.id BETWEEN %(first)s AND %(last)s
"""


# Tessera's statuses as the peer's (open 1, resolved 3, closed 4); the text as typed, without the HTML paragraphs.
COPIED_TICKETS = """
COPY (
    SELECT t.id, left(t.subject, 200), %s, t.created_at, t.updated_at, c.email,
           CASE t.status WHEN 'resolved' THEN 3 WHEN 'closed' THEN 4 ELSE 1 END, t.status = 'on_hold',
           regexp_replace(first.body_html, '<[^>]+>', '', 'g'), t.priority, md5('key' || t.id)
    FROM tickets_ticket AS t
    JOIN tickets_contact AS c ON c.id = t.contact_id
    LEFT JOIN LATERAL (
        SELECT m.body_html FROM tickets_message AS m
        WHERE m.tenant_id = t.tenant_id AND m.ticket_id = t.id ORDER BY m.id LIMIT 1
    ) AS first ON true
) TO STDOUT
"""
COPIED_FOLLOWUPS = """
COPY (
    SELECT m.ticket_id, m.created_at, CASE m.kind WHEN 'note' THEN 'Comment' ELSE 'Reply' END,
           regexp_replace(m.body_html, '<[^>]+>', '', 'g'), m.kind <> 'note'
    FROM tickets_message AS m
) TO STDOUT
"""


def copy_from(source_url: str, queue_id: int) -> None:
    """The peer's tables emptied and filled with a Tessera database's tickets and messages, streamed by COPY."""
    import psycopg
    from django.db import connection

    with psycopg.connect(source_url) as source, connection.cursor() as cursor:
        # One snapshot for both copies: tickets written in between would leave follow-ups without their ticket.
        source.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("TRUNCATE helpdesk_followup, helpdesk_ticket RESTART IDENTITY CASCADE")
        raw = cursor.cursor  # Django's cursor wraps psycopg's, which streams COPY
        steps = [
            (COPIED_TICKETS, [queue_id], "helpdesk_ticket (id, title, queue_id, created, modified, submitter_email, "
             "status, on_hold, description, priority, secret_key)"),
            (COPIED_FOLLOWUPS, [], "helpdesk_followup (ticket_id, date, title, comment, public)"),
        ]  # fmt: skip
        for query, params, target in steps:
            started = time.monotonic()
            with source.cursor().copy(query, params) as out, raw.copy(f"COPY {target} FROM STDIN") as into:
                for block in out:
                    into.write(block)
            print(f"copied {target.split()[0]} ({time.monotonic() - started:.0f}s)", flush=True)
        cursor.execute("SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), max(id)) FROM helpdesk_ticket")


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection, transaction
    from helpdesk.models import Queue

    call_command("migrate", verbosity=0)
    queue, _ = Queue.objects.get_or_create(
        slug="support", defaults={"title": "Support", "allow_public_submission": True}
    )
    if not User.objects.filter(username=AGENT[0]).exists():
        User.objects.create_user(AGENT[0], "agent@example.com", AGENT[1], is_staff=True)
    if args.copy_from:
        with transaction.atomic():
            copy_from(args.copy_from, queue.pk)
        args.tickets = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM helpdesk_ticket")
        have = cursor.fetchone()[0]
    started = time.monotonic()
    for first in range(have + 1, args.tickets + 1, CHUNK):
        last = min(first + CHUNK - 1, args.tickets)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(TICKETS, {"queue": queue.pk, "first": first, "last": last})
            cursor.execute("SELECT max(id) FROM helpdesk_ticket")
            newest = cursor.fetchone()[0]
            if args.followups:
                cursor.execute(
                    FOLLOWUPS, {"followups": args.followups, "first": newest - (last - first), "last": newest}
                )
        print(f"{last:,} tickets ({time.monotonic() - started:.0f}s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM helpdesk_ticket), (SELECT count(*) FROM helpdesk_followup)")
        tickets, followups = cursor.fetchone()
    print(f"peer seeded: {tickets:,} tickets, {followups:,} follow-ups", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
