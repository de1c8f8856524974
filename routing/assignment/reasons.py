"""Assignment decisions in words, for the ticket page: "Least-loaded: Ana had 3 of 10 open, Ben 5 of 10 → Ana".

Reads only the decision row (names were copied into it), so a page of decisions costs one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.models import AssignmentDecision

STRATEGY_NAMES = {
    "manual": "Manual",
    "round_robin": "Round robin",
    "least_loaded": "Least-loaded",
    "skill_based": "Skill-based",
}
SKIPPED_WORDS = {
    "offline": "offline",
    "away": "away",
    "lacks_skill": "lacks a required skill",
    "cannot_see": "cannot see this queue",
}
TRIGGER_WORDS = {
    "agent_online": "when an agent came online",
    "capacity_freed": "when an agent had room again",
}
RECENT = 5
SHOWN = 6  # candidates named in a sentence; the rest are counted


@dataclass(frozen=True)
class Reason:
    summary: str
    passed_over: str  # "" or "Passed over: Cy (offline), Dee (at capacity: 10 of 10)"
    when: datetime
    outcome: str


def list_assignment_reasons(ticket_id: int, *, limit: int = RECENT) -> list[Reason]:
    """The ticket's latest assignment decisions in words, newest first."""
    decisions = AssignmentDecision.objects.filter(ticket_id=ticket_id).order_by("-created_at", "-id")[:limit]
    return [describe(decision) for decision in decisions]


def describe(decision: AssignmentDecision) -> Reason:
    return Reason(
        summary=_summary(decision),
        passed_over=_passed_over(decision),
        when=decision.created_at,
        outcome=decision.outcome,
    )


def _summary(decision: AssignmentDecision) -> str:
    name = STRATEGY_NAMES.get(decision.strategy, decision.strategy)
    details = decision.details or {}
    if decision.outcome == AssignmentDecision.Outcome.RETURNED:
        owner = decision.candidates[0]["name"] if decision.candidates else "The owner"
        minutes = details.get("offline_minutes")
        return f"Returned to the queue: {owner} was offline for more than {_minutes(minutes)}."
    if decision.strategy == "manual":
        return "Manual queue: waits for an agent to claim it."
    if decision.strategy == "skill_based":
        skills = details.get("skills") or []
        name = f"{name} (needs {', '.join(skills)})" if skills else f"{name} (no skills required)"
    eligible = [row for row in decision.candidates if not row.get("skipped")]
    when = TRIGGER_WORDS.get(decision.trigger)
    suffix = f", {when}" if when else ""
    if decision.outcome == AssignmentDecision.Outcome.WAITING or decision.chosen_id is None:
        if not decision.candidates:
            return f"{name}: nobody in the queue's team → waits unassigned."
        return f"{name}: nobody available with room → waits unassigned until an agent comes online or has room."
    chosen = next((row["name"] for row in decision.candidates if row["id"] == decision.chosen_id), "?")
    if decision.strategy == "round_robin":
        after = details.get("after")
        turn = f"next after {after}" if after else "first turn"
        among = ", ".join(row["name"] for row in eligible[:SHOWN])
        among += f" and {len(eligible) - SHOWN} more" if len(eligible) > SHOWN else ""
        return f"{name}: {turn} among {among} → {chosen}{suffix}"
    ranked = sorted(eligible, key=lambda row: (row["load"], row["id"]))
    loads = [f"{row['name']} had {row['load']} of {row['capacity']} open" for row in ranked[:1]]
    loads += [f"{row['name']} {row['load']} of {row['capacity']}" for row in ranked[1:SHOWN]]
    if len(ranked) > SHOWN:
        loads.append(f"and {len(ranked) - SHOWN} more")
    return f"{name}: {', '.join(loads)} → {chosen}{suffix}"


def _passed_over(decision: AssignmentDecision) -> str:
    if decision.outcome == AssignmentDecision.Outcome.RETURNED:
        return ""
    parts = []
    for row in decision.candidates:
        skipped = row.get("skipped")
        if not skipped:
            continue
        if skipped == "at_capacity" and row.get("load_capped"):
            parts.append(f"{row['name']} (at capacity: over {row['capacity']} open)")
        elif skipped == "at_capacity":
            parts.append(f"{row['name']} (at capacity: {row['load']} of {row['capacity']})")
        else:
            parts.append(f"{row['name']} ({SKIPPED_WORDS.get(skipped, skipped)})")
    return f"Passed over: {', '.join(parts)}" if parts else ""


def _minutes(minutes) -> str:
    if not isinstance(minutes, int):
        return "the tenant's limit"
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
