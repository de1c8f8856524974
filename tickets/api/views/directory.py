"""The directory endpoints (contacts, organisations) and the lookups (categories, queues, custom fields)."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from tickets.api.permissions import ManagesDirectory
from tickets.api.serializers import (
    CategorySerializer,
    ContactSerializer,
    CustomFieldSerializer,
    OrganisationSerializer,
    QueueSerializer,
)
from tickets.api.views.gating import KeyGated
from tickets.custom_fields.definitions import field_definitions
from tickets.models import (
    Category,
    Contact,
    CustomField,
    Organisation,
    Queue,
)
from tickets.services import directory


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
