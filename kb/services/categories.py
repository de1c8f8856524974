"""Help-centre categories: two levels, kept by editors."""

from __future__ import annotations

from django.db import transaction

from kb.models import KbCategory
from kb.services.common import KbError, require_editor
from tenancy.models import ensure_same_tenant
from tickets.models import Category
from tickets.services.events import Actor


def save_category(
    *,
    actor: Actor,
    name: str,
    slug: str,
    description: str = "",
    parent: KbCategory | None = None,
    position: int = 0,
    ticket_category: Category | None = None,
    category: KbCategory | None = None,
) -> KbCategory:
    """Create a category, or change `category`. A category with topics stays top-level; a topic's parent is a
    top-level category (two levels at most)."""
    require_editor(actor)
    ensure_same_tenant(parent, ticket_category, category)
    if parent is not None and (parent.parent_id is not None or (category is not None and parent.pk == category.pk)):
        raise KbError("Choose a top-level section as the parent (two levels at most).")
    if parent is not None and category is not None and category.children.exists():
        raise KbError("This section has topics of its own, so it stays top-level.")
    with transaction.atomic():
        category = category or KbCategory()
        category.name, category.slug, category.description = name.strip(), slug, description.strip()
        category.parent, category.position, category.ticket_category = parent, position, ticket_category
        category.save()
    return category
