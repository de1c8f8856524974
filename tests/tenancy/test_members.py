"""Member services and pages: only admins change members, a tenant always keeps an active admin, a deactivated
member's open tickets are handed over in the same step, and the members page runs a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tenancy import services
from tenancy.actors import Automation
from tenancy.context import tenant_context
from tenancy.errors import ServiceError
from tenancy.models import ConfigChange, CrossTenantError, Membership, Skill
from tenancy.roles import Role
from tests.conftest import count_queries, host_client, make_member
from tests.tenancy.factories import InvitationFactory
from tickets.models import Ticket, TicketEvent

MEMBER_SERVICES = {
    "change_role": lambda actor, member: services.change_role(actor=actor, membership=member, role=Role.ADMIN),
    "set_capacity": lambda actor, member: services.set_capacity(actor=actor, membership=member, capacity=1),
    "set_skills": lambda actor, member: services.set_skills(actor=actor, membership=member, names=["Root"]),
    "deactivate_member": lambda actor, member: services.deactivate_member(actor=actor, membership=member),
    "invite_member": lambda actor, member: services.invite_member(actor=actor, email="x@example.com", role="admin"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MEMBER_SERVICES))
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR])
def test_member_services_refuse_staff_below_admin(tenant, admin, role, name):
    # given a staff member below admin, and a colleague
    actor = make_member(tenant, role, f"{role}@acme.example")
    colleague = make_member(tenant, Role.AGENT, "colleague@acme.example")
    with tenant_context(tenant):
        # when they call a member service themselves
        with pytest.raises(ServiceError, match="Only admins"):
            MEMBER_SERVICES[name](actor, colleague)
        # then nothing changed and nothing was recorded
        colleague.refresh_from_db()
        assert colleague.role == Role.AGENT and colleague.is_active and colleague.capacity == 20
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_member_services_refuse_another_tenants_member(tenant, other_tenant, admin):
    # given an agent of globex
    stranger = make_member(other_tenant, Role.AGENT, "agent@globex.example")
    # when acme's admin tries to deactivate them
    with tenant_context(tenant), pytest.raises(CrossTenantError):
        services.deactivate_member(actor=admin, membership=stranger)
    # then they still work at globex
    with tenant_context(other_tenant):
        assert Membership.objects.get(pk=stranger.pk).is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        lambda admin: services.change_role(actor=admin, membership=admin, role=Role.AGENT),
        lambda admin: services.deactivate_member(actor=admin, membership=admin),
        lambda admin: services.add_member(user=admin.user, role=Role.AGENT, actor=Automation("import")),
    ],
    ids=["demote", "deactivate", "add_member"],
)
def test_last_admin_cannot_demote_or_deactivate_themselves(tenant, admin, change):
    with tenant_context(tenant):
        # when the only admin tries to stop being one
        with pytest.raises(ServiceError, match="last admin"):
            change(admin)
        # then they still are, and nothing was recorded
        admin.refresh_from_db()
        assert admin.role == Role.ADMIN and admin.is_active
        assert not ConfigChange.objects.exists()


@pytest.mark.django_db
def test_an_admin_cannot_leave_the_tenant_without_admins(tenant, admin):
    # given two admins
    second = make_member(tenant, Role.ADMIN, "second@acme.example")
    with tenant_context(tenant):
        # when one deactivates the other, then tries to demote themselves
        services.deactivate_member(actor=admin, membership=second)
        with pytest.raises(ServiceError, match="last admin"):
            services.change_role(actor=admin, membership=admin, role=Role.SUPERVISOR)
        # then the first change happened and the second was refused
        assert list(Membership.objects.filter(role=Role.ADMIN, is_active=True)) == [admin]


@pytest.mark.django_db
def test_an_admin_may_step_down_when_another_admin_remains(tenant, admin):
    make_member(tenant, Role.ADMIN, "second@acme.example")
    with tenant_context(tenant):
        services.change_role(actor=admin, membership=admin, role=Role.AGENT)
        change = ConfigChange.objects.get()
    assert (change.before, change.after) == ({"role": "admin"}, {"role": "agent"})


@pytest.mark.django_db
@pytest.mark.parametrize("hand_over", [True, False], ids=["to_a_colleague", "back_to_the_queue"])
def test_deactivate_member_hands_their_open_tickets_over(tenant, admin, agent, desk, new_ticket, hand_over):
    # given an agent with two open tickets and a closed one, and a colleague
    colleague = make_member(tenant, Role.AGENT, "colleague@acme.example")
    tickets = [new_ticket(subject=f"Open {n}") for n in range(2)]
    closed = new_ticket(subject="Done")
    with tenant_context(tenant):
        Ticket.objects.filter(pk__in=[t.pk for t in [*tickets, closed]]).update(assignee=agent)
        Ticket.objects.filter(pk=closed.pk).update(is_open=False)
        # when an admin deactivates them, handing the work over
        services.deactivate_member(actor=admin, membership=agent, hand_over_to=colleague if hand_over else None)
        # then the open tickets moved (each with its audit event), the closed one keeps its history
        expected = colleague.pk if hand_over else None
        assert [t.assignee_id for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])] == [expected] * 2
        assert Ticket.objects.get(pk=closed.pk).assignee_id == agent.pk
        kind = "assigned" if hand_over else "unassigned"
        assert TicketEvent.objects.filter(kind=kind, reason__contains="deactivated").count() == 2
        # and the member is kept, deactivated
        agent.refresh_from_db()
        assert not agent.is_active and agent.availability == Membership.Availability.OFFLINE


@pytest.mark.django_db
def test_reactivate_member_restores_access_with_their_role(tenant, admin, supervisor):
    with tenant_context(tenant):
        services.deactivate_member(actor=admin, membership=supervisor)
        services.reactivate_member(actor=admin, membership=supervisor)
        supervisor.refresh_from_db()
        assert supervisor.is_active and supervisor.role == Role.SUPERVISOR
        assert ConfigChange.objects.count() == 2
    assert host_client(tenant, supervisor).get(reverse("desk:home")).status_code == 200


@pytest.mark.django_db
def test_set_skills_keeps_one_skill_per_name_whatever_its_case(tenant, admin, agent, other_tenant):
    # given two agents, and a skill of the same name in globex
    colleague = make_member(tenant, Role.AGENT, "colleague@acme.example")
    with tenant_context(other_tenant):
        Skill.objects.create(name="German")
    with tenant_context(tenant):
        # when an admin gives both German, spelt two ways, and one of them Billing
        services.set_skills(actor=admin, membership=agent, names=["German", " billing ", "BILLING"])
        services.set_skills(actor=admin, membership=colleague, names=["german"])
        # then acme has one German skill and routing can ask who has it
        assert set(Skill.objects.values_list("name", flat=True)) == {"German", "billing"}
        assert set(Membership.objects.filter(skills__key="german")) == {agent, colleague}
        # and replacing the list drops what is not in it
        services.set_skills(actor=admin, membership=agent, names=["Billing"])
        assert list(agent.skills.values_list("key", flat=True)) == ["billing"]


@pytest.mark.django_db
def test_set_availability_by_the_member_or_an_admin_only(tenant, admin, agent):
    colleague = make_member(tenant, Role.AGENT, "colleague@acme.example")
    with tenant_context(tenant):
        services.set_availability(membership=agent, availability="online", actor=agent)
        services.set_availability(membership=agent, availability="away", actor=admin)
        with pytest.raises(ServiceError):
            services.set_availability(membership=agent, availability="offline", actor=colleague)
        agent.refresh_from_db()
        assert agent.availability == "away"
        # availability is not a setting: nothing in the configuration audit
        assert not ConfigChange.objects.exists()


# --- Pages ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_members_page_runs_a_fixed_number_of_queries(tenant, admin):
    # given a few members with skills and an invitation, then many more
    client = host_client(tenant, admin)
    url = reverse("desk:members")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            member = make_member(tenant, Role.AGENT, f"agent{n}@acme.example")
            with tenant_context(tenant):
                services.set_skills(actor=admin, membership=member, names=[f"Skill {n}", "German"])
            InvitationFactory(tenant=tenant, invited_by=admin, email=f"invitee{n}@example.com")

    add(2, 0)
    few = count_queries(client, url)
    add(15, 2)
    # when the page is opened each time / then it runs as many queries
    assert count_queries(client, url) == few


@pytest.mark.django_db
def test_members_page_shows_invitations_and_members(tenant, admin, agent):
    InvitationFactory(tenant=tenant, invited_by=admin, email="pending@example.com")
    response = host_client(tenant, admin).get(reverse("desk:members"))
    assert response.status_code == 200
    assert "pending@example.com" in response.text and agent.user.email in response.text
    assert reverse("desk:member", args=[agent.pk]) in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("desk:member_invite", {"email": "not-an-email", "role": "agent"}, "valid email"),
        ("desk:member_invite", {"email": "c@example.com", "role": "customer"}, "valid choice"),
        ("desk:member_capacity", {"capacity": "500"}, "less than or equal to 200"),
        ("desk:member_skills", {"skills": "x" * 60}, "at most 50 characters"),
    ],
)
def test_member_forms_show_validation_messages(tenant, admin, agent, url_name, data, message):
    args = [] if url_name == "desk:member_invite" else [agent.pk]
    response = host_client(tenant, admin).post(reverse(url_name, args=args), data)
    assert response.status_code == 400
    assert message in response.text


@pytest.mark.django_db
def test_member_page_lists_open_tickets_and_deactivates_with_reassignment(tenant, admin, agent, desk, new_ticket):
    # given an agent with an open ticket, and a colleague to take it
    colleague = make_member(tenant, Role.AGENT, "colleague@acme.example")
    ticket = new_ticket(subject="Printer jam")
    with tenant_context(tenant):
        Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    client = host_client(tenant, admin)
    # when the admin opens the agent's page
    page = client.get(reverse("desk:member", args=[agent.pk]))
    # then it lists the open ticket, and offers the colleague to take it
    assert page.status_code == 200
    assert "ACME-1: Printer jam" in page.text and colleague.user.email in page.text
    # when the admin deactivates the agent handing the ticket to the colleague
    response = client.post(reverse("desk:member_deactivate", args=[agent.pk]), {"hand_over_to": colleague.pk})
    # then it is done in one step
    assert response.status_code == 302
    with tenant_context(tenant):
        assert Ticket.objects.get(pk=ticket.pk).assignee_id == colleague.pk
        assert not Membership.objects.get(pk=agent.pk).is_active


@pytest.mark.django_db
def test_last_admin_deactivating_themselves_is_told_why(tenant, admin):
    client = host_client(tenant, admin)
    response = client.post(reverse("desk:member_deactivate", args=[admin.pk]), {}, follow=True)
    assert response.status_code == 400
    assert "last admin" in response.text
    with tenant_context(tenant):
        assert Membership.objects.get(pk=admin.pk).is_active
