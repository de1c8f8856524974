"""Custom ticket fields: tenant-defined fields (tickets.models.CustomField) and their values on each ticket.

Storage: one JSONB column, `Ticket.custom_fields`, {field key: typed JSON value}:

    text, long text  -> string          number   -> JSON number (int, or a float of at most 15 digits)
    date             -> "YYYY-MM-DD"    checkbox -> true (unticked: no key)
    choice           -> the choice's code           multi-choice -> list of codes, in the field's order

An empty value is no key at all (never null or ""), so "has a value" is `custom_fields ? key` and every stored
value is one the validation accepted. Why one column rather than a typed value table: a ticket's fields are read
with the ticket (no join, no N+1 on lists, the API and webhooks), a change is one row update under the
ticket's lock, and one GIN index (tenant_id, custom_fields jsonb_path_ops), led by the tenant, serves equality
filters on every field of every tenant by containment (`custom_fields @> '{"product": "cloud"}'`) without DDL
per field. Ranges on numbers and dates use key lookups (`(custom_fields -> 'n') >= '5'`), unindexed: they narrow
lists already cut by queue and status. SQLite (the demo) has no containment: the same filters run as key
lookups there (tickets.custom_fields.queries decides per database), with the same results.

One place for each concern:
- definitions: the tenant's fields, cached (tickets.custom_fields.definitions);
- validation: every value on every path, and what is required when (tickets.custom_fields.validation);
- writes: only the ticket services (`create_ticket`, `update_ticket` -> tickets.services.field_values), each
  change audited as a `custom_field_changed` TicketEvent with the field key and codes (text values are not
  copied into the trail), so the change feed and webhooks carry it;
- filters and sorting: tickets.custom_fields.queries (queue filters, saved views, the registry);
- routing conditions and report groupings: tickets.custom_fields.registry.
"""
