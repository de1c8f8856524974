"""The agent's side: an article put into a reply (recorded on the ticket), and a draft article written from a
ticket with the requester's personal data removed."""

from __future__ import annotations

from django.db import transaction

from kb.models import Article, TicketArticleLink, Visibility
from kb.scrub import name_parts, scrub
from kb.services.articles import create_article
from tenancy.models import ensure_same_tenant
from tickets import clock
from tickets.models import Message, Ticket
from tickets.services.events import Actor, record_event, require_staff

LINKED_KIND = "kb_article_linked"


def link_article(*, ticket: Ticket, article: Article, actor: Actor, as_text: bool = False) -> TicketArticleLink:
    """Record that the agent put `article` (a link or its text) into a reply on `ticket`: a row for the KB's
    numbers and an audit event on the ticket's timeline. `ticket` and `article` come from the selectors that say
    what this agent may see."""
    member = require_staff(actor)
    ensure_same_tenant(ticket, article, member)
    with transaction.atomic():
        link = TicketArticleLink.objects.create(
            ticket=ticket, article=article, membership=member, as_text=as_text, created_at=clock.now()
        )
        record_event(ticket, actor=member, kind=LINKED_KIND, field="text" if as_text else "link", new=article.pk)
    return link


def _requester_names(ticket: Ticket) -> tuple[str, ...]:
    contact = ticket.contact
    names: tuple[str, ...] = ()
    if contact is not None:
        names = name_parts(contact.name or "")
        if contact.email:
            names += (contact.email.split("@", 1)[0],)
    return names


def draft_from_ticket(ticket: Ticket) -> dict:
    """Title and Markdown body for a new article: the customer's question and the reply that resolved it, with
    the requester's name, email addresses and phone-like numbers removed. Nothing is saved here."""
    messages = list(Message.objects.filter(ticket=ticket, kind=Message.Kind.REPLY).order_by("created_at", "id"))
    question = next((m for m in messages if m.author_contact_id is not None), None)
    answers = [m for m in messages if m.author_membership_id is not None]
    answer = answers[-1] if answers else None
    names = _requester_names(ticket)

    def clean(text: str) -> str:
        return scrub(text or "", names=names).strip()

    body = "## The question\n\n" + (clean(question.body_text) if question else clean(ticket.subject))
    body += "\n\n## The answer\n\n" + (clean(answer.body_text) if answer else "_Write the answer here._")
    return {"title": clean(ticket.subject)[:200], "body_markdown": body}


def create_article_from_ticket(*, ticket: Ticket, actor: Actor) -> Article:
    """Save the draft from `draft_from_ticket` as an internal draft (an editor reviews before publishing)."""
    draft = draft_from_ticket(ticket)
    return create_article(actor=actor, title=draft["title"], body_markdown=draft["body_markdown"],
                          visibility=Visibility.INTERNAL)  # fmt: skip
