import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from tenancy.context import tenant_context, unscoped
from tenancy.models import Membership, Tenant, User
from tenancy.roles import Role
from tenancy.services import add_member, change_ticket_prefix, create_tenant
from tenancy.setup import SETUP


@pytest.mark.django_db
def test_create_tenant_makes_the_first_admin_and_a_set_password_link():
    # when a platform operator creates a tenant
    created = create_tenant(slug="initech", name="Initech", admin_email="Boss@Initech.Example")
    # then the admin is a member with a link on the tenant's own host
    assert created.tenant.ticket_prefix == "INITECH"
    assert created.admin.role == Role.ADMIN
    assert created.admin.user.email == "boss@initech.example"
    assert not created.admin.user.has_usable_password()
    assert created.set_password_url.startswith("http://initech.localhost/accounts/password/reset/")


@pytest.mark.django_db
def test_create_tenant_command_prints_the_link(capsys):
    call_command("create_tenant", "initech", "Initech", "boss@initech.example", "--prefix", "INI")
    out = capsys.readouterr().out
    assert "http://initech.localhost/accounts/password/reset/" in out
    assert Tenant.objects.get(slug="initech").ticket_prefix == "INI"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("slug", "email", "message"),
    [
        ("Bad Slug", "a@b.example", "lowercase"),
        ("www", "a@b.example", "reserved"),
        ("ok", "not-an-email", "email"),
    ],
)
def test_create_tenant_command_refuses_bad_input_clearly(slug, email, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_tenant", slug, "Name", email)
    with unscoped():
        assert not Membership.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_person_holds_different_roles_in_different_tenants(tenant, other_tenant):
    user = User.objects.create_user("pat@example.com", "x")
    with tenant_context(tenant):
        add_member(user=user, role=Role.AGENT, actor=SETUP)
    with tenant_context(other_tenant):
        add_member(user=user, role=Role.CUSTOMER, actor=SETUP)
    with unscoped():
        roles = dict(Membership.objects.filter(user=user).values_list("tenant__slug", "role"))
    assert roles == {"acme": "agent", "globex": "customer"}


@pytest.mark.django_db
def test_emails_are_unique_whatever_their_case():
    User.objects.create_user("Pat@Example.com", "x")
    assert User.objects.get_by_natural_key("PAT@example.COM").email == "pat@example.com"
    with pytest.raises(Exception, match=r"unique|duplicate"):
        User.objects.create_user("pat@EXAMPLE.com", "y")


@pytest.mark.django_db
def test_ticket_prefix_is_immutable_once_a_ticket_is_numbered(tenant):
    change_ticket_prefix(tenant=tenant, prefix="ACM")
    Tenant.objects.filter(pk=tenant.pk).update(last_ticket_number=1)
    with pytest.raises(ValidationError, match="cannot change"):
        change_ticket_prefix(tenant=tenant, prefix="ACX")
    assert Tenant.objects.get(pk=tenant.pk).ticket_prefix == "ACM"
