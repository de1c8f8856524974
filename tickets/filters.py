"""The queue-page filters (django-filter); every choice list is limited to the tenant in scope."""

from __future__ import annotations

import copy

import django_filters
from django import forms
from django.http import QueryDict

from tenancy.context import current_tenant_id
from tenancy.models import Membership
from tenancy.process_copies import ProcessCopies
from tenancy.roles import STAFF_ROLES
from tickets.custom_fields import filtering as custom_field_filtering
from tickets.custom_fields import queries as custom_field_queries
from tickets.custom_fields.definitions import field_definitions
from tickets.lifecycle import Status
from tickets.models import Category, Channel, Organisation, Priority, Queue, Tag, Team, Ticket, TicketTag
from tickets.search import Strategy, search_tickets
from tickets.selectors import SORTS

# The form classes built by TicketFilter.get_form_class, per filter class and tenant (see there).
FORM_CLASSES = ProcessCopies(128)


def copy_filter(base: django_filters.Filter) -> django_filters.Filter:
    """A filter of this request's FilterSet, from the class's: its own attributes and `extra` (a choice filter's
    field() writes its queryset there), no field built yet, and its `method` bound to it. What the attributes
    hold (choices, widgets, callables) is only read: a field deep-copies its widget when it is built."""
    filter_ = copy.copy(base)
    filter_.__dict__.pop("_field", None)
    filter_.extra = dict(base.extra)
    filter_.method = base.method  # a FilterMethod that finds this filter's parent, not the class filter's
    return filter_


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

    def __init__(self, data=None, queryset=None, *, request=None, prefix: str | None = None):
        # BaseFilterSet.__init__ (django-filter 24/25), with each filter copied by copy_filter instead of the
        # deep copy of every filter's attributes, widgets and choices (0.4 ms a list page, and again per saved
        # view counted in the sidebar); the form prefix stays None, as before.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = None
        self.filters = {name: copy_filter(base) for name, base in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
        # A search is a reference only with the tenant's own prefix (tickets.search).
        tenant = getattr(self.request, "tenant", None)
        self.prefix = prefix or (tenant.ticket_prefix if tenant is not None else None)
        # The tenant's custom fields: filters cf_<key>... and sorts (tickets.custom_fields.filtering).
        self.custom_sorts = custom_field_filtering.add_filters(self)

    def get_form_class(self):
        """The form class of these filters, built once per process for a tenant and its custom fields.

        django-filter builds a class with a new field per filter on every request (the labels from the model's
        verbose names, the choice fields' querysets): 0.9 ms of the queue page's Python. What goes into it
        depends on the filter class and the tenant alone: the choice querysets are the tenant's (each filter's
        `queryset` reads the tenant in scope, never the request), and the custom-field filters and sorts come
        from the tenant's field definitions, whose copy this process replaces when they change. Every form
        still deep-copies the class's fields (Django's BaseForm), so no request sees another's field state."""
        tenant_id = current_tenant_id()
        if tenant_id is None:
            return super().get_form_class()
        definitions = field_definitions()
        # Keyed by the definitions' identity: the kept entry holds them, so the id cannot be reused meanwhile.
        key = (type(self), tenant_id, id(definitions))
        kept = FORM_CLASSES.kept(key, lambda: (definitions, super(TicketFilter, self).get_form_class()))
        if kept[0] is not definitions:  # pragma: no cover - the kept entry holds them; checked all the same
            return super().get_form_class()
        return kept[1]

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
