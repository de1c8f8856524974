"""The benchmark's rows as COPY text: message bodies rendered by the app's own functions, timestamps formatted
fast, and tickets of one tenant with their conversation and audit trail."""

from __future__ import annotations

import random
import time
from bisect import bisect
from datetime import UTC, datetime
from itertools import accumulate

from tickets.content import html_to_text, render_plain_text

from .vocabulary import COMMON, RARE_WORDS, SUBJECTS, ZIPF_WORDS_PER_MESSAGE, zipf_cum_weights, zipf_words


def copy_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Pool:
    """Pre-rendered message bodies: (escaped html, escaped text, plain text) made by the app's own functions."""

    def __init__(self, rng: random.Random, lines: list[str], size: int, medium: list[str]):
        weights = list(accumulate(1 / (rank + 1) for rank in range(len(medium))))
        self.entries = []
        for _ in range(size):
            extra = " ".join(rng.choices(medium, cum_weights=weights, k=rng.randint(4, 10)))
            common = " ".join(rng.sample(COMMON, 2))
            body = f"{rng.choice(lines)}\n\nDetails: {common} {extra}."
            html = render_plain_text(body)
            text = html_to_text(html)
            self.entries.append((copy_escape(html), copy_escape(text), text))


class Clock:
    """Format epoch seconds as PostgreSQL timestamptz text quickly (dates pre-formatted per day)."""

    def __init__(self, start: int, end: int):
        self.day0 = start // 86400
        days = end // 86400 - self.day0 + 30
        self.days = [(datetime.fromtimestamp((self.day0 + d) * 86400, UTC)).strftime("%Y-%m-%d") for d in range(days)]

    def fmt(self, seconds: int | None) -> str:
        if seconds is None:
            return "\\N"
        day, rest = divmod(int(seconds), 86400)
        return f"{self.days[day - self.day0]} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}+00"


# --- The command ------------------------------------------------------------------------------------------------

TICKET_COLUMNS = (
    "id, tenant_id, number, subject, contact_id, channel, category_id, subcategory_id, priority, "
    "status, is_open, queue_id, team_id, assignee_id, escalation_level, merged_into_id, created_at, updated_at, "
    "first_response_at, last_customer_activity_at, last_agent_activity_at, resolved_at, closed_at, "
    "first_response_due_at, next_update_due_at, resolution_due_at, next_due_at, received_address, custom_fields"
)
# Custom choice fields every bench tenant gets, each choice with its share of the tickets (the rest: no value),
# so filters see a common, a medium and a rare value (bench/custom_field_filter.py).
BENCH_FIELDS = [
    ("product", "Product", [("cloud", "Tessera Cloud", 0.55), ("onprem", "Tessera On-Prem", 0.30),
                            ("mobile", "Mobile app", 0.04), ("legacy", "Legacy desktop", 0.01)]),
    ("contract", "Contract tier", [("standard", "Standard", 0.6), ("business", "Business", 0.3),
                                   ("enterprise", "Enterprise", 0.1)]),
]  # fmt: skip


def bench_custom_fields(r: float, r2: float) -> str:
    """The custom_fields JSON of one ticket, from two uniform draws (COPY text: no escaping needed)."""
    values = []
    for (key, _, choices), draw in zip(BENCH_FIELDS, (r, r2), strict=True):
        edge = 0.0
        for code, _, share in choices:
            edge += share
            if draw < edge:
                values.append(f'"{key}": "{code}"')
                break
    return "{" + ", ".join(values) + "}"


MESSAGE_COLUMNS = (
    "id, tenant_id, ticket_id, kind, author_membership_id, author_contact_id, channel, body_html, "
    "email_message_id, email_in_reply_to, created_at"
)
EVENT_COLUMNS = (
    "id, tenant_id, ticket_id, actor_membership_id, actor_contact_id, actor_automation, kind, field, "
    "old_value, new_value, reason, created_at"
)


class Chunk:
    __slots__ = ("count", "event_count", "events", "message_count", "messages", "tickets")


