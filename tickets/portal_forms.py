"""Forms of the customer portal: the public request form, the sign-in link form and the rating form."""

from __future__ import annotations

from django import forms

from tenancy.middleware import max_request_bytes
from tenancy.models import Tenant
from tickets.custom_fields.definitions import portal_fields
from tickets.custom_fields.forms import add_custom_fields, input_name
from tickets.forms import MultipleFileField
from tickets.models import Category, PortalSettings
from tickets.picklists import picklists
from tickets.services.attachments import MAX_FILES_PER_MESSAGE, describe_accepted
from tickets.services.portal import MAX_DESCRIPTION
from tickets.services.satisfaction import MAX_COMMENT, SCORES

HONEYPOT_FIELD = "website"


def category_choices(categories: list[Category]) -> list:
    """ "Not sure", then the top-level categories, each with its subcategories grouped under it."""
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    choices: list = [("", "Not sure")]
    for parent in (c for c in categories if c.parent_id is None):
        subs = children.get(parent.pk)
        if subs:
            group = [(str(parent.pk), f"{parent.name} (general)")] + [(str(c.pk), c.name) for c in subs]
            choices.append((parent.name, group))
        else:
            choices.append((str(parent.pk), parent.name))
    return choices


def public_categories() -> list[Category]:
    """Public top-level categories and the public subcategories of public parents, in display order; archived
    ones are offered no more. From the tenant's cached lists (tickets.picklists): the form reads them on every
    submission."""
    return picklists().public_categories()


class SubmitRequestForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(max_length=254, label="Your email", help_text="We send our answers here.")
    category = forms.ChoiceField(required=False, label="Topic")
    # Asked only when the tenant requires it (Settings → Portal and tickets).
    phone = forms.CharField(max_length=40, label="Your phone number", help_text="So we can call you back.")
    subject = forms.CharField(max_length=200, help_text="A few words, e.g. “Invoice 1042 charged twice”.")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}),
        max_length=MAX_DESCRIPTION,
        help_text="What happened, what you expected, and anything you have tried.",
    )
    files = MultipleFileField(required=False, label="Attachments")
    # The honeypot: hidden from people (see the template), filled in by bots that fill in every field.
    website = forms.CharField(required=False, label="Leave this field empty")

    def __init__(
        self,
        *args,
        tenant: Tenant,
        categories: list[Category],
        signed_in_as=None,
        portal: PortalSettings | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        portal = portal or PortalSettings()
        self.categories = {str(c.pk): c for c in categories}
        self.fields["category"].choices = category_choices(categories)
        if not categories:
            del self.fields["category"]
        elif portal.require_category:
            self.fields["category"].required = True
            self.fields["category"].error_messages["required"] = "Choose the topic of your request."
            self.fields["category"].choices = self.fields["category"].choices[1:]  # no "Not sure"
        if portal.require_phone:
            self.fields["phone"].error_messages["required"] = "Give a phone number we can call you on."
        else:
            del self.fields["phone"]
        self.fields["files"].help_text = (
            f"Optional. Up to {MAX_FILES_PER_MESSAGE} files, {tenant.max_attachment_mb} MB each "
            f"({max_request_bytes(tenant) // (1024 * 1024) - 1} MB in all): "
            f"{describe_accepted(tenant)}."
        )
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.custom_field_names = self._add_custom_fields()
        if signed_in_as is not None:
            # A signed-in customer writes as themselves: the fields show who, and posted values are ignored.
            name, email = signed_in_as
            for field, value in (("name", name), ("email", email)):
                self.fields[field].disabled = True
                self.fields[field].required = field == "email"
                self.initial[field] = value
            self.fields["email"].help_text = "You are signed in; we answer at this address."

    def _add_custom_fields(self) -> list[str]:
        """The fields customers fill (cf_<key>). A field limited to some categories lists them and their
        subcategories in data-categories, so static/js/custom_fields.js shows it only for those topics."""
        fields = portal_fields()
        names = add_custom_fields(self, fields, mark_required="creation")
        children: dict[int, list[str]] = {}
        for category in self.categories.values():
            if category.parent_id:
                children.setdefault(category.parent_id, []).append(str(category.pk))
        for field in fields:
            if field.category_ids:
                ids = [str(pk) for pk in sorted(field.category_ids)]
                ids += [child for pk in sorted(field.category_ids) for child in children.get(pk, [])]
                self.fields[input_name(field.key)].widget.attrs["data-categories"] = " ".join(ids)
        return names

    @property
    def custom_inputs(self) -> list:
        return [self[name] for name in self.custom_field_names]

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES_PER_MESSAGE:
            raise forms.ValidationError(f"Attach at most {MAX_FILES_PER_MESSAGE} files.")
        limit = self.tenant.max_attachment_mb * 1024 * 1024
        for upload in files:
            if upload.size > limit:
                raise forms.ValidationError(f"“{upload.name}” is larger than {self.tenant.max_attachment_mb} MB.")
        return files

    def clean_category(self) -> Category | None:
        return self.categories.get(self.cleaned_data["category"])

    def clean_subject(self) -> str:
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError("Give your request a subject.")
        return subject

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        if not description.strip():
            raise forms.ValidationError("Describe your request.")
        return description


class SignInLinkForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email", help_text="The address you write to us from.")


SCORE_WORDS = {1: "Very poor", 2: "Poor", 3: "Okay", 4: "Good", 5: "Excellent"}


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=[(s, SCORE_WORDS[s]) for s in SCORES],
        coerce=int,
        widget=forms.RadioSelect,
        label="Your rating",
        error_messages={"required": "Choose a score from 1 (very poor) to 5 (excellent), then send your rating."},
    )
    comment = forms.CharField(
        required=False,
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Anything to add? (optional)",
    )
