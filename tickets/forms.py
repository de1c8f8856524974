from __future__ import annotations

from collections.abc import Callable

from django import forms

from tenancy.forms import TenantPasswordResetForm
from tenancy.selectors import list_staff
from tickets.custom_fields.definitions import FieldDef, active_fields
from tickets.custom_fields.forms import PREFIX, add_custom_fields, custom_field_values
from tickets.lifecycle import Status
from tickets.models import Category, Channel, Priority, Queue
from tickets.picklists import picklists
from tickets.selectors.structure import escalation_choices
from tickets.services import Upload, customer_mail


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def uploads_from(files) -> list[Upload]:
    return [Upload(name=f.name, content=f.read()) for f in files or []]


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("reply", "Public reply"), ("note", "Internal note")], initial="reply", widget=forms.RadioSelect
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=100_000, strip=False)
    status = forms.ChoiceField(required=False, choices=[("", "Keep status")])
    files = MultipleFileField(required=False, label="Attachments")
    # Collision detection: the newest ticket event when the page was shown, and the agent's "Send anyway".
    seen_event_id = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    confirm_stale = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:
            from django.urls import NoReverseMatch, reverse

            from tickets.lifecycle import allowed_targets
            from tickets.presence import latest_event_id

            self.fields["status"].choices = [("", "Keep status")] + [
                (s.value, f"Set {s.label.lower()}") for s in allowed_targets(ticket.status) if s != Status.SPAM
            ]
            if not self.is_bound or not self.data.get("seen_event_id"):
                self.initial.setdefault("seen_event_id", latest_event_id(ticket))
            try:
                draft_url = reverse("desk:ticket_draft", args=[ticket.number])
            except NoReverseMatch:  # not on a tenant host's desk: no autosave
                draft_url = None
            if draft_url:
                # Autosave (tickets.views.composer.draft) a second after the typing pauses, or a canned text goes in.
                self.fields["body"].widget.attrs.update({
                    "hx-post": draft_url,
                    "hx-trigger": "keyup changed delay:1s, canned-inserted",
                    "hx-params": "body,kind,seen_event_id",
                    "hx-swap": "none",
                    "hx-sync": "this:replace",
                    "data-composer-body": "",
                })  # fmt: skip

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError("Write something first.")
        return body

    @property
    def seen_event_value(self) -> int:
        """What the composer sends back as seen_event_id: what it was given, else the ticket's newest event."""
        posted = str(self.data.get("seen_event_id", "")) if self.is_bound else ""
        return int(posted) if posted.isdigit() else self.initial.get("seen_event_id", 0)


class TicketUpdateForm(forms.Form):
    """The ticket page's properties and custom fields, applied together by one "Update" (services.update_ticket).

    Each field carries the value the page showed (a hidden "initial-" input), so only what the person changed is
    sent to the service: a colleague's change made since the page was shown is not undone by the fields this
    person left alone. The custom fields are `cf_<key>` inputs (tickets.custom_fields.forms); the changed ones go
    to the same update_ticket call as changes["custom_fields"], so "fill in the contract and resolve" is one
    transaction and the resolution sees the filled-in field."""

    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int)
    assignee = forms.ModelChoiceField(queryset=None, required=False)
    queue = forms.ModelChoiceField(queryset=None)
    category = forms.ModelChoiceField(queryset=None, required=False)
    subcategory = forms.ModelChoiceField(queryset=None, required=False)
    # Choices are the tenant's tiers (set in __init__); the service checks the level against them too.
    escalation_level = forms.TypedChoiceField(choices=(), coerce=int, label="Escalation")

    LABELS = {
        "status": "status", "priority": "priority", "assignee": "assignee", "queue": "queue",
        "category": "category", "subcategory": "subcategory", "escalation_level": "escalation",
    }  # fmt: skip

    def __init__(self, *args, ticket=None, queues=None, tiers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["escalation_level"].choices = escalation_choices(tiers)
        self.fields["assignee"].queryset = list_staff()
        self.fields["queue"].queryset = queues if queues is not None else Queue.objects.all()
        self.fields["category"].queryset = Category.objects.filter(parent=None)
        self.fields["subcategory"].queryset = Category.objects.exclude(parent=None)
        # Active fields only: archived values are read-only (shown beside the form, refused by the service).
        definitions = active_fields()
        values = (ticket.custom_fields or {}) if ticket is not None else {}
        self.custom_names = add_custom_fields(self, definitions, values=values, mark_required="resolution")
        self.labels = {**self.LABELS, **{f"{PREFIX}{field.key}": field.label for field in definitions}}
        for field in self.fields.values():
            field.show_hidden_initial = True

    @property
    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.custom_names]

    def changes(self) -> dict:
        """{field: new value} for the fields the person changed (after is_valid()); changed custom fields as one
        {key: value} entry, "custom_fields" (None clears a field)."""
        changed = {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}
        changes = {name: value for name, value in changed.items() if name not in self.custom_names}
        custom = custom_field_values({name: value for name, value in changed.items() if name in self.custom_names})
        if custom:
            changes["custom_fields"] = custom
        return changes

    def changed_labels(self) -> str:
        names = [self.labels[name] for name in self.changed_data]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def error_text(self) -> str:
        """The errors as one line for a message; a custom field's error names its field (the message is all the
        person sees, away from the input)."""
        texts = []
        for name, errors in self.errors.items():
            prefix = f"“{self.labels[name]}”: " if name in self.custom_names else ""
            texts += [f"{prefix}{error}" for error in errors]
        return "; ".join(texts) or "Check the form and try again."


