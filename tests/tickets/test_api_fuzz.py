"""The OpenAPI schema fuzzed with schemathesis against the running application: whatever a client sends, the API
answers with a 2xx/4xx, never a server error. Bounded (a few dozen cases per operation); select with -m fuzz."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.tickets.factories import CategoryFactory, OrganisationFactory
from tickets import services
from tickets.services.api_keys import create_api_key

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def wsgi_app():
    """The real WSGI application, called in-process inside the test's transaction: like Django's test client,
    keep the per-request connection clean-up from closing the test's connection (and don't use the test client
    meanwhile: it connects the clean-up again after each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_operation_answers_with_a_server_error(tenant, admin, agent, desk, new_ticket, wsgi_app):
    # given a desk with a ticket (number 1), its conversation, a category, an organisation and an admin key
    ticket = new_ticket()
    with tenant_context(tenant):
        services.add_note(ticket=ticket, actor=agent, body="Internal")
        plaintext = create_api_key(actor=admin, name="Fuzzer", role=Role.ADMIN)[1]
    CategoryFactory(tenant=tenant, name="Hardware")
    organisation = OrganisationFactory(tenant=tenant, name="Initech")
    # Real ids for half the cases: random ones mostly find nothing (a 404) and test little else.
    existing = {"number": ticket.number, "contact_id": desk["contact"].pk, "organisation_id": organisation.pk}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app, base_url=f"http://{tenant.host}")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    auth = {"Authorization": f"Bearer {plaintext}"}

    # when every operation is called with generated parameters and bodies, valid and not
    for operation in operations:
        known = {name: value for name, value in existing.items() if f"{{{name}}}" in operation.path}
        fuzz(
            operation,
            known=known,
            call=lambda case: case.call(app=wsgi_app, base_url=f"http://{tenant.host}", headers=auth),
        )

    # then none of them failed on the server (fuzz() raises with the first failing case)


def fuzz(operation, *, known: dict, call) -> None:
    """Run generated cases of one operation through `call`, valid and not, with generated path parameters and
    with `known` ones; fail on any 5xx."""
    strategies = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
    if known:
        strategies += [
            operation.as_strategy(path_parameters=known),
            operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, path_parameters=known),
        ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = call(case)
        case.validate_response(response, checks=[not_a_server_error])

    run()
