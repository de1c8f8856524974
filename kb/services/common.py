"""What every KB service shares: the refusal type, who may edit, the tenant's KB settings, the audit row."""

from __future__ import annotations

from kb.models import Article, ArticleEvent, KbSettings
from kb.search import KNOWN_CONFIGS, config_for_language
from tenancy.context import require_tenant_id
from tenancy.models import Membership, Tenant
from tenancy.roles import Role
from tickets import clock
from tickets.services.events import Actor, ServiceError, require_role


class KbError(ServiceError):
    """A refused change to the knowledge base; the message is meant for the person who tried it."""


def get_settings() -> KbSettings:
    """The tenant's KB settings (created with the defaults on first use)."""
    settings, _ = KbSettings.objects.get_or_create(tenant_id=require_tenant_id())
    return settings


def search_config(settings: KbSettings | None = None) -> str:
    """The tenant's text-search configuration: chosen in the KB settings, else from its language."""
    settings = settings or get_settings()
    if settings.search_config in KNOWN_CONFIGS:
        return settings.search_config
    language = Tenant.objects.filter(pk=require_tenant_id()).values_list("default_language", flat=True).first()
    return config_for_language(language or "")


def may_edit(member: Membership | None, settings: KbSettings | None = None) -> bool:
    """Editors: supervisors and admins, and agents where the tenant allows it."""
    if member is None or not member.is_staff_member:
        return False
    if member.has_role(Role.SUPERVISOR):
        return True
    return (settings or get_settings()).agents_may_edit


def require_editor(actor: Actor) -> Membership:
    member = require_role(actor, Role.AGENT, "Only editors can change articles.")
    if not may_edit(member):
        raise KbError("Only editors can change articles: ask a supervisor, or an admin to let agents edit.")
    return member


def record(article: Article, *, kind: str, actor: Membership | None, version: int | None = None) -> ArticleEvent:
    return ArticleEvent.objects.create(
        article=article, kind=kind, membership=actor, version=version, created_at=clock.now()
    )
