"""The API's endpoints. Each: key check (authentication and permission classes), selector, serializer to validate,
service to change, serializer to answer. Reads of tickets start from tickets.selectors.visible_tickets."""

from __future__ import annotations

import django_filters
from django.db.models import Model, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, JsonResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tickets import services
from tickets.api.authentication import ApiClient
from tickets.api.permissions import ManagesDirectory
from tickets.api.serializers import (
    CategorySerializer,
    ContactSerializer,
    CustomFieldSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    OrganisationSerializer,
    QueueSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)
from tickets.custom_fields.definitions import field_definitions
from tickets.filters import TicketFilter
from tickets.models import (
    Attachment,
    Category,
    Channel,
    Contact,
    CustomField,
    Message,
    Organisation,
    Queue,
    Tag,
    Ticket,
)
from tickets.search_words import common_words_notice, only_common_words
from tickets.selectors import visible_tickets
from tickets.services import directory


class KeyGated:
    """API views are gated by the API key (authentication and permission classes), not by a session role;
    the role-gating test reads `min_role`, and None says "not a session page"."""

    min_role = None
    model: type[Model]

    @property
    def client(self) -> ApiClient:
        return self.request.user

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular reads the model to write the schema, also at start-up with no tenant in scope:
            # an empty queryset made without the tenant-scoped manager.
            return QuerySet(self.model).none()
        return self.key_queryset()

    def key_queryset(self) -> QuerySet:
        return self.model.objects.all()


# --- Tickets ---------------------------------------------------------------------------------------------------


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


# --- Contacts and organisations --------------------------------------------------------------------------------


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(method="filter_email", label="Email (exact)")
    organisation = django_filters.NumberFilter(field_name="organisation_id", min_value=1, max_value=2**63 - 1)

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_email(self, queryset, name, value):
        return queryset.filter(email=value.strip().lower())


class ContactList(KeyGated, generics.ListAPIView):
    serializer_class = ContactSerializer
    permission_classes = [ManagesDirectory]
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilter
    cursor_ordering = ("-id",)

    model = Contact

    @extend_schema(summary="List contacts")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Add a contact (supervisor or admin key)", responses={201: ContactSerializer})
    def post(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        contact = directory.create_contact(
            actor=self.client.member,
            email=data.get("email") or "",
            name=data.get("name", ""),
            phone=data.get("phone", ""),
            organisation=data.get("organisation"),
            tier=data.get("tier", Contact.Tier.STANDARD),
            language=data.get("language", ""),
            manages_organisation=data.get("manages_organisation", False),
        )
        return Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)


class ContactDetail(KeyGated, generics.GenericAPIView):
    serializer_class = ContactSerializer
    permission_classes = [ManagesDirectory]
    lookup_url_kwarg = "contact_id"

    model = Contact

    @extend_schema(summary="Read a contact")
    def get(self, request, contact_id: int):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="Change a contact (supervisor or admin key)")
    def patch(self, request, contact_id: int):
        contact = self.get_object()
        form = self.get_serializer(contact, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        contact = directory.update_contact(actor=self.client.member, contact=contact, **form.validated_data)
        return Response(self.get_serializer(contact).data)


class OrganisationList(KeyGated, generics.ListAPIView):
    serializer_class = OrganisationSerializer
    permission_classes = [ManagesDirectory]
    cursor_ordering = ("-id",)

    model = Organisation

    @extend_schema(summary="List organisations")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Add an organisation (supervisor or admin key)", responses={201: OrganisationSerializer})
    def post(self, request):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        organisation = directory.create_organisation(
            actor=self.client.member, name=form.validated_data["name"], domain=form.validated_data.get("domain", "")
        )
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetail(KeyGated, generics.GenericAPIView):
    serializer_class = OrganisationSerializer
    permission_classes = [ManagesDirectory]
    lookup_url_kwarg = "organisation_id"

    model = Organisation

    @extend_schema(summary="Read an organisation")
    def get(self, request, organisation_id: int):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="Change an organisation (supervisor or admin key)")
    def patch(self, request, organisation_id: int):
        organisation = self.get_object()
        form = self.get_serializer(organisation, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        organisation = directory.update_organisation(
            actor=self.client.member, organisation=organisation, **form.validated_data
        )
        return Response(self.get_serializer(organisation).data)


# --- Lookups ---------------------------------------------------------------------------------------------------


class CategoryList(KeyGated, generics.ListAPIView):
    serializer_class = CategorySerializer
    cursor_ordering = ("id",)

    model = Category

    @extend_schema(summary="List categories and subcategories")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class QueueList(KeyGated, generics.ListAPIView):
    serializer_class = QueueSerializer
    cursor_ordering = ("id",)

    model = Queue

    @extend_schema(summary="List queues")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CustomFieldList(KeyGated, generics.GenericAPIView):
    serializer_class = CustomFieldSerializer
    pagination_class = None

    model = CustomField

    @extend_schema(
        summary="List custom fields",
        description="The tenant's custom ticket fields (at most 100), archived ones included: their keys name the "
        "values in a ticket's `custom_fields`.",
        responses=CustomFieldSerializer(many=True),
    )
    def get(self, request):
        return Response(self.get_serializer(field_definitions(), many=True).data)


def no_such_endpoint(request: HttpRequest, rest: str) -> JsonResponse:
    """Any other URL under /api/: a JSON 404 (clients parse JSON), with a hint for a missing trailing slash."""
    hint = " API URLs end with a slash." if not rest.endswith("/") else ""
    return JsonResponse({"message": f"No such API endpoint.{hint} See /api/docs/.", "errors": {}}, status=404)


no_such_endpoint.min_role = None
