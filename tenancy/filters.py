"""Filters of the configuration audit page (django-filter), limited to the tenant in scope."""

from __future__ import annotations

import django_filters
from django import forms

from tenancy.audit import load_settings_services
from tenancy.models import ConfigChange, Membership
from tenancy.roles import STAFF_ROLES


def _areas() -> list[tuple[str, str]]:
    areas = sorted({service.area for service in load_settings_services().values()})
    return [(area, area.split(".", 1)[-1].replace("_", " ").capitalize()) for area in areas]


class ConfigChangeFilter(django_filters.FilterSet):
    area = django_filters.ChoiceFilter(choices=_areas, empty_label="Every area")
    actor = django_filters.ModelChoiceFilter(
        field_name="actor_membership",
        label="Changed by",
        empty_label="Anyone",
        queryset=lambda request: Membership.objects.filter(role__in=STAFF_ROLES).select_related("user"),
    )
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    target = django_filters.CharFilter(field_name="target_label", lookup_expr="icontains", label="What")

    class Meta:
        model = ConfigChange
        fields: list[str] = []
