"""The agent's side on a ticket: suggested articles (an htmx fragment the ticket page includes), putting one into
the reply (recorded on the ticket), flagging one as outdated, and a draft article from the ticket."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kb import selectors, services
from kb.models import Article, KbCategory
from tenancy.roles import Role, role_required
from tickets import selectors as ticket_selectors
from tickets.content import html_to_plain_text
from tickets.errors import TicketError
from tickets.models import Message, Ticket

SUGGESTED = 5


def _ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        return ticket_selectors.get_ticket(request.membership, number, tenant=request.tenant)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing


def _readable_article(request: HttpRequest) -> Article | None:
    """The published article the POST names, if this member may read it (else a 404); None when none is named."""
    article_id = request.POST.get("article", "")
    if not article_id.isdigit():
        return None
    article = selectors.readable_articles(request.membership).published().filter(pk=int(article_id)).first()
    if article is None:
        raise Http404("No such article.")
    return article


NO_ARTICLE = "Choose an article."


@role_required(Role.AGENT)
def ticket_suggestions(request: HttpRequest, number: int) -> HttpResponse:
    """Articles that may answer the ticket: from its subject, the customer's first message and its category."""
    ticket = _ticket(request, number)
    first = (
        Message.objects.filter(ticket=ticket, author_contact__isnull=False)
        .order_by("created_at", "id")
        .values_list("body_html", flat=True)
        .first()
    )
    first = html_to_plain_text(first) if first else first  # a message's body is stored once, as HTML
    text = " ".join(filter(None, [ticket.subject, (first or "")[:500], request.GET.get("q", "")[:200]]))
    category_ids = list(
        KbCategory.objects.filter(ticket_category_id__in=[c for c in (ticket.category_id, ticket.subcategory_id) if c])
        .values_list("pk", flat=True)
    )  # fmt: skip
    articles = selectors.suggest(member=request.membership, text=text, config=services.search_config(),
                                 limit=SUGGESTED, category_ids=category_ids)  # fmt: skip
    for article in articles:
        article.public_url = request.tenant.url_for("kb:article", slug=article.slug) if article.is_public else ""
    return render(request, "kb/desk/_ticket_suggestions.html", {
        "ticket": ticket, "articles": articles, "may_edit": services.may_edit(request.membership),
    })  # fmt: skip


@role_required(Role.AGENT)
@require_POST
def ticket_link(request: HttpRequest, number: int) -> HttpResponse:
    """The agent put an article into the reply (static/js/kb.js inserts it and posts here): record it."""
    ticket = _ticket(request, number)
    article = _readable_article(request)
    if article is None:
        return JsonResponse({"error": NO_ARTICLE}, status=400)
    if not article.is_public:
        # An internal article is for reading: its text or link never goes into a customer's reply.
        return JsonResponse({"error": "Internal articles can't be sent to customers."}, status=400)
    as_text = request.POST.get("as") == "text"
    try:
        services.link_article(ticket=ticket, article=article, actor=request.membership, as_text=as_text)
    except TicketError as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    return JsonResponse({"recorded": True, "url": request.tenant.url_for("kb:article", slug=article.slug)})


@role_required(Role.AGENT)
@require_POST
def ticket_flag(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket(request, number)
    article = _readable_article(request)
    if article is None:
        messages.error(request, NO_ARTICLE)
        return redirect("desk:ticket", number=number)
    try:
        services.flag_outdated(article_id=article.pk, actor=request.membership,
                               note=request.POST.get("note", "")[:1000], ticket=ticket)  # fmt: skip
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"“{article.title}” is on its owner's review list.")
    if request.htmx:
        return render(request, "kb/desk/_flagged.html", {"article": article})
    return redirect("desk:ticket", number=number)


@role_required(Role.AGENT)
@require_POST
def ticket_draft(request: HttpRequest, number: int) -> HttpResponse:
    """ "Create article from this ticket": an internal draft from the question and the resolving reply, the
    requester's personal data removed; the editor opens on it for review."""
    ticket = _ticket(request, number)
    try:
        article = services.create_article_from_ticket(ticket=ticket, actor=request.membership)
    except TicketError as refused:
        messages.error(request, str(refused))
        return redirect("desk:ticket", number=number)
    messages.success(request, "Draft created from the ticket: check it, then publish.")
    return redirect(reverse("kb:article_edit", kwargs={"pk": article.pk}))
