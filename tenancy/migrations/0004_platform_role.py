"""Platform-staff flags only the platform role (or the owner) can set; a user's tenants without the bypass role.

The application role must save whole user rows (password reset and change do), so a column privilege cannot
protect `is_staff` and `is_superuser` while its table-level UPDATE grant stands. This trigger refuses, for any
role that cannot bypass row-level security (the application role), an insert with either flag set and an update
that changes either one: an SQL injection cannot make anyone platform staff. The platform admin runs on the
platform connection, whose role is BYPASSRLS, and `createsuperuser` runs as the owner.

`tenancy_user_tenant_ids` answers one narrow cross-tenant question for the application role, ids only: the
tenants a user belongs to, whose cached lists name that user (tickets.picklists forgets them when the user is
renamed). It runs as its owner, which bypasses row-level security.
"""

from django.db import migrations

from tenancy.migration_ops import PostgresSQL

GUARD = """
CREATE OR REPLACE FUNCTION tenancy_user_platform_flags_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND (NEW.is_staff OR NEW.is_superuser) THEN
        RAISE EXCEPTION 'only the platform may create platform staff' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'UPDATE' AND (NEW.is_staff IS DISTINCT FROM OLD.is_staff
                             OR NEW.is_superuser IS DISTINCT FROM OLD.is_superuser) THEN
        RAISE EXCEPTION 'only the platform may change platform staff' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS platform_flags_guard ON tenancy_user;
CREATE TRIGGER platform_flags_guard BEFORE INSERT OR UPDATE ON tenancy_user
    FOR EACH ROW EXECUTE FUNCTION tenancy_user_platform_flags_guard();
"""

USER_TENANTS = """
CREATE OR REPLACE FUNCTION tenancy_user_tenant_ids(p_user_id bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id FROM tenancy_membership WHERE user_id = p_user_id
$$;
"""

UNGUARD = """
DROP TRIGGER IF EXISTS platform_flags_guard ON tenancy_user;
DROP FUNCTION IF EXISTS tenancy_user_platform_flags_guard();
DROP FUNCTION IF EXISTS tenancy_user_tenant_ids(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0003_tenant_allowed_attachment_kinds")]

    operations = [PostgresSQL(GUARD + USER_TENANTS, UNGUARD)]
