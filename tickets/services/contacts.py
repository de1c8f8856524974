from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connections
from django.db.models import signals

from tenancy.db.router import scope_alias
from tickets.models import Contact, Organisation
from tickets.services.events import ServiceError
from tickets.services.opening import insert_sql


def get_or_create_contact(
    *, email: str = "", name: str = "", phone: str = "", organisation: Organisation | None = None
) -> Contact:
    """The contact with this email in the tenant in scope, or a new one (a phone-only contact needs a phone)."""
    email = check_contact_address(email=email, phone=phone)
    new = Contact(email=email or None, name=name.strip()[:200], phone=phone.strip()[:40], organisation=organisation)
    if not email:
        new.save(force_insert=True)
        return new
    contact, created = _found_or_inserted(new)
    return contact if created else fill_contact_name(contact=contact, name=name)


# The columns a found contact is read with: all but the search words, which only the search box reads (in SQL).
_READ = [field for field in Contact._meta.concrete_fields if field.attname != "search_vector"]


def _found_or_inserted(new: Contact) -> tuple[Contact, bool]:
    """The tenant's contact with `new`'s address, else `new` inserted; and whether it was inserted.

    On PostgreSQL one statement inserts the row unless the address is taken and reads the one that holds it:
    every portal submission and mailed-in request from a new address paid a SELECT and an INSERT through the ORM
    (two round trips, ~0.5 ms of Python), and every known address a SELECT. It also answers the race the two
    statements lost: a concurrent submission from the same new address finds the other's row instead of failing
    on the unique key. A skipped insert uses up a number of the id sequence (harmless: ids are never shown).
    Elsewhere (SQLite, the demo) it is the ORM's lookup and insert, as before."""
    new.take_scope_tenant()
    alias = scope_alias()
    connection = connections[alias]
    if connection.vendor != "postgresql":
        found = Contact.objects.filter(email=new.email).first()
        if found is not None:
            return found, False
        new.save(force_insert=True, using=alias)
        return new, True
    signals.pre_save.send(sender=Contact, instance=new, raw=False, using=alias, update_fields=None)
    insert, params = insert_sql(connection, new)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in _READ)
    # The SELECT reads the statement's snapshot, which never holds the row the INSERT adds: one of the two answers
    # at most. Only column names, the compiler's placeholders and fixed SQL are joined; every value is a parameter.
    made = f"{insert} ON CONFLICT ON CONSTRAINT contact_tenant_email DO NOTHING RETURNING {columns}"
    found = f"SELECT false, {columns} FROM {quote(Contact._meta.db_table)} WHERE tenant_id = %s AND email = %s"  # noqa: S608
    sql = f"WITH made AS ({made}) SELECT true, {columns} FROM made UNION ALL {found}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, new.tenant_id, new.email])
        row = cursor.fetchone()
    if row is None:  # another transaction committed the address after this statement began: read it now
        return Contact.objects.get(email=new.email), False
    if not row[0]:
        return Contact.from_db(alias, [field.attname for field in _READ], row[1:]), False
    new.pk = row[1]
    new._state.adding, new._state.db = False, alias
    signals.post_save.send(sender=Contact, instance=new, created=True, update_fields=None, raw=False, using=alias)
    return new, True


def check_contact_address(*, email: str = "", phone: str = "") -> str:
    """get_or_create_contact's refusals, for a caller that must make them before it writes (the portal); the
    address as it is looked up."""
    email = email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ServiceError(f"“{email}” is not a valid email address.") from error
    elif not phone.strip():
        raise ServiceError("A contact needs an email address or a phone number.")
    return email


def fill_contact_name(*, contact: Contact, name: str) -> Contact:
    """Give a contact known only by its address (first seen in a mail's To or Cc) the name it later writes
    under; a name it already has is never replaced (an agent may have corrected it)."""
    name = " ".join(name.split())[:200]
    if name and not contact.name:
        contact.name = name
        contact.save(update_fields=["name"])
    return contact