class TicketGenerator:
    """Tickets of one tenant with their conversation and audit trail, as COPY text."""

    OPEN_STATUSES = (("new", 0.2), ("open", 0.65), ("pending", 0.85), ("on_hold", 1.0))
    DONE_STATUSES = (("resolved", 0.30), ("closed", 0.98), ("spam", 1.0))
    PRIORITIES = [1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4]
    CHANNELS = ["web", "web", "web", "email", "email", "email", "phone", "chat", "api"]
    RESPONSE_HOURS = {1: 8, 2: 4, 3: 2, 4: 1}

    def __init__(self, rng, spec, contact_ids, next_ids, messages_per_ticket, pools, medium, *, zipf=False):
        self.rng = rng
        self.spec = spec
        self.contacts = contact_ids
        self.next_ids = next_ids
        self.mpt = max(1, messages_per_ticket)
        self.pools = pools
        self.medium = medium
        # --zipf: every message gets a paragraph of words drawn from a Zipf curve (skewed like real text).
        self.zipf = (zipf_words(), zipf_cum_weights()) if zipf else None
        self.now = int(time.time())
        self.start = self.now - 730 * 86400
        self.clock = Clock(self.start - 86400, self.now + 30 * 86400)

    def chunks(self, size: int):
        n = self.spec["size"]
        for first in range(0, n, size):
            yield self._chunk(first, min(n, first + size))

    def _skewed(self, html: str, text: str) -> tuple[str, str]:
        """The message with a paragraph of Zipf-drawn words (plain lower-case words: nothing to escape)."""
        if self.zipf is None:
            return html, text
        words, weights = self.zipf
        extra = " ".join(self.rng.choices(words, cum_weights=weights, k=ZIPF_WORDS_PER_MESSAGE))
        return f"{html}<p>{extra}</p>", f"{text} {extra}"

    def _chunk(self, first: int, last: int) -> Chunk:
        rng = self.rng
        rnd, randint, choice = rng.random, rng.randint, rng.choice
        spec, fmt, now = self.spec, self.clock.fmt, self.now
        tenant_id = spec["tenant"].pk
        n = spec["size"]
        span = (self.now - 3600) - self.start
        agents, contacts, categories = spec["agents"], self.contacts, spec["categories"]
        queues, qweights = spec["queues"], spec["queue_weights"]
        qtotal = qweights[-1]
        customer_open, customer_more, agent_pool, note_pool = (p.entries for p in self.pools)
        ids = self.next_ids
        tickets, messages, events = [], [], []
        message_count = event_count = 0
        mpt = self.mpt
        null = "\\N"

        for index in range(first, last):
            ticket_id = ids["tickets_ticket"]
            ids["tickets_ticket"] += 1
            created = self.start + int((index + rnd()) * span / n)
            age_days = (now - created) / 86400
            p_open = 0.6 if age_days < 7 else 0.3 if age_days < 30 else 0.115
            if rnd() < p_open:
                r = rnd()
                status = next(s for s, edge in self.OPEN_STATUSES if r < edge)
            else:
                r = rnd()
                status = next(s for s, edge in self.DONE_STATUSES if r < edge)
            is_open = status in ("new", "open", "pending", "on_hold")
            queue_id, team_id = queues[bisect(qweights, rnd() * qtotal)]
            category, subcategory = choice(categories) if rnd() < 0.85 else (None, None)
            priority = choice(self.PRIORITIES)
            channel = choice(self.CHANNELS)
            contact = contacts[int(len(contacts) * rnd() ** 2)]  # a few requesters write a lot
            if status in ("new", "spam"):
                count = 1
                assignee = choice(agents) if status == "new" and rnd() < 0.3 else None
            else:
                count = randint(2, 2 * mpt - 2) if mpt > 2 else mpt
                assignee = choice(agents) if rnd() < 0.97 else None
            ref = f"{'INV' if rnd() < 0.5 else 'ORD'}-{randint(10000, 99999)}"
            word = choice(self.medium[:200])
            subject = choice(SUBJECTS).format(ref=ref, w=word)
            rare = choice(RARE_WORDS) if rnd() < 0.05 else None

            # The conversation: the requester's first message, then agent replies, customer replies and notes.
            html, text, plain = choice(customer_open)
            if rare or ref:
                extra = f" Reference {ref}" + (f", product {rare}" if rare else "") + "."
                plain = plain + extra
                html = copy_escape(render_plain_text(plain)) if rare else html[:-4] + copy_escape(extra) + "</p>"
                text = copy_escape(plain) if rare else text + copy_escape(extra)
            html, text = self._skewed(html, text)
            texts = [text]
            moment = created
            ev_id = ids["tickets_ticketevent"]
            msg_id = ids["tickets_message"]
            messages.append(
                f"{msg_id}\t{tenant_id}\t{ticket_id}\treply\t\\N\t{contact}\t{channel}\t{html}\t\t\t{fmt(moment)}\n"
            )
            msg_id += 1
            events.append(
                f"{ev_id}\t{tenant_id}\t{ticket_id}\t\\N\t{contact}\t\tcreated\tchannel\t\t{channel}\t\t{fmt(moment)}\n"
            )
            ev_id += 1
            last_customer = moment
            first_response = last_agent = None
            current = "new"
            if assignee:
                moment += randint(60, 4 * 3600)
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{assignee}\t\\N\t\tassigned\tassignee\t\t{assignee}\t"
                    f"claimed\t{fmt(moment)}\n"
                )
                ev_id += 1
            agent_turn = True
            for _ in range(count - 1):
                moment = min(moment + randint(600, 30 * 3600), now - 120)
                if agent_turn or rnd() < 0.15:
                    author = assignee or choice(agents)
                    if rnd() < 0.15 and first_response is not None:
                        html, text, _ = choice(note_pool)
                        html, text = self._skewed(html, text)
                        kind, mchannel, evkind = "note", "internal", "note_added"
                    else:
                        html, text, _ = choice(agent_pool)
                        html, text = self._skewed(html, text)
                        kind, mchannel, evkind = "reply", "web", "replied"
                        if first_response is None:
                            first_response = moment
                        agent_turn = False
                    messages.append(
                        f"{msg_id}\t{tenant_id}\t{ticket_id}\t{kind}\t{author}\t\\N\t{mchannel}\t{html}\t\t\t"
                        f"{fmt(moment)}\n"
                    )
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t{author}\t\\N\t\t{evkind}\t\t\t{msg_id}\t\t{fmt(moment)}\n"
                    )
                    ev_id += 1
                    last_agent = moment
                    if current == "new" and kind == "reply":
                        events.append(
                            f"{ev_id}\t{tenant_id}\t{ticket_id}\t{author}\t\\N\t\tstatus_changed\tstatus\tnew\topen\t"
                            f"\t{fmt(moment)}\n"
                        )
                        ev_id += 1
                        current = "open"
                else:
                    html, text, _ = choice(customer_more)
                    html, text = self._skewed(html, text)
                    messages.append(
                        f"{msg_id}\t{tenant_id}\t{ticket_id}\treply\t\\N\t{contact}\t{channel}\t{html}\t\t\t"
                        f"{fmt(moment)}\n"
                    )
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t\\N\t{contact}\t\tcustomer_replied\t\t\t{msg_id}\t\t"
                        f"{fmt(moment)}\n"
                    )
                    ev_id += 1
                    last_customer = moment
                    agent_turn = True
                texts.append(text)
                msg_id += 1
            message_count += msg_id - ids["tickets_message"]
            ids["tickets_message"] = msg_id

            actor = assignee or agents[0]
            resolved_at = closed_at = None
            if status != current and status != "new":
                moment = min(moment + randint(600, 48 * 3600), now - 60)
                old = current
                if status in ("closed",):
                    events.append(
                        f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tstatus_changed\tstatus\t{old}\tresolved\t"
                        f"\t{fmt(moment)}\n"
                    )
                    ev_id += 1
                    resolved_at = moment
                    moment = min(moment + randint(3600, 7 * 86400), now - 30)
                    old = "resolved"
                    closed_at = moment
                elif status == "resolved":
                    resolved_at = moment
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tstatus_changed\tstatus\t{old}\t{status}\t"
                    f"\t{fmt(moment)}\n"
                )
                ev_id += 1
            escalation = 0
            if is_open and rnd() < 0.04:
                escalation = 2 if rnd() < 0.15 else 1
                moment = min(moment + randint(60, 3600), now - 10)
                events.append(
                    f"{ev_id}\t{tenant_id}\t{ticket_id}\t{actor}\t\\N\t\tescalated\tescalation_level\t0\t{escalation}\t"
                    f"customer waiting\t{fmt(moment)}\n"
                )
                ev_id += 1
            event_count += ev_id - ids["tickets_ticketevent"]
            ids["tickets_ticketevent"] = ev_id

            # SLA deadlines: the earliest still-open one is next_due_at, spread around now for open tickets.
            first_due = created + self.RESPONSE_HOURS[priority] * 3600
            resolution_due = created + (6 - priority) * 86400
            if is_open:
                if status == "pending" and rnd() < 0.4:
                    next_due = update_due = None  # the SLA clock pauses while we wait for the customer
                else:
                    next_due = now + randint(-3 * 86400, 7 * 86400)
                    update_due = next_due
            else:
                next_due = update_due = None
            document = "\\n".join(texts)[:100_000]  # the words of the conversation, for the vector
            tickets.append(
                f"{ticket_id}\t{tenant_id}\t{index + 1}\t{copy_escape(subject)}\t{contact}\t{channel}\t"
                f"{category or null}\t{subcategory or null}\t{priority}\t{status}\t{'t' if is_open else 'f'}\t"
                f"{queue_id}\t{team_id or null}\t{assignee or null}\t{escalation}\t\\N\t{fmt(created)}\t"
                f"{fmt(moment)}\t{fmt(first_response)}\t{fmt(last_customer)}\t{fmt(last_agent)}\t"
                f"{fmt(resolved_at)}\t{fmt(closed_at)}\t{fmt(first_due)}\t{fmt(update_due)}\t"
                f"{fmt(resolution_due)}\t{fmt(next_due)}\t\t{bench_custom_fields(rnd(), rnd())}\t{document}\n"
            )
        chunk = Chunk()
        chunk.count = last - first
        chunk.tickets = "".join(tickets)
        chunk.messages = "".join(messages)
        chunk.events = "".join(events)
        chunk.message_count = message_count
        chunk.event_count = event_count
        return chunk
