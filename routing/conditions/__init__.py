"""What a rule can test, declared once in a registry other apps extend (sla registers "inside business hours").

A stored condition is {"field", "op", "value", "negate"}. Each condition type knows how to read an admin's text
into a stored value (`parse`, refusing bad input with a message), how to compile a stored value into a predicate
over `Facts` (once per published version, not per ticket), how to say it in words, and which rows it refers to
(so deleting a queue or a category a rule uses is refused). Predicates read only `Facts`, which the engine builds
from one ticket and the simulator from set-based rows, so both decide alike.

`base` holds the registry and what a type is made of, `pieces` the parsers and words the types share, one module
per family of types registers them, and `stored` reads and compiles one stored condition.
"""

from routing.conditions.base import (
    ALL_FACTS,
    MAX_PATTERN,
    MAX_WORDS,
    PATTERN_MEMORY,
    REGISTRY,
    ConditionType,
    Context,
    Facts,
    Predicate,
    RuleError,
    condition_type,
    register,
)
from routing.conditions.custom_fields import CUSTOM_PREFIX, custom_field_types
from routing.conditions.pieces import compile_pattern, split_list
from routing.conditions.stored import (
    all_types,
    clean_condition,
    compile_condition,
    condition_uses,
    describe_condition,
    fuse_condition,
    lookup,
    show_condition_value,
)

# The editor offers the types in registration order, so the families register in this order, not the alphabet's;
# apps that extend the registry (sla) import this package, so their types come after these.
# isort: off
from routing.conditions import choices  # noqa: F401
from routing.conditions import rows  # noqa: F401
from routing.conditions import addresses  # noqa: F401
from routing.conditions import text  # noqa: F401
from routing.conditions import tags  # noqa: F401
# isort: on

__all__ = [
    "ALL_FACTS",
    "CUSTOM_PREFIX",
    "MAX_PATTERN",
    "MAX_WORDS",
    "PATTERN_MEMORY",
    "REGISTRY",
    "ConditionType",
    "Context",
    "Facts",
    "Predicate",
    "RuleError",
    "all_types",
    "clean_condition",
    "compile_condition",
    "compile_pattern",
    "condition_type",
    "condition_uses",
    "custom_field_types",
    "describe_condition",
    "fuse_condition",
    "lookup",
    "register",
    "show_condition_value",
    "split_list",
]
