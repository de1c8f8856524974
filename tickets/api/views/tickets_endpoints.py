"""The ticket endpoints: list and create, read and change, a ticket's messages and notes. Reads start from
tickets.selectors.visible_tickets."""

from __future__ import annotations

import django_filters
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tickets import services
from tickets.api.authentication import ApiClient
from tickets.api.serializers import (
    MessageCreateSerializer,
    MessageSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from tickets.api.views.gating import KeyGated
from tickets.filters import TicketFilter
from tickets.models import (
    Attachment,
    Channel,
    Message,
    Tag,
    Ticket,
)
from tickets.search_words import common_words_notice, only_common_words
from tickets.selectors import visible_tickets


class ApiTicketFilter(TicketFilter):
    """The agent pages' filters (custom fields' too: cf_<key>=<code>); the order is the cursor's (newest, or
    recently updated, first)."""

    custom_field_sorts = False

    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        empty_label=None,
        choices=[("created", "Newest first"), ("updated", "Recently updated first")],
    )

    def filter_queryset(self, queryset):
        # The desk shows a notice beside the list; an API client gets the reason instead of an empty page.
        query = self.form.cleaned_data.get("q") or ""
        if only_common_words(query):
            raise ValidationError({"q": [common_words_notice(query)]})
        return super().filter_queryset(queryset)


TICKET_ORDERINGS = {"created": ("-created_at", "-id"), "updated": ("-updated_at", "-id")}


def api_tickets(client: ApiClient):
    """The tickets this key may see, with what the ticket serializer reads (a fixed number of queries)."""
    first_message = Message.objects.filter(ticket=OuterRef("pk")).order_by("created_at", "id").values("body_html")[:1]
    return (
        visible_tickets(client.member)
        .select_related("contact")
        .defer("search_vector")
        .annotate(first_message_html=Subquery(first_message))
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def ticket_or_404(client: ApiClient, number: int) -> Ticket:
    try:
        return api_tickets(client).get(number=number)
    except Ticket.DoesNotExist as missing:
        raise Http404("No such ticket.") from missing


class TicketList(KeyGated, generics.ListAPIView):
    serializer_class = TicketSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiTicketFilter

    model = Ticket

    def key_queryset(self):
        return api_tickets(self.client)

    def get_cursor_ordering(self, request):
        return TICKET_ORDERINGS.get(request.query_params.get("sort", ""), TICKET_ORDERINGS["created"])

    @extend_schema(
        summary="List tickets",
        description=(
            "The agent pages' filters; cursor-paginated. `q` searches subjects and messages without English stop "
            'words ("the", "is", "not"); a `q` of stop words alone is a 400 that says so.'
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Open a ticket", request=TicketCreateSerializer, responses={201: TicketSerializer})
    def post(self, request):
        form = TicketCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        contact = data.get("contact") or services.get_or_create_contact(
            email=data.get("contact_email", ""), name=data.get("contact_name", ""), phone=data.get("contact_phone", "")
        )
        category = data.get("category")
        if category is not None and category.parent_id is not None:
            raise services.ServiceError("Choose a top-level category; its subcategories go in `subcategory`.")
        ticket = services.create_ticket(
            actor=self.client.automation,
            contact=contact,
            subject=data["subject"],
            body=data["body"],
            channel=Channel.API,
            queue=data.get("queue"),
            category=category,
            subcategory=data.get("subcategory"),
            priority=data["priority"],
            tags=data.get("tags") or (),
            custom_fields=data.get("custom_fields") or {},
        )
        # Re-read with what the serializer needs; a ticket the key cannot see (an agent key limited to its
        # creator's teams, opening in another team's queue) is answered as created, once.
        created = api_tickets(self.client).filter(pk=ticket.pk).first() or ticket
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


class TicketDetail(KeyGated, generics.GenericAPIView):
    serializer_class = TicketSerializer

    model = Ticket

    def key_queryset(self):
        return api_tickets(self.client)

    @extend_schema(summary="Read a ticket")
    def get(self, request, number: int):
        return Response(self.get_serializer(ticket_or_404(self.client, number)).data)

    @extend_schema(summary="Change a ticket", request=TicketUpdateSerializer, responses=TicketSerializer)
    def patch(self, request, number: int):
        ticket = ticket_or_404(self.client, number)
        form = TicketUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        apply_ticket_changes(ticket=ticket, client=self.client, changes=dict(form.validated_data))
        return Response(self.get_serializer(ticket_or_404(self.client, number)).data)


def apply_ticket_changes(*, ticket: Ticket, client: ApiClient, changes: dict) -> Ticket:
    """Hand a PATCH to tickets.services.update_ticket: every field through its service, all or nothing, one
    feed entry. The key acts as an automation, so fields already at the asked value are skipped quietly."""
    reason = changes.pop("reason", "")
    return services.update_ticket(ticket=ticket, changes=changes, actor=client.automation, reason=reason)


# --- Messages and notes ----------------------------------------------------------------------------------------


class TicketMessages(KeyGated, generics.ListAPIView):
    """The conversation, oldest first: public replies and internal notes (`kind`)."""

    serializer_class = MessageSerializer
    cursor_ordering = ("created_at", "id")

    model = Message

    def key_queryset(self):
        ticket = ticket_or_404(self.client, self.kwargs["number"])
        return (
            Message.objects.filter(ticket=ticket)
            .select_related("author_membership__user", "author_contact")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        )

    @extend_schema(summary="List a ticket's replies and notes")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Reply (public) or add an internal note",
        description="Replies and notes are written in the name of the key's creator (a message needs a staff "
        "author); the reply's status change, if any, too.",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer},
    )
    def post(self, request, number: int):
        ticket = ticket_or_404(self.client, number)
        form = MessageCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if data["kind"] == Message.Kind.NOTE:
            message = services.add_note(ticket=ticket, actor=self.client.member, body=data["body"])
        else:
            message = services.reply(
                ticket=ticket,
                actor=self.client.member,
                body=data["body"],
                status=data.get("status") or None,
                channel=Channel.API,
            )
        message = self.get_queryset().get(pk=message.pk)
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)
