"""Forms of the structure and portal settings pages. Forms check shapes; the services decide (and refuse)."""

from __future__ import annotations

from django import forms

from tenancy.selectors import list_staff
from tickets.models import MAX_ESCALATION_LEVEL, Category, Priority, Queue, Tag, Team
from tickets.services.portal_settings import MAX_REOPEN_DAYS, MAX_WELCOME


def _top_level(exclude: Category | None = None):
    rows = Category.objects.filter(parent=None).order_by("position", "name")
    return rows.exclude(pk=exclude.pk) if exclude is not None else rows


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=100)
    parent = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="None: a top-level category",
        label="Under",
        help_text="Two levels: a subcategory sits under a top-level category.",
    )
    is_public = forms.BooleanField(
        required=False, initial=True, label="Offer in the portal", help_text="Customers may choose it."
    )

    def __init__(self, *args, category: Category | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = _top_level(exclude=category)


class CategoryEditForm(CategoryForm):
    position = forms.IntegerField(
        min_value=0, max_value=32767, help_text="Lower numbers come first; equal numbers go by name."
    )


class CategoryMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=None, label="Merge into", empty_label="Choose a category")

    def __init__(self, *args, category: Category, **kwargs):
        super().__init__(*args, **kwargs)
        same_level = Category.objects.filter(parent__isnull=category.parent_id is None).exclude(pk=category.pk)
        self.fields["target"].queryset = same_level.select_related("parent").order_by("parent__name", "name")


class QueueForm(forms.Form):
    name = forms.CharField(max_length=100)
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="No team")
    assignment_strategy = forms.ChoiceField(choices=Queue.Strategy.choices, label="Assignment")
    default_priority = forms.TypedChoiceField(
        choices=Priority.choices,
        coerce=int,
        initial=Priority.NORMAL,
        help_text="New tickets filed here by the portal or email start with it.",
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default queue",
        help_text="New tickets land here until routing moves them. There is exactly one.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")


class QueueMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=None, label="Move its tickets to", empty_label="Choose a queue")

    def __init__(self, *args, queue: Queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = Queue.objects.exclude(pk=queue.pk).order_by("name")


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)


class TeamMemberForm(forms.Form):
    member = forms.ModelChoiceField(queryset=None, label="Add a staff member", empty_label="Choose someone")

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = list_staff().exclude(teammembership__team=team)
        self.fields["member"].label_from_instance = lambda m: f"{m.display_name} ({m.user.email})"


class TagRenameForm(forms.Form):
    name = forms.CharField(max_length=50, label="New name")


class TagMergeForm(forms.Form):
    target = forms.CharField(max_length=50, label="Merge into the tag", help_text="The name of an existing tag.")

    def clean_target(self) -> Tag:
        name = " ".join(self.cleaned_data["target"].split()).lower()
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            raise forms.ValidationError(f"There is no tag “{name}”.")
        return tag


class EscalationTiersForm(forms.Form):
    """One name per tier; the ladder is the names given, level 1 first. Leave the top ones empty for fewer."""

    def __init__(self, *args, names: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        for level in range(1, MAX_ESCALATION_LEVEL + 1):
            self.fields[f"tier_{level}"] = forms.CharField(
                max_length=100,
                required=level == 1,
                label=f"Tier {level}",
                initial=names[level - 1] if level <= len(names) else "",
                error_messages={"required": "Keep at least one tier: name tier 1."},
            )

    def clean(self) -> dict:
        data = super().clean()
        names = [(data.get(f"tier_{level}") or "").strip() for level in range(1, MAX_ESCALATION_LEVEL + 1)]
        while names and not names[-1]:
            names.pop()
        gap = next((level for level, name in enumerate(names, start=1) if not name), None)
        if gap is not None:
            raise forms.ValidationError(f"Name tier {gap}, or remove the tiers above it: tiers have no gaps.")
        data["names"] = names
        return data


class PortalSettingsForm(forms.Form):
    welcome_text = forms.CharField(
        required=False,
        max_length=MAX_WELCOME,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown on the portal's home page, under “How can we help?”. Plain text.",
    )
    require_category = forms.BooleanField(
        required=False, label="Require a topic", help_text="Customers must choose a category for their request."
    )
    require_phone = forms.BooleanField(
        required=False, label="Require a phone number", help_text="The request form asks for one, and refuses none."
    )
    reopen_window_days = forms.IntegerField(
        min_value=0,
        max_value=MAX_REOPEN_DAYS,
        label="Reopen window",
        help_text="Days after a request is resolved during which the customer may reopen it (0: never).",
    )
