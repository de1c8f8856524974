"""@mentions: which handles a note contains, and which of the tenant's active staff they name."""

import pytest

from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import make_member
from tickets.mentions import extract_handles, find_mentions


@pytest.mark.parametrize(
    ("text", "handles"),
    [
        ("@agent2 can you look?", ["agent2"]),
        ("Thanks @agent2.", ["agent2"]),
        ("(@agent2), @Agent2! and @agent2?", ["agent2"]),
        ("cc @jane.doe, @bob-smith; @carol_x:", ["jane.doe", "bob-smith", "carol_x"]),
        ("mail bob@agent2.com or agent2@acme.example", []),
        ("see https://example.com/@agent2 and x.@agent2", []),
        ("write to @agent2@acme.example now", ["agent2@acme.example"]),
        ("@@agent2 @ agent2 @", []),
        ("@José.García hola", ["josé.garcía"]),
        ("", []),
    ],
)
def test_extract_handles_reads_tricky_text(text, handles):
    assert extract_handles(text) == handles


@pytest.fixture
def staff(tenant, other_tenant):
    people = {
        "agent2": make_member(tenant, Role.AGENT, "agent2@acme.example"),
        "jane": make_member(tenant, Role.SUPERVISOR, "jd@acme.example"),
        "twin_a": make_member(tenant, Role.AGENT, "sam@acme.example"),
        "twin_b": make_member(tenant, Role.AGENT, "sam@partner.example"),
        "customer": make_member(tenant, Role.CUSTOMER, "carl@customer.example"),
        "gone": make_member(tenant, Role.AGENT, "gone@acme.example"),
        "globex": make_member(other_tenant, Role.AGENT, "zed@globex.example"),
    }
    people["jane"].user.full_name = "Jane Doe"
    people["jane"].user.save(update_fields=["full_name"])
    with tenant_context(tenant):
        people["gone"].is_active = False
        people["gone"].save(update_fields=["is_active"])
    return people


def _found(tenant, text):
    with tenant_context(tenant):
        return sorted(member.user.email for member in find_mentions(text))


@pytest.mark.django_db
def test_find_mentions_matches_local_part_and_full_name(tenant, staff):
    # when a note names an agent by the part before the @ and a supervisor by their full name
    found = _found(tenant, "@agent2 and @jane.doe, also @JaneDoe again.")
    # then both are found, once each
    assert found == ["agent2@acme.example", "jd@acme.example"]


@pytest.mark.django_db
def test_find_mentions_ignores_unknown_customers_inactive_and_emails_in_text(tenant, staff):
    # when a note names nobody on the staff, a customer, a deactivated agent and quotes an email address
    found = _found(tenant, "@nobody @carl @gone, write to agent2@acme.example")
    # then no one is mentioned
    assert found == []


@pytest.mark.django_db
def test_find_mentions_never_finds_another_tenants_staff(tenant, other_tenant, staff):
    # when an acme note names globex's agent by handle and by email
    found = _found(tenant, "@zed and @zed@globex.example")
    # then acme has no such person
    assert found == []
    # and in globex the same handle does name them
    assert _found(other_tenant, "@zed") == ["zed@globex.example"]


@pytest.mark.django_db
def test_find_mentions_drops_ambiguous_handles_unless_the_email_is_given(tenant, staff):
    # when two agents share the local part "sam"
    # then "@sam" names neither, and the whole address names exactly one
    assert _found(tenant, "@sam please") == []
    assert _found(tenant, "@sam@partner.example please") == ["sam@partner.example"]
