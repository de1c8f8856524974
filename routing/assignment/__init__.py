"""Assignment: the queue strategies (manual, round robin, least loaded, skill based), the candidates they pick
from, and the decisions they record. The rule engine hands over through routing.signals.rules_applied."""
