"""The queue-page filters (django-filter); every choice list is limited to the tenant in scope."""

from __future__ import annotations

import django_filters
from django import forms

from tenancy.context import current_tenant_id
from tenancy.models import Membership
from tenancy.roles import STAFF_ROLES
from tickets.custom_fields import filtering as custom_field_filtering
from tickets.custom_fields import queries as custom_field_queries
from tickets.lifecycle import Status
from tickets.models import Category, Channel, Organisation, Priority, Queue, Tag, Team, Ticket, TicketTag
from tickets.search import Strategy, search_tickets
from tickets.selectors import SORTS


class TicketFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    # distinct=False: these are columns of the ticket, no join can repeat a row, and DISTINCT would stop
    # PostgreSQL from reading the queue index in SLA order.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    priority = django_filters.MultipleChoiceFilter(
        choices=Priority.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    category = django_filters.ModelChoiceFilter(queryset=lambda request: Category.objects.filter(parent=None))
    queue = django_filters.ModelChoiceFilter(queryset=lambda request: Queue.objects.all())
    team = django_filters.ModelChoiceFilter(queryset=lambda request: Team.objects.all())
    assignee = django_filters.ModelChoiceFilter(
        queryset=lambda request: Membership.objects.filter(role__in=STAFF_ROLES).select_related("user"),
        label="Assignee",
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    # Tags and organisations can run to thousands: typed, not listed.
    tag = django_filters.CharFilter(method="filter_tag", label="Tag")
    contact = django_filters.CharFilter(method="filter_contact", label="Requester email")
    organisation = django_filters.CharFilter(method="filter_organisation", label="Organisation")
    created = django_filters.DateFromToRangeFilter(
        field_name="created_at", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    updated = django_filters.DateFromToRangeFilter(
        field_name="updated_at", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        empty_label=None,
        choices=[("due", "SLA due"), ("priority", "Priority"), ("updated", "Last updated"), ("created", "Newest")],
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    # None: the search's plan is chosen per list from the planner's estimate (tickets.search).
    search_strategy: Strategy | None = None

    def __init__(self, *args, prefix: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # A search is a reference only with the tenant's own prefix (tickets.search).
        tenant = getattr(self.request, "tenant", None)
        self.prefix = prefix or (tenant.ticket_prefix if tenant is not None else None)
        # The tenant's custom fields: filters cf_<key>... and sorts (tickets.custom_fields.filtering).
        self.custom_sorts = custom_field_filtering.add_filters(self)

    def filter_search(self, queryset, name, value):
        return queryset  # applied last (filter_queryset): its plan depends on the rows the other filters leave

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        field = self.custom_sorts.get(self.sort_key)
        if field is not None and field.sort_index_ready and not self.sort_key.startswith("-"):
            # The tenant as a constant: the field's partial sort index then serves the order (ascending only).
            queryset = queryset.filter(custom_field_queries.sort_index_condition(current_tenant_id()))
        query = self.form.cleaned_data.get("q") or ""
        return search_tickets(queryset, query, prefix=self.prefix, strategy=self.search_strategy)

    def filter_tag(self, queryset, name, value):
        tags = Tag.objects.filter(name__iexact=value.strip())
        return queryset.filter(pk__in=TicketTag.objects.filter(tag__in=tags).values("ticket_id"))

    def filter_organisation(self, queryset, name, value):
        return queryset.filter(contact__organisation__in=Organisation.objects.filter(name__iexact=value.strip()))

    def filter_contact(self, queryset, name, value):
        return queryset.filter(contact__email=value.strip().lower())

    def filter_sort(self, queryset, name, value):
        return queryset  # applied by the view after every filter, so the order is always defined

    @property
    def sort_key(self) -> str:
        value = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return value if value in SORTS or value in self.custom_sorts else "due"

    @property
    def ordering(self) -> tuple:
        """The ORDER BY of the chosen sort (a custom field's value, or one of selectors.SORTS)."""
        key = self.sort_key
        return custom_field_filtering.ordering(key, self.custom_sorts) or SORTS[key]

    @property
    def is_filtered(self) -> bool:
        return self.form.is_valid() and any(
            value for key, value in self.form.cleaned_data.items() if key != "sort" and value not in (None, "", [])
        )
