"""Every API error is JSON: {"message": "<one sentence for a person>", "errors": {<field>: [<messages>]}}.

Refusals by the services (tickets.errors.TicketError and its ServiceError, TransitionError) are 400, or 409 when
the ticket's current state is what refuses (a lifecycle transition, a ticket someone else owns). Another
tenant's object is a 404 like any missing one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from tenancy.models import CrossTenantError
from tickets.errors import TicketError
from tickets.lifecycle import TransitionError
from tickets.services.assignment import AlreadyClaimed

CONFLICTS = (TransitionError, AlreadyClaimed)


def exception_handler(exc, context):
    if isinstance(exc, TicketError | CrossTenantError):
        set_rollback()
        code = status.HTTP_409_CONFLICT if isinstance(exc, CONFLICTS) else status.HTTP_400_BAD_REQUEST
        return Response({"message": str(exc), "errors": {}}, status=code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _body(exc, response.data)
    return response


def _body(exc, data) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data if isinstance(data, list) else [data]}
        return {"message": _first_message(errors), "errors": errors}
    if isinstance(exc, exceptions.Throttled):
        wait = f" Try again in {int(exc.wait) + 1} seconds." if exc.wait is not None else ""
        return {"message": f"Too many requests with this API key.{wait}", "errors": {}}
    detail = data.get("detail", "") if isinstance(data, dict) else data
    return {"message": str(detail), "errors": {}}


def _first_message(errors: dict) -> str:
    for field, messages in errors.items():
        first = messages
        while isinstance(first, list | dict) and first:
            first = first[0] if isinstance(first, list) else next(iter(first.values()))
        if first:
            prefix = "" if field == "non_field_errors" else f"{field}: "
            return f"Check the request: {prefix}{first}"
    return "Check the request."
