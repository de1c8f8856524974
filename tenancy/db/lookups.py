"""Lookups that shape how a value reaches PostgreSQL.

GreaterThanConstant writes its constant into the SQL instead of sending it as a parameter.

The application prepares its statements (config.settings: DATABASE_PREPARE_THRESHOLD), and PostgreSQL may then
run one generic plan for every value of the parameters. A generic plan cannot use a partial index whose
condition compares a column with a constant when the query compares it with a parameter: the planner cannot
prove that "$1" is that constant. The escalated tickets' list then read every open ticket of the tenant (28 ms
instead of 2 at a million tickets). Written into the SQL, the condition matches the index's.
"""

from __future__ import annotations

from django.db.models.lookups import GreaterThan, In


class GreaterThanConstant(GreaterThan):
    """`GreaterThanConstant(F("escalation_level"), 0)`: `escalation_level > 0`, the integer in the SQL."""

    def process_rhs(self, compiler, connection):
        constant = getattr(self.rhs, "value", self.rhs)  # used as an expression, the constant comes as a Value
        return str(int(constant)), []


class AnyOf(In):
    """`AnyOf(F("ticket_id"), ids)`: on PostgreSQL `ticket_id = ANY(%s)`, the ids as one array parameter.

    A list of a thousand ids written as `IN (%s, %s, ...)` cost about 9 ms per statement to convert and plan
    (an agent's own due list reads three statements over their open tickets); one array is one parameter, and
    one statement text whatever the count, so it is prepared once. Other databases get the plain IN."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Typed as the column: psycopg sends small ints as an int4[], and bigint = ANY(int4[]) is tested element by
        # element on every row (150 ms for 1,500 ids over 23,000 rows) where the same-type array is hashed (3 ms).
        array = f"{self.lhs.output_field.cast_db_type(connection)}[]"
        return f"{lhs} = ANY(%s::{array})", (*lhs_params, list(self.rhs))
