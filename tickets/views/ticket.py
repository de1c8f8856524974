"""The ticket page and its actions. Every action calls one service; htmx gets the page body back, plain
forms get a redirect (the page works without JavaScript)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from tenancy.fixed_urls import reversed_once
from tenancy.roles import Role, role_required
from tickets import presence, selectors, services, timeline_html
from tickets.custom_fields.forms import custom_field_values, show_missing, ticket_panel
from tickets.custom_fields.page_inputs import custom_field_inputs
from tickets.custom_fields.validation import MissingAtCreation
from tickets.forms import (
    NewTicketForm,
    ParticipantForm,
    ReplyForm,
    TagForm,
    TicketNumberForm,
    TicketUpdateForm,
    uploads_from,
)
from tickets.lifecycle import allowed_targets
from tickets.models import Priority, Tag, Ticket
from tickets.picklists import Picklists, picklists
from tickets.selectors.structure import escalation_choices, escalation_label
from tickets.services import directory, drafts
from tickets.templatetags.desk import EscapedOptions, escaped_options, mention_items
from tickets.timeline import present_timeline
from tickets.views.common import REFUSED, form_error_text, ticket_or_404

# The ticket page's forms post to these; each form names its URL twice (action, hx-post).
PAGE_ACTIONS = (
    "reply", "claim", "update", "tags", "link", "merge", "participant", "org_manager", "presence", "draft", "canned",
)  # fmt: skip


@reversed_once
def _action_urls() -> tuple[tuple[str, str, str], ...]:
    """(name, URL before the number, URL after it) of the page and of each of its actions."""
    # Reversed once per process (per URL conf and prefix, tenancy.fixed_urls) around a stand-in number: a dozen
    # reverse() calls were 0.7 ms of each view.
    cut = []
    for name in ("", *PAGE_ACTIONS):
        head, tail = reverse(f"desk:ticket_{name}" if name else "desk:ticket", args=[STAND_IN]).split(str(STAND_IN))
        cut.append((name, head, tail))
    return tuple(cut)


STAND_IN = 918273645


def _page_context(request: HttpRequest, ticket: Ticket, reply_form: ReplyForm | None = None) -> dict:
    membership = request.membership
    lists = picklists()
    staff = lists.staff
    related = selectors.get_related(ticket, membership)
    # The timeline from the cache, its times filled in now; read and rendered only when something it shows changed.
    timeline = timeline_html.Timeline(ticket, is_admin=membership.role == Role.ADMIN)
    if timeline.html is None:
        entries = selectors.get_timeline(
            ticket, merged_ids=selectors.merged_from(related), viewer=membership, bodies=False
        )
        timeline.html = timeline.render(present_timeline(entries, ticket, staff), request=request)
    return {
        "ticket": ticket,
        "urls": {name: f"{head}{ticket.number}{tail}" for name, head, tail in _action_urls()[1:]},
        # Other tickets' links (the requester's, related ones): the page's URL without its number.
        "ticket_url": _action_urls()[0][1],
        "timeline_html": timeline.html,
        "related": related,
        "tags": selectors.ticket_tags(ticket),
        "participants": selectors.list_participants(ticket),
        "contact_tickets": selectors.contact_tickets(ticket, membership),
        "staff": staff,
        **_menus(lists, membership, ticket),
        "statuses": allowed_targets(ticket.status),
        "escalation_name": escalation_label(ticket.escalation_level, lists.tiers),
        "reply_form": reply_form or ReplyForm(ticket=ticket),
        "is_mine": ticket.assignee_id == membership.pk,
        "can_manage_contacts": membership.has_role(Role.SUPERVISOR),
        "rating": selectors.get_rating(ticket),
        # The properties form's custom-field inputs (with their "initial-" twins); the other properties are
        # written by hand in the template from the choices above.
        "custom_field_inputs": custom_field_inputs(ticket),
        "custom_field_panel": ticket_panel(ticket),
    }


def _menus(lists: Picklists, membership, ticket: Ticket) -> dict:
    """The side panel's menus and the composer's mention list, escaped once per version of the tenant's lists
    (Picklists.derived) rather than at each view; the options tag marks the ticket's own values."""
    queues = lists.visible_queues(membership)
    archived = lists.derived("archived_categories", lambda: {c.pk for c in lists.categories if not c.is_active})
    return {
        "mention_items": lists.derived("mention_items", lambda: mention_items(lists.staff)),
        "staff_choices": lists.derived("staff", lambda: escaped_options((m.pk, m.display_name) for m in lists.staff)),
        # Every queue for most viewers; an agent limited to their teams' queues has their own menu.
        "queue_choices": lists.derived(
            ("queues", None if queues is lists.queues else membership.pk),
            lambda: escaped_options((q.pk, q.name) for q in queues),
        ),
        # Archived categories are offered only to the tickets already filed under them.
        "category_choices": _category_menu(
            lists, ticket.category_id if ticket.category_id in archived else None, sub=False
        ),
        "subcategory_choices": _category_menu(
            lists, ticket.subcategory_id if ticket.subcategory_id in archived else None, sub=True
        ),
        "priorities": PRIORITIES,
        "escalation_levels": lists.derived("escalation", lambda: escaped_options(escalation_choices(lists.tiers))),
    }


