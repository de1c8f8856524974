"""PostgreSQL backend that carries the tenant scope into every transaction (see tenancy.db.scope)."""

from django.db import transaction
from django.db.backends.postgresql import base

from tenancy.context import current_scope
from tenancy.db.postgresql.adapters import quicker
from tenancy.db.scope import apply_scope


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._run_scoped_in_transaction)

    def get_connection_params(self):
        params = super().get_connection_params()
        if "context" in params:  # psycopg 3
            params["context"] = quicker(params["context"], self.timezone)
        return params

    def set_autocommit(self, autocommit, force_begin_transaction_with_broken_autocommit=False):
        super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
        if not autocommit and current_scope() is not None:
            apply_scope(self)

    def _run_scoped_in_transaction(self, execute, sql, params, many, context):
        # Outside a transaction a per-transaction setting would be gone before the query ran.
        if current_scope() is not None and self.get_autocommit():
            with transaction.atomic(using=self.alias):
                return execute(sql, params, many, context)
        return execute(sql, params, many, context)
