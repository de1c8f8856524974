"""Forms of the knowledge base: they validate input; the services decide."""

from __future__ import annotations

from django import forms

from kb.models import ArticleStatus, KbCategory, KbSettings, Visibility
from kb.search import KNOWN_CONFIGS


class VoteForm(forms.Form):
    helpful = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")])
    missing = forms.CharField(
        required=False, max_length=1000, label="What were you looking for?",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Tell us what was missing or unclear (optional)."}),
    )  # fmt: skip


class ArticleForm(forms.Form):
    title = forms.CharField(max_length=200)
    body_markdown = forms.CharField(
        label="Article (Markdown)", required=False, max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 22, "class": "kb-editor__source", "spellcheck": "true"}),
    )  # fmt: skip
    category = forms.ModelChoiceField(queryset=None, required=False, empty_label="No category")
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    tags = forms.CharField(required=False, max_length=600, help_text="Separate tags with commas.")
    major = forms.BooleanField(required=False, label="Major revision (restarts the helpful votes)")
    note = forms.CharField(required=False, max_length=200, label="What changed (optional)")
    based_on_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = KbCategory.objects.select_related("parent").order_by(
            "parent__position", "parent__name", "position", "name"
        )
        self.fields["category"].label_from_instance = lambda c: f"{c.parent.name} / {c.name}" if c.parent else c.name

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


class CategoryForm(forms.ModelForm):
    parent = forms.ModelChoiceField(queryset=None, required=False, empty_label="None (a top-level section)")
    ticket_category = forms.ModelChoiceField(queryset=None, required=False, empty_label="None")

    class Meta:
        model = KbCategory
        fields = ["name", "slug", "description", "parent", "position", "ticket_category"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = KbCategory.objects.filter(parent=None)
        self.fields["parent"].help_text = "Leave empty for a top-level section (two levels at most)."
        from tickets.models import Category

        self.fields["ticket_category"].queryset = Category.objects.all()
        self.fields["ticket_category"].help_text = "Articles here are suggested first on tickets of this category."

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        clash = KbCategory.objects.filter(slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another category uses this address.")
        return slug


class KbSettingsForm(forms.ModelForm):
    search_config = forms.ChoiceField(
        required=False, label="Search language",
        choices=[("", "From the organisation's language")] + [(c, c.title()) for c in sorted(KNOWN_CONFIGS)],
    )  # fmt: skip

    class Meta:
        model = KbSettings
        fields = ["agents_may_edit", "search_config"]


STATUS_FILTER = [("", "Any status"), *ArticleStatus.choices]
