"""Settings → Custom fields (admins): the list, add, edit (everything but the key), archive, restore, delete."""

from __future__ import annotations

from django import forms
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenancy.roles import Role, role_required
from tenancy.settings_pages import settings_action, settings_form_page
from tickets.custom_fields.definitions import SORTABLE_TYPES
from tickets.custom_fields.validation import CODE_PATTERN
from tickets.models import Category, CustomField
from tickets.services import custom_fields as services

CHOICES_HELP = (
    "Choice fields only: one choice per line. A new line gets a code made from its label; “code = Label” keeps a "
    "code, so you can rename a label without touching the tickets that use it."
)


class CustomFieldForm(forms.Form):
    key = forms.CharField(
        max_length=40,
        help_text="How the API, webhooks and saved views name the field, e.g. product. It never changes.",
    )
    label = forms.CharField(max_length=100)
    help_text = forms.CharField(max_length=300, required=False, help_text="Shown under the field.")
    type = forms.ChoiceField(choices=CustomField.Type.choices)
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=20_000, help_text=CHOICES_HELP
    )
    position = forms.IntegerField(min_value=0, max_value=32767, initial=0, help_text="Lower numbers come first.")
    visible_in_portal = forms.BooleanField(required=False, label="Customers see and fill it in the portal")
    categories = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only for these categories",
        help_text="None ticked: every ticket.",
    )
    required_at_creation = forms.BooleanField(required=False, label="Required when a ticket is created")
    required_at_resolution = forms.BooleanField(required=False, label="Required before a ticket is resolved")

    def __init__(self, *args, field: CustomField | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.filter(parent=None).order_by("position", "name")
        if field is not None:
            del self.fields["key"]
            self.fields["type"].help_text = "Fixed once tickets have a value."

    def clean_choices(self) -> list[tuple[str, str]]:
        parsed = []
        for line in self.cleaned_data["choices"].splitlines():
            line = line.strip()
            if not line:
                continue
            code, sep, label = line.partition("=")
            if sep and CODE_PATTERN.fullmatch(code.strip()):
                parsed.append((code.strip(), label.strip()))
            else:
                parsed.append(("", line))
        return parsed


def _initial(field: CustomField) -> dict:
    return {
        "label": field.label,
        "help_text": field.help_text,
        "type": field.type,
        "choices": "\n".join(f"{c['code']} = {c['label']}" for c in field.choices),
        "position": field.position,
        "visible_in_portal": field.visible_in_portal,
        "categories": list(field.categories.all()),
        "required_at_creation": field.required_at_creation,
        "required_at_resolution": field.required_at_resolution,
    }


def _settings(data: dict) -> dict:
    return {
        "label": data["label"],
        "help_text": data["help_text"],
        "type": data["type"],
        "choices": data["choices"],
        "position": data["position"],
        "visible_in_portal": data["visible_in_portal"],
        "categories": list(data["categories"]),
        "required_at_creation": data["required_at_creation"],
        "required_at_resolution": data["required_at_resolution"],
    }


@role_required(Role.ADMIN)
@require_GET
def custom_field_list(request: HttpRequest) -> HttpResponse:
    fields = list(CustomField.objects.order_by("archived_at", "position", "id"))
    return render(
        request,
        "tickets/custom_fields.html",
        {"active": [f for f in fields if f.is_active], "archived": [f for f in fields if not f.is_active]},
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def custom_field_new(request: HttpRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST or None)
    return settings_form_page(
        request,
        form=form,
        template="tickets/custom_field_form.html",
        success="Field added.",
        save=lambda data: services.create_custom_field(actor=request.membership, key=data["key"], **_settings(data)),
        redirect_to="desk:custom_fields",
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    form = CustomFieldForm(request.POST or None, field=field, initial=_initial(field))
    return settings_form_page(
        request,
        form=form,
        template="tickets/custom_field_form.html",
        success=f"“{field.label}” saved.",
        save=lambda data: services.update_custom_field(actor=request.membership, field=field, **_settings(data)),
        redirect_to="desk:custom_fields",
        context={
            "field": field,
            "sortable": field.type in SORTABLE_TYPES,
            "postgres": connection.vendor == "postgresql",
        },
    )


@role_required(Role.ADMIN)
@require_POST
def custom_field_archive(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    return settings_action(
        request,
        perform=lambda: services.archive_custom_field(actor=request.membership, field=field),
        success=f"“{field.label}” archived: its values stay on the tickets, read-only.",
        redirect_to=reverse("desk:custom_fields"),
    )


@role_required(Role.ADMIN)
@require_POST
def custom_field_restore(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    return settings_action(
        request,
        perform=lambda: services.restore_custom_field(actor=request.membership, field=field),
        success=f"“{field.label}” is active again.",
        redirect_to=reverse("desk:custom_fields"),
    )


@role_required(Role.ADMIN)
@require_POST
def custom_field_delete(request: HttpRequest, pk: int) -> HttpResponse:
    field = get_object_or_404(CustomField, pk=pk)
    return settings_action(
        request,
        perform=lambda: services.delete_custom_field(actor=request.membership, field=field),
        success=f"“{field.label}” deleted.",
        redirect_to=reverse("desk:custom_fields"),
    )


@role_required(Role.ADMIN)
@require_POST
def custom_field_sort_index(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the field's sort index (indexed=1) or give it up (indexed=0)."""
    field = get_object_or_404(CustomField, pk=pk)
    indexed = request.POST.get("indexed") == "1"
    done = "will be indexed for sorting: the state below shows when it is ready" if indexed else "is no longer indexed"
    return settings_action(
        request,
        perform=lambda: services.set_custom_field_sort_index(actor=request.membership, field=field, indexed=indexed),
        success=f"“{field.label}” {done}.",
        redirect_to=reverse("desk:custom_field_edit", kwargs={"pk": field.pk}),
    )
