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
    """The tenant's KB settings, created on first use with the search language taken from the tenant's language
    then. It stays fixed afterwards (every article's vector is built in it) until an admin changes it in the KB
    settings, which re-indexes the articles (`save_settings`)."""
    tenant_id = require_tenant_id()
    settings = KbSettings.objects.filter(tenant_id=tenant_id).first()
    if settings is None:
        language = Tenant.objects.filter(pk=tenant_id).values_list("default_language", flat=True).first()
        settings, _ = KbSettings.objects.get_or_create(
            tenant_id=tenant_id, defaults={"search_config": config_for_language(language or "")}
        )
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


def save_settings(*, actor: Actor, agents_may_edit: bool, search_config: str) -> KbSettings:
    """Admins choose whether agents edit and the search language; a new language re-indexes every article."""
    from django.db import transaction

    require_role(actor, Role.ADMIN, "Only admins can change the knowledge-base settings.")
    if search_config and search_config not in KNOWN_CONFIGS:
        raise KbError("Choose one of the search languages offered.")
    with transaction.atomic():
        settings = get_settings()
        settings.agents_may_edit, settings.search_config = agents_may_edit, search_config
        settings.save(update_fields=["agents_may_edit", "search_config"])
        # The trigger rebuilds each vector in the new configuration; searches use it from now on.
        Article.objects.exclude(search_config=_config_of(settings)).update(search_config=_config_of(settings))
    return settings


def _config_of(settings: KbSettings) -> str:
    return search_config(settings)
