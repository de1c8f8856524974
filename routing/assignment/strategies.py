"""The strategies, as pure choices over locked candidates (routing.assignment.candidates): no queries here, so each
is tested on plain lists and the services decide what is locked and written.

- manual: nobody is picked; agents claim tickets from the queue.
- round robin: the next eligible member after the one picked last in this queue, in id order, wrapping around.
  A member skipped (offline, at capacity) loses only the turn they could not take.
- least loaded: the eligible member with the fewest open tickets (ties: the lower id, a stable order).
- skill based: among the eligible members holding every skill the ticket requires, the least loaded.
"""

from __future__ import annotations

from routing.assignment.candidates import Candidate
from tickets.models import Queue

MANUAL = Queue.Strategy.MANUAL
ROUND_ROBIN = Queue.Strategy.ROUND_ROBIN
LEAST_LOADED = Queue.Strategy.LEAST_LOADED
SKILL_BASED = Queue.Strategy.SKILL_BASED
AUTOMATIC = frozenset({ROUND_ROBIN, LEAST_LOADED, SKILL_BASED})


def round_robin(candidates: list[Candidate], *, last_member_id: int | None) -> Candidate | None:
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        return None
    if last_member_id is not None:
        for candidate in eligible:
            if candidate.member.pk > last_member_id:
                return candidate
    return eligible[0]


def least_loaded(candidates: list[Candidate]) -> Candidate | None:
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        return None
    return min(eligible, key=lambda c: c.load_order)


def skill_based(candidates: list[Candidate]) -> Candidate | None:
    # Members without a required skill are already skipped ("lacks_skill") by the candidate list.
    return least_loaded(candidates)
