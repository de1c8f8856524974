"""Names of the rows rules refer to, by id, and the reverse (a name an admin typed to its id).

Rules store ids (renaming a queue renames it in every rule); the editor, the ticket panel and the test page show
names. `Names` loads each kind of row once, the first time it is asked (one query per kind, whatever the number
of rules), so a page that describes a hundred rules runs a fixed number of queries."""

from __future__ import annotations

from django.db.models import Model

from tenancy.models import Membership, Skill
from tickets.models import Category, EscalationTier, Organisation, Queue, Team


def _rows(kind: str) -> list[tuple[int, str, Model]]:
    if kind == "queue":
        return [(q.pk, q.name, q) for q in Queue.objects.all()]
    if kind == "category":
        rows = list(Category.objects.select_related("parent"))
        return [(c.pk, f"{c.parent.name} / {c.name}" if c.parent_id else c.name, c) for c in rows]
    if kind == "organisation":
        return [(o.pk, o.name, o) for o in Organisation.objects.all()]
    if kind == "team":
        return [(t.pk, t.name, t) for t in Team.objects.all()]
    if kind == "skill":
        return [(s.pk, s.name, s) for s in Skill.objects.all()]
    if kind == "agent":
        members = Membership.objects.select_related("user").exclude(role="customer")
        return [(m.pk, m.display_name, m) for m in members]
    if kind == "tier":
        return [(t.level, t.name, t) for t in EscalationTier.objects.all()]
    raise KeyError(kind)


class Names:
    """Lazy id -> name (and row) maps per kind of row, loaded once each."""

    def __init__(self) -> None:
        self._loaded: dict[str, dict[int, tuple[str, Model]]] = {}

    def _table(self, kind: str) -> dict[int, tuple[str, Model]]:
        if kind not in self._loaded:
            self._loaded[kind] = {pk: (name, row) for pk, name, row in _rows(kind)}
        return self._loaded[kind]

    def name(self, kind: str, pk: object) -> str:
        found = self._table(kind).get(pk) if isinstance(pk, int) else None
        return found[0] if found else f"(deleted {kind} #{pk})"

    def row(self, kind: str, pk: object) -> Model | None:
        found = self._table(kind).get(pk) if isinstance(pk, int) else None
        return found[1] if found else None

    def find(self, kind: str, text: str) -> int | None:
        """The id of the row named `text` (case-insensitive; an agent also by email); None when there is none."""
        wanted = " / ".join(" ".join(part.split()) for part in text.split("/")).casefold()
        for pk, (name, row) in self._table(kind).items():
            if name.casefold() == wanted:
                return pk
            if kind == "agent" and row.user.email.casefold() == wanted:
                return pk
        return None

    def choices(self, kind: str) -> list[str]:
        return sorted(name for name, _ in self._table(kind).values())