PRIORITIES = escaped_options(Priority.choices)


def _category_menu(lists: Picklists, archived_id: int | None, *, sub: bool) -> EscapedOptions:
    """The top-level categories' menu, or (`sub`) the subcategories' as "Parent / Child"; an archived one is in
    it only for the ticket filed under it (`archived_id`), whose menu is then its own."""

    def make():
        return escaped_options(
            (c.pk, f"{c.parent.name} / {c.name}" if sub else c.name)
            for c in lists.categories
            if bool(c.parent_id) == sub and (c.is_active or c.pk == archived_id)
        )

    return make() if archived_id else lists.derived("subcategories" if sub else "categories", make)


@role_required(Role.AGENT)
@require_GET
@vary_on_headers("HX-Request")
def ticket_page(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number, page=True)
    template = "tickets/ticket.html#ticket-main" if request.htmx else "tickets/ticket.html"
    return render(request, template, _page_context(request, ticket))


def _respond(request: HttpRequest, number: int, reply_form: ReplyForm | None = None) -> HttpResponse:
    if request.htmx:
        ticket = ticket_or_404(request, number, page=True)
        return render(request, "tickets/ticket.html#ticket-main", _page_context(request, ticket, reply_form))
    if reply_form is not None and reply_form.errors:
        ticket = ticket_or_404(request, number, page=True)
        return render(request, "tickets/ticket.html", _page_context(request, ticket, reply_form), status=400)
    return redirect("desk:ticket", number=number)


def _act(request: HttpRequest, number: int, form_class, action: Callable, success: str, **form_kwargs):
    """Validate `form_class`, run `action(ticket, data)` (one service call) and report the outcome."""
    ticket = ticket_or_404(request, number)
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
    else:
        try:
            result = action(ticket, form.cleaned_data)
        except REFUSED as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, success.format(ticket=ticket, result=result))
    return _respond(request, number)


@role_required(Role.AGENT)
@require_POST
def reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    form = ReplyForm(request.POST, request.FILES, ticket=ticket)
    if not form.is_valid():
        return _respond(request, number, reply_form=form)
    data = form.cleaned_data
    if data["seen_event_id"] is not None and not data["confirm_stale"]:
        changes = presence.changes_since(ticket=ticket, seen_event_id=data["seen_event_id"], viewer=request.membership)
        if changes:
            return _hold_stale_reply(request, ticket, changes)
    try:
        if data["kind"] == "note":
            services.add_note(
                ticket=ticket, actor=request.membership, body=data["body"], uploads=uploads_from(data["files"])
            )
            messages.success(request, "Internal note added.")
        else:
            services.reply(
                ticket=ticket,
                actor=request.membership,
                body=data["body"],
                uploads=uploads_from(data["files"]),
                status=data["status"] or None,
            )
            messages.success(request, "Reply sent.")
    except REFUSED as refused:
        form.add_error(None, str(refused))
        return _respond(request, number, reply_form=form)
    drafts.clear_draft(ticket=ticket, actor=request.membership)
    presence.stop_typing(ticket=ticket, member=request.membership)
    return _respond(request, number)


def _hold_stale_reply(request: HttpRequest, ticket: Ticket, changes: list) -> HttpResponse:
    """Someone else changed the ticket since the page was shown: send nothing, show what changed, keep the text
    and offer "Send anyway". The form now knows of the newest event, so a plain Send after reading goes through."""
    data = request.POST.copy()
    data["seen_event_id"] = str(presence.latest_event_id(ticket))
    form = ReplyForm(data, ticket=ticket)
    form.is_valid()
    context = _page_context(request, ticket, form)
    context.update(stale_changes=changes, stale_had_files=bool(request.FILES))
    if request.htmx:
        # 200: htmx swaps only successful answers into the page.
        return render(request, "tickets/ticket.html#ticket-main", context)
    return render(request, "tickets/ticket.html", context, status=409)


