"""Cursor pagination on an indexed order: no count, no deep OFFSET, stable while rows are added."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

MAX_PAGE_SIZE = 200


class CreatedCursorPagination(CursorPagination):
    """Newest first unless the view says otherwise (`cursor_ordering`, or `get_cursor_ordering(request)`)."""

    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_cursor_message = "This cursor is not valid: use the `next` or `previous` link of a page."

    def get_ordering(self, request, queryset, view):
        if hasattr(view, "get_cursor_ordering"):
            return view.get_cursor_ordering(request)
        return getattr(view, "cursor_ordering", self.ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._position_field = self.get_ordering(request, queryset, view)[0].lstrip("-")
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        # A malformed cursor is bad input (400), not a missing page; a position of the wrong type would
        # otherwise reach the database and fail there.
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError({"cursor": [self.invalid_cursor_message]}) from error
        if cursor is not None and cursor.position is not None and not self._valid_position(cursor.position):
            raise ValidationError({"cursor": [self.invalid_cursor_message]})
        return cursor

    def _valid_position(self, position: str) -> bool:
        field = getattr(self, "_position_field", "")
        if field.endswith("_at"):
            try:
                return parse_datetime(position) is not None
            except ValueError:
                return False
        if field in {"id", "pk", "number"}:
            return position.isdigit() and int(position) < 2**63
        return True
