"""What the API reads and accepts. Serializers validate and resolve ids inside the tenant in scope; every change
is made by the views through tickets.services, never by serializer.save()."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenancy.models import Membership
from tickets.content import html_to_plain_text
from tickets.lifecycle import Status
from tickets.models import (
    MAX_ESCALATION_LEVEL,
    Category,
    Contact,
    CustomField,
    Message,
    Organisation,
    Priority,
    Queue,
    Ticket,
)
from tickets.services.tags import MAX_TAG_LENGTH

MAX_DESCRIPTION = 10_000  # characters of the first message an API ticket carries as its description

MAX_BODY = 100_000
MAX_TAGS = 50


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id of a row of the tenant in scope: the manager is passed (not a queryset), so the tenant filter is
    applied per request; another tenant's id is as unknown as a missing one."""

    default_error_messages = {
        "does_not_exist": "No {model} with id {pk_value}.",
        "incorrect_type": "Give the id as a number.",
    }

    def __init__(self, model, **kwargs):
        self.model_name = model._meta.verbose_name
        super().__init__(queryset=model.objects, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        if int(data) >= 2**63:
            self.fail("does_not_exist", model=self.model_name, pk_value=data)
        try:
            return self.get_queryset().get(pk=int(data))
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", model=self.model_name, pk_value=data)


# --- Read ------------------------------------------------------------------------------------------------------


class ContactBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "email", "name"]


CUSTOM_FIELDS_HELP = (
    "The tenant's custom fields by key (GET /api/custom-fields/ lists them): text and long text as strings, numbers "
    "as numbers, dates as YYYY-MM-DD, a choice as its code, a multiple choice as a list of codes, a checkbox as "
    "true. An empty field has no key."
)


def custom_fields_input(help_text: str) -> serializers.DictField:
    # Values are checked by tickets.custom_fields.validation (one place for every path), not here.
    return serializers.DictField(child=serializers.JSONField(allow_null=True), required=False, help_text=help_text)


class TicketSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField()
    custom_fields = serializers.DictField(child=serializers.JSONField(), read_only=True, help_text=CUSTOM_FIELDS_HELP)
    contact = ContactBriefSerializer(read_only=True)
    tags = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField(
        help_text="The first message as plain text (up to 10,000 characters)."
    )

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "reference", "url", "subject", "description", "status", "priority", "channel",
            "escalation_level", "is_open", "contact", "queue", "team", "category", "subcategory", "assignee",
            "tags", "merged_into", "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at",
            "first_response_due_at", "resolution_due_at", "next_due_at", "custom_fields",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reference(self, ticket: Ticket) -> str:
        return self.context["request"].tenant.format_ticket_number(ticket.number)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, ticket: Ticket) -> list[str]:
        return sorted(tag.name for tag in ticket.tags.all())  # prefetched by the view

    def get_url(self, ticket: Ticket) -> str:
        return reverse("api:ticket", kwargs={"number": ticket.number})

    def get_description(self, ticket: Ticket) -> str:
        # The ticket keeps no copy of its first message: the view annotates its HTML (api_tickets).
        html = getattr(ticket, "first_message_html", None)
        return html_to_plain_text(html)[:MAX_DESCRIPTION] if html else ""


class AuthorSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["agent", "contact", "system"])
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    body_text = serializers.CharField(read_only=True, help_text="The body as plain text, derived from body_html.")

    class Meta:
        model = Message
        fields = ["id", "kind", "channel", "author", "body_text", "body_html", "attachments", "created_at"]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer)
    def get_author(self, message: Message) -> dict:
        if message.author_membership_id:
            member = message.author_membership
            return {"type": "agent", "id": member.pk, "name": member.display_name}
        if message.author_contact_id:
            contact = message.author_contact
            return {"type": "contact", "id": contact.pk, "name": contact.display_name}
        return {"type": "system", "id": None, "name": "System"}

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message: Message) -> list[dict]:
        return [
            {
                "id": attachment.pk,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "url": reverse("attachment", kwargs={"attachment_id": attachment.pk}),
            }
            for attachment in message.attachments.all()  # prefetched by the view
        ]