@role_required(Role.AGENT)
@require_POST
def claim(request: HttpRequest, number: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    try:
        services.claim(ticket=ticket, actor=request.membership)
        messages.success(request, f"{ticket.reference} is yours.")
    except REFUSED as refused:
        messages.error(request, str(refused))
    return _respond(request, number)


@role_required(Role.AGENT)
@require_POST
def update(request: HttpRequest, number: int) -> HttpResponse:
    """The properties panel's one "Update": every field the person changed, custom fields included, through one
    update_ticket call (one transaction)."""
    ticket = ticket_or_404(request, number)
    form = TicketUpdateForm(
        request.POST, ticket=ticket, queues=selectors.visible_queues(request.membership), tiers=picklists().tiers
    )
    if not form.is_valid():
        messages.error(request, form.error_text())
    elif not form.changed_data:
        messages.info(request, "Nothing to update: change a field first, then choose Update.")
    else:
        try:
            updated = services.update_ticket(ticket=ticket, changes=form.changes(), actor=request.membership)
        except services.NothingToChange as unchanged:
            messages.info(request, str(unchanged))  # "The ticket is already high priority."
        except REFUSED as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"Updated {form.changed_labels()}.")
            for warning in updated.warnings:
                messages.warning(request, warning)
    return _respond(request, number)


@role_required(Role.AGENT)
@require_POST
def add_tags(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request, number, TagForm,
        lambda t, d: services.tag(ticket=t, names=d["names"], actor=request.membership),
        "Tags saved.",
    )  # fmt: skip


@role_required(Role.AGENT)
@require_POST
def remove_tag(request: HttpRequest, number: int, tag_id: int) -> HttpResponse:
    ticket = ticket_or_404(request, number)
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is not None:
        services.untag(ticket=ticket, tag=tag, actor=request.membership)
    return _respond(request, number)


def _other_ticket(request: HttpRequest, number: int) -> Ticket:
    try:
        return selectors.get_ticket(request.membership, number, tenant=request.tenant)
    except Ticket.DoesNotExist as missing:
        raise services.ServiceError(f"There is no ticket {number} that you can see.") from missing


@role_required(Role.AGENT)
@require_POST
def merge(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request, number, TicketNumberForm,
        lambda t, d: services.merge(source=t, target=_other_ticket(request, d["other"]), actor=request.membership),
        "Merged into {result.reference}.",
    )  # fmt: skip


@role_required(Role.AGENT)
@require_POST
def link(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request, number, TicketNumberForm,
        lambda t, d: services.link(ticket=t, other=_other_ticket(request, d["other"]), actor=request.membership),
        "Linked.",
    )  # fmt: skip


@role_required(Role.AGENT)
@require_POST
def add_participant(request: HttpRequest, number: int) -> HttpResponse:
    def action(ticket, data):
        contact = services.get_or_create_contact(email=data["email"], name=data["name"])
        return services.add_participant(ticket=ticket, contact=contact, actor=request.membership)

    return _act(request, number, ParticipantForm, action, "Participant added.")


class OrganisationManagerForm(forms.Form):
    manages = forms.BooleanField(required=False)


@role_required(Role.SUPERVISOR)
@require_POST
def set_organisation_manager(request: HttpRequest, number: int) -> HttpResponse:
    """Let the requester see (or stop seeing) every request of their organisation in the portal."""

    def action(ticket, data):
        return directory.update_contact(
            actor=request.membership, contact=ticket.contact, manages_organisation=data["manages"]
        )

    return _act(request, number, OrganisationManagerForm, action, "Saved: {result.display_name}'s portal access.")


@role_required(Role.AGENT)
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Log a request on a contact's behalf (a phone call, a walk-in)."""
    form = NewTicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.get_or_create_contact(email=data["email"], name=data["name"], phone=data["phone"])
            ticket = services.create_ticket(
                actor=request.membership,
                contact=contact,
                subject=data["subject"],
                body=data["body"],
                channel=data["channel"],
                queue=data["queue"],
                category=data["category"],
                priority=data["priority"],
                uploads=uploads_from(data["files"]),
                custom_fields=custom_field_values(data),
            )
        except MissingAtCreation as missing:
            show_missing(form, missing)
        except REFUSED as refused:
            form.add_error(None, str(refused))
        else:
            reference = request.tenant.format_ticket_number(ticket.number)  # ticket.reference reads the tenant
            messages.success(request, f"{reference} logged for {contact.display_name}.")
            return redirect("desk:ticket", number=ticket.number)
    return render(request, "tickets/new.html", {"form": form}, status=400 if form.errors else 200)
