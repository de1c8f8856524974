"""The receiver of the rule engine's hand-off (connected in RoutingConfig.ready)."""

from __future__ import annotations

from routing.assignment.services import ROUTED, assign_by_strategy


def on_rules_applied(sender, *, ticket, entry_id, assign, decision=None, **kwargs) -> None:
    """When the rules leave the choice to the queue's strategy, assign by it, in the rule engine's transaction (a
    failure rolls the routing of the entry back, and the feed hands it over again)."""
    if assign != "strategy":
        return
    assign_by_strategy(ticket=ticket, trigger=ROUTED, entry_id=entry_id, rule_decision_id=getattr(decision, "pk", None))