class ContactSerializer(serializers.ModelSerializer):
    organisation = ScopedPrimaryKeyField(Organisation, required=False, allow_null=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, allow_null=True)
    tier = serializers.ChoiceField(choices=Contact.Tier.choices, required=False)

    class Meta:
        model = Contact
        fields = ["id", "email", "name", "phone", "organisation", "tier", "language", "manages_organisation",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"name": {"required": False}, "phone": {"required": False}, "language": {"required": False}}


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "domain", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"domain": {"required": False}}


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "is_public", "position"]
        read_only_fields = fields


class QueueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Queue
        fields = ["id", "name", "team", "is_default", "assignment_strategy"]
        read_only_fields = fields


# --- Write -----------------------------------------------------------------------------------------------------


def tag_list(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=MAX_TAG_LENGTH), max_length=MAX_TAGS, required=False, **kwargs
    )


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=250)
    body = serializers.CharField(max_length=MAX_BODY, help_text="The request, in plain text.")
    contact = ScopedPrimaryKeyField(Contact, required=False, help_text="An existing contact's id …")
    contact_email = serializers.EmailField(required=False, help_text="… or the requester's email (found or created)")
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    queue = ScopedPrimaryKeyField(Queue, required=False, help_text="Default: the tenant's default queue.")
    category = ScopedPrimaryKeyField(Category, required=False, allow_null=True)
    subcategory = ScopedPrimaryKeyField(Category, required=False, allow_null=True)
    tags = tag_list()
    custom_fields = custom_fields_input(
        "{key: value} of the tenant's custom fields; those required at creation must be given."
    )

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("contact", "contact_email", "contact_phone") if attrs.get(name)]
        if not given:
            raise serializers.ValidationError(
                {"contact": ["Give the requester: a contact id, or a contact_email (or contact_phone)."]}
            )
        if "contact" in given and len(given) > 1:
            raise serializers.ValidationError({"contact": ["Give either a contact id or contact_email/phone."]})
        return attrs


class TicketUpdateSerializer(serializers.Serializer):
    """PATCH: only the fields given change, each through its service and with its audit event."""

    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    queue = ScopedPrimaryKeyField(Queue, required=False)
    category = ScopedPrimaryKeyField(Category, required=False, allow_null=True)
    subcategory = ScopedPrimaryKeyField(Category, required=False, allow_null=True)
    assignee = ScopedPrimaryKeyField(Membership, required=False, allow_null=True, help_text="A staff member's id.")
    tags = tag_list(help_text="The full list of tags: missing ones are removed, new ones added.")
    escalation_level = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ESCALATION_LEVEL,
        required=False,
        help_text="0 is not escalated; 1 and up are the tenant's escalation tiers (Settings → Escalation tiers).",
    )
    custom_fields = custom_fields_input(
        "{key: value} of the custom fields to change (null clears one); fields not named keep their values."
    )
    reason = serializers.CharField(max_length=255, required=False, allow_blank=True, help_text="Kept in the audit.")

    def validate(self, attrs: dict) -> dict:
        if not set(attrs) - {"reason"}:
            raise serializers.ValidationError({"non_field_errors": ["Give at least one field to change."]})
        return attrs


class MessageCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Message.Kind.REPLY, Message.Kind.NOTE], default=Message.Kind.REPLY)
    body = serializers.CharField(max_length=MAX_BODY, help_text="Plain text.")
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="Replies only: the status to set with the reply."
    )

    def validate(self, attrs: dict) -> dict:
        if attrs.get("status") and attrs["kind"] != Message.Kind.REPLY:
            raise serializers.ValidationError({"status": ["Only a reply can set the status."]})
        return attrs


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class CustomFieldChoiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class CustomFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    help_text = serializers.CharField()
    type = serializers.ChoiceField(choices=CustomField.Type.choices)
    choices = serializers.SerializerMethodField()
    visible_in_portal = serializers.BooleanField()
    categories = serializers.ListField(child=serializers.IntegerField(), source="category_ids")
    required_at_creation = serializers.BooleanField()
    required_at_resolution = serializers.BooleanField()
    archived = serializers.BooleanField()

    @extend_schema_field(CustomFieldChoiceSerializer(many=True))
    def get_choices(self, field) -> list[dict]:
        return [{"code": code, "label": label} for code, label in field.choices]
