"""What apps above tenancy show on a member's settings page, through their `tenant_hooks` (tenancy/hooks.py):

- `open_work_of(membership)` -> MemberWork: the member's open work (tickets: their open tickets), listed when an
  admin deactivates them; `hand_over_open_work(membership, *, to, actor)` then hands it to `to` (or back to its
  queue when None), called by `tenancy.services.deactivate_member` in its transaction;
- `member_panels(membership)` -> list of MemberPanel: what else the app keeps about the member (tickets: their
  teams, edited on the teams page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tenancy.hooks import each_hook
from tenancy.models import Membership


@dataclass(frozen=True)
class WorkItem:
    label: str
    url: str


@dataclass(frozen=True)
class MemberWork:
    title: str
    items: list[WorkItem]
    total: int  # may be more than the items shown


@dataclass(frozen=True)
class MemberPanel:
    title: str
    lines: list[str] = field(default_factory=list)
    empty: str = "None."
    url: str = ""
    link: str = ""


def open_work_of(membership: Membership) -> list[MemberWork]:
    return [work for hook in each_hook("open_work_of") if (work := hook(membership)) is not None and work.total]


def member_panels(membership: Membership) -> list[MemberPanel]:
    return [panel for hook in each_hook("member_panels") for panel in hook(membership)]
