"""The hand-off between routing's two halves: the rule engine decides where a ticket goes, then assignment picks
who works it.

`rules_applied` is sent by the rule engine inside its transaction, after the rules for one change-feed entry ran
and their actions were applied through `tickets.services` (also when no rule matched). Receivers run in the same
transaction; a receiver that raises rolls back the routing of that entry, which the feed then retries.

Keyword arguments:
- `ticket`: the Ticket, re-read after the rules' changes (locked by the engine).
- `entry_id`: the change-feed entry being routed (idempotence key).
- `assign`: "strategy" when the ticket should get an agent from its queue's assignment strategy (unassigned and
  nobody chose an assignee explicitly), "none" when it keeps the assignee it has, a person chose one, or a rule
  assigned a named agent.
- `decision`: the rule engine's decision row for this entry (or None when routing had nothing to decide), so an
  assignment decision can point at it.
"""

from django.dispatch import Signal

rules_applied = Signal()
