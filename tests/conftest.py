"""Shared fixtures: two tenants, their people, clients on their hosts, and the application database role."""

from __future__ import annotations

import os

import pytest
from celery._state import _set_task_join_will_block
from django.core.cache import cache
from django.db import connections
from django.test import Client, TransactionTestCase

from routing.availability import middleware as activity_middleware
from tenancy.context import current_scope, tenant_context
from tenancy.demo import DEMO_PASSWORD
from tenancy.roles import Role
from tests.browser_fixtures import _quiet_browser_after_each_test, browser, page, phone  # noqa: F401 - fixtures
from tests.tenancy.factories import MembershipFactory, TenantFactory
from tests.tickets.factories import ContactFactory
from tickets import services
from tickets.models import Queue, Team, TeamMembership

PASSWORD = DEMO_PASSWORD

# Every test may reach the platform connection that unscoped() uses (tenancy.db.router). It is the same test
# database under another login role: in a test wrapped in a transaction it sees only what is committed, so a
# test that writes on one connection and reads on the other commits for real (django_db(transaction=True)).
TransactionTestCase.databases = set(connections)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create and migrate the test database as the owner role, then run every test as the application role.

    The application role is neither superuser, owner nor BYPASSRLS, so row-level security applies to the
    tests exactly as in production. It may TRUNCATE (and refill the content types and permissions) only so
    transactional tests can flush between tests.
    """
    app_user = os.environ.get("TEST_APP_DATABASE_USER")
    connection = connections["default"]
    if connection.vendor != "postgresql" or not app_user:
        yield
        return
    original = dict(connection.settings_dict)
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        app_role = connection.ops.quote_name(app_user)
        cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {app_role}")
        # A flush is followed by post_migrate, which recreates the content types and permissions it emptied.
        cursor.execute(f"GRANT INSERT ON django_content_type, auth_permission TO {app_role}")
    connection.close()
    if "platform" in connections:
        # pytest-django sets up only the aliases tests ask for by marker: point the platform connection at the
        # test database that default made. Two connections of one thread can wait on each other's row locks for
        # ever: fail the test instead.
        platform = connections["platform"]
        platform.close()
        platform.settings_dict["NAME"] = original["NAME"]
        platform.settings_dict.setdefault("OPTIONS", {})["options"] = "-c lock_timeout=20s"
    connection.settings_dict["USER"] = app_user
    connection.settings_dict["PASSWORD"] = os.environ.get("TEST_APP_DATABASE_PASSWORD", "")
    yield
    connection.close()
    connection.settings_dict.update(original)
    if "platform" in connections:
        connections["platform"].close()


@pytest.fixture(autouse=True)
def _isolated_test_state():
    cache.clear()
    activity_middleware._ASKED.clear()  # the process's own note of whom it asked the cache about
    # A test that runs a real worker in this process marks the process as a worker, where Celery refuses to
    # wait for a result ("never call result.get() within a task"); eager tests after it wait for theirs.
    _set_task_join_will_block(False)
    yield
    assert current_scope() is None, "a test left a tenant scope open"


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme Corporation", ticket_prefix="ACME")


@pytest.fixture
def other_tenant(db):
    return TenantFactory(slug="globex", name="Globex Inc.", ticket_prefix="GLX")


def make_member(tenant, role: str, email: str):
    return MembershipFactory(tenant=tenant, role=role, user__email=email, user__password=PASSWORD)


@pytest.fixture
def admin(tenant):
    return make_member(tenant, Role.ADMIN, "admin@acme.example")


@pytest.fixture
def supervisor(tenant):
    return make_member(tenant, Role.SUPERVISOR, "supervisor@acme.example")


@pytest.fixture
def agent(tenant):
    return make_member(tenant, Role.AGENT, "agent@acme.example")


@pytest.fixture
def customer(tenant):
    return make_member(tenant, Role.CUSTOMER, "customer@acme.example")


@pytest.fixture
def other_agent(other_tenant):
    return make_member(other_tenant, Role.AGENT, "agent@globex.example")


def host_client(tenant=None, member=None) -> Client:
    """A test client on the tenant's host (the platform host without a tenant), signed in as `member`."""
    host = tenant.host if tenant is not None else "localhost"
    client = Client(HTTP_HOST=host)
    if member is not None:
        # A fresh copy: the session stores a hash of the password as it is in the database now.
        sign_in(client, type(member.user).objects.get(pk=member.user_id), tenant=tenant)
    return client


def sign_in(client: Client, user, *, tenant=None) -> None:
    """Sign `user` in on `client` as a sign-in on the tenant's host (the platform's without one) would: the
    session bound to that host (tenancy.middleware.SessionBindingMiddleware), else it is refused there."""
    from tenancy.middleware import SESSION_HOST_KEY

    client.force_login(user, backend="tenancy.auth.UserBackend")
    session = client.session
    session[SESSION_HOST_KEY] = f"t{tenant.pk}" if tenant is not None else "platform"
    session.save()


@pytest.fixture
def in_tenant(tenant):
    with tenant_context(tenant):
        yield tenant


@pytest.fixture
def desk(tenant, agent):
    """A working help desk in acme: a team with the agent, a default queue, a requester."""
    with tenant_context(tenant):
        team = Team.objects.create(name="Frontline")
        TeamMembership.objects.create(team=team, membership=agent)
        queue = Queue.objects.create(name="General", team=team, is_default=True)
    contact = ContactFactory(tenant=tenant, email="pat@customer.example", name="Pat Requester")
    return {"team": team, "queue": queue, "contact": contact}


@pytest.fixture
def new_ticket(tenant, desk):
    def make(subject="Printer on fire", body="It is on fire.", **extra):
        with tenant_context(tenant):
            contact = extra.pop("contact", desk["contact"])
            return services.create_ticket(actor=contact, contact=contact, subject=subject, body=body, **extra)

    return make


def count_queries(client: Client, url: str) -> int:
    """Queries one GET of `url` runs, from a cold cache (the worst case, and the same for every call)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tickets.search import forget_list_sizes

    cache.clear()
    forget_list_sizes()
    activity_middleware._ASKED.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.fixture(scope="module")
def crawl_world(django_db_setup, django_db_blocker):
    """A committed help desk with a real object behind every id a URL takes (tests/tenancy/crawl_objects.py),
    built once per module and flushed at its end."""
    from tests.tenancy.crawl_objects import committed_crawl_world

    with committed_crawl_world(django_db_blocker) as world:
        yield world