class TicketCustomFieldsForm(forms.Form):
    """The properties form's custom-field inputs alone, as the ticket page shows them (each with its "initial-"
    twin), for TicketUpdateForm to validate when posted. The page writes the other properties by hand, and
    building TicketUpdateForm for them cost 1.5 ms a page (copies of its model choice fields) to no effect."""

    def __init__(self, *, ticket, fields: tuple[FieldDef, ...] | None = None):
        super().__init__()
        values = ticket.custom_fields or {}
        fields = active_fields() if fields is None else fields
        self.custom_names = add_custom_fields(self, fields, values=values, mark_required="resolution")
        for field in self.fields.values():
            field.show_hidden_initial = True

    custom_fields = TicketUpdateForm.custom_fields


class TagForm(forms.Form):
    names = forms.CharField(max_length=300, help_text="Separate tags with commas.")

    def clean_names(self) -> list[str]:
        return [name for name in (part.strip() for part in self.cleaned_data["names"].split(",")) if name]


class TicketNumberForm(forms.Form):
    """Another ticket, by reference (ACME-1042) or number."""

    other = forms.CharField(max_length=40, label="Ticket")

    def clean_other(self) -> int:
        value = self.cleaned_data["other"].strip()
        digits = value.rsplit("-", 1)[-1]
        if not digits.isdigit():
            raise forms.ValidationError("Enter a ticket reference such as ACME-1042.")
        return int(digits)


class ParticipantForm(forms.Form):
    email = forms.EmailField()
    name = forms.CharField(required=False, max_length=200)


def _top_categories() -> list[Category]:
    return sorted((c for c in picklists().categories if c.parent_id is None), key=lambda c: (c.position, c.name))


class ListedChoiceField(forms.ChoiceField):
    """One of the tenant's cached rows (tickets.picklists), by pk: the rows, labels and refusal of a ModelChoiceField
    over them, without its queryset (two built for every create form, ~0.2 ms) or its query (one per posted
    choice). `rows` is called when the form is built, in the request's tenant."""

    def __init__(self, *, rows: Callable[[], list], empty_label: str, **kwargs) -> None:
        super().__init__(choices=(), **kwargs)
        self.rows, self.empty_label, self._by_pk = rows, empty_label, {}

    def __deepcopy__(self, memo):
        field = super().__deepcopy__(memo)
        rows = self.rows()
        field._by_pk = {str(row.pk): row for row in rows}
        field.choices = [("", field.empty_label), *((pk, str(row)) for pk, row in field._by_pk.items())]
        return field

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self._by_pk[str(value)]
        except KeyError:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None

    def validate(self, value) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class NewTicketForm(forms.Form):
    """An agent logs a request on a contact's behalf (a phone call, a walk-in)."""

    email = forms.EmailField(required=False, label="Requester email")
    name = forms.CharField(required=False, max_length=200, label="Requester name")
    phone = forms.CharField(required=False, max_length=40)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    subject = forms.CharField(max_length=250)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Description", max_length=100_000)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    # The tenant's queues and top-level categories, as Queue.objects.all() and Category.objects.filter(parent=None)
    # order them.
    queue = ListedChoiceField(rows=lambda: picklists().queues, required=False, empty_label="Default queue")
    category = ListedChoiceField(rows=_top_categories, required=False, empty_label="Choose a category")
    files = MultipleFileField(required=False, label="Attachments")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's custom fields (cf_<key>), after the form's own; required ones are checked by create_ticket.
        add_custom_fields(self, active_fields(), mark_required="creation")

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone", "").strip():
            raise forms.ValidationError("Give the requester's email address or phone number.")
        return data


class CustomerReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=100_000, label="Your reply")
    files = MultipleFileField(required=False, label="Attachments")


class OutboxPasswordResetForm(TenantPasswordResetForm):
    """On a tenant host the reset mail is an OutboundEmail sent by the outbox task (retried, logged, capped per
    address) instead of being sent inside the request; its link is built on the tenant's own host, never from
    the request's Host header. The platform host (no tenant) keeps Django's direct sending."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        tenant = context.get("tenant")
        if tenant is None:
            return super().send_mail(
                subject_template_name, email_template_name, context, from_email, to_email, **kwargs
            )
        link = tenant.url_for("password_reset_confirm", uidb64=context["uid"], token=context["token"])
        customer_mail.send_password_reset(tenant=tenant, user=context["user"], link=link)
        return None
