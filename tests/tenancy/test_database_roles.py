"""The application's database role cannot leave its tenant, even from injected raw SQL.

Cross-tenant platform code runs on its own connection (the `platform` alias, a BYPASSRLS login role) inside
unscoped(); the application role is a member of no privileged role and cannot make anyone platform staff.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection, connections, transaction

from tenancy.context import tenant_context, unscoped
from tenancy.db.router import scope_alias
from tenancy.models import Membership, User
from tests.tenancy.factories import MembershipFactory, UserFactory, make_platform_staff


def _privileged_roles() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE (rolbypassrls OR rolsuper) AND rolname <> current_user")
        return sorted(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.xdist_group("cluster-roles")
def test_the_application_role_cannot_switch_to_any_role_that_bypasses_row_level_security():
    # given every role of the cluster that bypasses row-level security (the owner, the platform role, postgres)
    roles = _privileged_roles()
    assert len(roles) >= 2
    # when injected SQL on the application's connection tries to become one of them
    refused = []
    for role in roles:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {connection.ops.quote_name(role)}")
        except DatabaseError as error:
            refused.append(role if "permission denied" in str(error) else f"{role}: {error}")
    # then each is refused, and the role is a member of none
    assert refused == roles
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = current_user"
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("flag", ["is_superuser", "is_staff"])
def test_the_application_role_cannot_make_anyone_platform_staff(flag):
    # given an ordinary user
    user = UserFactory(email="pat@example.com")
    # when the application's connection sets a platform flag, through the ORM or raw SQL
    with pytest.raises(DatabaseError, match="only the platform"), transaction.atomic():
        User.objects.filter(pk=user.pk).update(**{flag: True})
    with pytest.raises(DatabaseError, match="only the platform"), transaction.atomic():
        connection.cursor().execute(f"UPDATE tenancy_user SET {flag} = true WHERE id = %s", [user.pk])
    # or creates a user that has it
    with pytest.raises(DatabaseError, match="only the platform"), transaction.atomic():
        User.objects.create_user("mallory@example.com", "a-long-passphrase-1", **{flag: True})
    # then nobody is platform staff
    assert not User.objects.filter(**{flag: True}).exists()


@pytest.mark.django_db
def test_the_application_role_cannot_grant_itself_django_permissions():
    # given a user and a permission
    user = UserFactory(email="pat@example.com")
    permission = Permission.objects.first()
    # when the application's connection writes the tables behind Django's permissions
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        user.user_permissions.add(permission)
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
        Permission.objects.filter(pk=permission.pk).update(codename="add_everything")


@pytest.mark.django_db(transaction=True)
def test_platform_code_still_manages_platform_staff_and_users_still_save_whole_rows():
    # given platform staff made on the platform connection
    operator = make_platform_staff("ops@tessera.example")
    user = UserFactory(email="pat@example.com")
    # when the application saves whole rows (what password reset and change do) and the platform demotes
    user.set_password("another-long-passphrase")
    user.save()
    operator.full_name = "Operator"
    operator.save()
    with unscoped():
        User.objects.filter(pk=operator.pk).update(is_staff=False)
    # then all of it went through
    assert User.objects.get(pk=user.pk).check_password("another-long-passphrase")
    assert User.objects.get(pk=operator.pk).full_name == "Operator"
    assert not User.objects.get(pk=operator.pk).is_staff


@pytest.mark.django_db(transaction=True)
def test_unscoped_runs_on_the_platform_connection_and_leaves_the_application_connection_blind(tenant, other_tenant):
    # given a membership in each of two tenants
    MembershipFactory(tenant=tenant)
    MembershipFactory(tenant=other_tenant)
    with unscoped():
        # when platform code lists them, and raw SQL on the application's connection tries the same
        orm_tenants = set(Membership.objects.values_list("tenant_id", flat=True))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tenancy_membership")
            seen_by_application = cursor.fetchone()[0]
        with connections[scope_alias()].cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT tenant_id) FROM tenancy_membership")
            seen_by_platform = cursor.fetchone()[0]
    # then the platform connection sees both tenants, the application's own connection none
    assert scope_alias() == "default"
    assert orm_tenants == {tenant.pk, other_tenant.pk}
    assert seen_by_application == 0
    assert seen_by_platform == 2


@pytest.mark.django_db(transaction=True)
def test_a_row_loaded_unscoped_is_written_back_on_the_application_connection(tenant):
    from django.test.utils import CaptureQueriesContext

    # given a membership of acme, loaded by platform code
    membership = MembershipFactory(tenant=tenant)
    with unscoped():
        loaded = Membership.objects.get(pk=membership.pk)
    assert loaded._state.db == "platform"
    # when it is saved later in acme's scope
    loaded.capacity = 7
    with tenant_context(tenant), CaptureQueriesContext(connection) as on_application_connection:
        loaded.save(update_fields=["capacity"])
    # then the write went through the application's connection, under the tenant policy
    assert any('UPDATE "tenancy_membership"' in query["sql"] for query in on_application_connection)
    with tenant_context(tenant):
        assert Membership.objects.get(pk=membership.pk).capacity == 7


@pytest.mark.django_db
def test_the_session_table_holds_no_key_a_reader_could_replay(tenant, agent):
    from django.conf import settings
    from django.contrib.sessions.models import Session

    from tenancy.sessions import session_digest
    from tests.conftest import PASSWORD, host_client

    # given an agent who signed in with the password
    client = host_client(tenant)
    client.post("/accounts/login/", {"username": agent.user.email, "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # when someone reads the session table
    stored = set(Session.objects.values_list("session_key", flat=True))
    # then the key is not there, only its digest, and the cookie still works
    assert key not in stored
    assert session_digest(key) in stored
    assert client.get("/desk/").status_code == 200
    # and a cookie holding a digest read from the table is nobody's session
    thief = host_client(tenant)
    thief.cookies[settings.SESSION_COOKIE_NAME] = session_digest(key)
    assert thief.get("/desk/").status_code == 302


@pytest.mark.django_db
@pytest.mark.xdist_group("cluster-roles")
def test_the_database_check_refuses_an_application_role_that_can_bypass():
    import os

    import psycopg

    from tenancy.checks import check_application_role_cannot_bypass

    superuser = os.environ.get("DATABASE_SUPERUSER_URL")
    if not superuser:
        pytest.skip("needs the harness's superuser connection (make test)")
    app_role = connection.settings_dict["USER"]
    platform_role = connections["platform"].settings_dict["USER"]
    # given the cluster as provisioned, the check is quiet
    assert check_application_role_cannot_bypass(databases=["default"]) == []
    # when an operator grants the application role a BYPASSRLS role by mistake
    with psycopg.connect(superuser, autocommit=True) as admin:
        admin.execute(f'GRANT "{platform_role}" TO "{app_role}"')
        try:
            found = check_application_role_cannot_bypass(databases=["default"])
        finally:
            admin.execute(f'REVOKE "{platform_role}" FROM "{app_role}"')
    # then the check names it
    assert [error.id for error in found] == ["tenancy.E007"]
    assert platform_role in found[0].msg
