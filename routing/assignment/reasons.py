"""Assignment decisions in words, for the ticket page: "Least-loaded: Ana had 3 of 10 open, Ben 5 of 10 → Ana".

A decision keeps its members by id; a page of decisions names them all with one more query (`member_names`), so
it costs two whatever the number of decisions or members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.models import AssignmentDecision
from tenancy.models import Membership

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
COUNTED_WORDS = {
    "offline": "offline",
    "away": "away",
    "at_capacity": "at capacity",
    "lacks_skill": "without a required skill",
    "cannot_see": "who cannot see this queue",
}
TRIGGER_WORDS = {
    "agent_online": "when an agent came online",
    "capacity_freed": "when an agent had room again",
}
RECENT = 5
SHOWN = 6  # candidates named in a sentence; the rest are counted
FORMER_MEMBER = "a former member"


@dataclass(frozen=True)
class Reason:
    summary: str
    passed_over: str  # "" or "Passed over: Cy (offline), Dee (at capacity: 10 of 10)"
    when: datetime
    outcome: str


def list_assignment_reasons(ticket_id: int, *, limit: int = RECENT) -> list[Reason]:
    """The ticket's latest assignment decisions in words, newest first."""
    decisions = list(AssignmentDecision.objects.filter(ticket_id=ticket_id).order_by("-created_at", "-id")[:limit])
    names = member_names(decisions)
    return [describe(decision, names) for decision in decisions]


def member_names(decisions: list[AssignmentDecision]) -> dict[int, str]:
    """The current name of every member the decisions mention, in one query."""
    ids = {row["id"] for decision in decisions for row in decision.candidates}
    ids.update(decision.details["after_id"] for decision in decisions if "after_id" in (decision.details or {}))
    if not ids:
        return {}
    members = Membership.objects.filter(pk__in=ids).select_related("user")
    return {member.pk: member.display_name for member in members}


def describe(decision: AssignmentDecision, names: dict[int, str]) -> Reason:
    def named(row: dict) -> str:
        return names.get(row["id"]) or row.get("name") or FORMER_MEMBER

    return Reason(
        summary=_summary(decision, named),
        passed_over=_passed_over(decision, named),
        when=decision.created_at,
        outcome=decision.outcome,
    )


def _summary(decision: AssignmentDecision, named) -> str:
    name = STRATEGY_NAMES.get(decision.strategy, decision.strategy)
    details = decision.details or {}
    if decision.outcome == AssignmentDecision.Outcome.RETURNED:
        owner = named(decision.candidates[0]) if decision.candidates else "The owner"
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
    chosen = next((named(row) for row in decision.candidates if row["id"] == decision.chosen_id), "?")
    # The pickable members beyond the named ones: those the row keeps past SHOWN and those it only counted.
    unnamed = max(len(eligible) - SHOWN, 0) + (details.get("more") or {}).get("eligible", 0)
    if decision.strategy == "round_robin":
        after = named({"id": details["after_id"]}) if "after_id" in details else details.get("after")
        turn = f"next after {after}" if after else "first turn"
        among = ", ".join(named(row) for row in eligible[:SHOWN])
        among += f" and {unnamed} more" if unnamed else ""
        return f"{name}: {turn} among {among} → {chosen}{suffix}"
    ranked = sorted(eligible, key=lambda row: (row["load"], row["id"]))
    loads = [f"{named(row)} had {row['load']} of {row['capacity']} open" for row in ranked[:1]]
    loads += [f"{named(row)} {row['load']} of {row['capacity']}" for row in ranked[1:SHOWN]]
    if unnamed:
        loads.append(f"and {unnamed} more")
    return f"{name}: {', '.join(loads)} → {chosen}{suffix}"


def _passed_over(decision: AssignmentDecision, named) -> str:
    if decision.outcome == AssignmentDecision.Outcome.RETURNED:
        return ""
    parts = []
    for row in decision.candidates:
        skipped = row.get("skipped")
        if not skipped:
            continue
        if skipped == "at_capacity" and row.get("load_capped"):
            parts.append(f"{named(row)} (at capacity: over {row['capacity']} open)")
        elif skipped == "at_capacity":
            parts.append(f"{named(row)} (at capacity: {row['load']} of {row['capacity']})")
        else:
            parts.append(f"{named(row)} ({SKIPPED_WORDS.get(skipped, skipped)})")
    counted = {code: n for code, n in ((decision.details or {}).get("more") or {}).items() if code != "eligible"}
    if counted:
        why = ", ".join(f"{n} {COUNTED_WORDS.get(code, code)}" for code, n in sorted(counted.items()))
        parts.append(f"and {sum(counted.values())} more ({why})")
    return f"Passed over: {', '.join(parts)}" if parts else ""


def _minutes(minutes) -> str:
    if not isinstance(minutes, int):
        return "the tenant's limit"
    if minutes % 60 == 0 and minutes >= 60:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
