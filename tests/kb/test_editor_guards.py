"""Who may change articles: editors only (supervisors and admins, and agents where an admin allows it), on every
page and the API that changes an existing article or category, whatever the page shows.

The article (or category) exists in the tenant and an admin changing it the same way is the control, so only
the editor check (kb.views.desk._refuse_non_editor, kb.services.common.require_editor) can refuse the agent."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kb import services
from kb.models import Article, ArticleImage, ArticleStatus, KbCategory
from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client
from tickets.services.api_keys import create_api_key

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture
def guide(tenant, admin):
    """A draft article in its second version, and a category: what an agent who may not edit tries to change."""
    with tenant_context(tenant):
        article = services.create_article(actor=admin, title="Refunds", body_markdown="first")
        article = services.update_article(article_id=article.pk, actor=admin, title="Refunds", body_markdown="second")
        category = services.save_category(actor=admin, name="Billing", slug="billing")
    return {"article": article, "category": category}


def _state(tenant, guide) -> tuple:
    with tenant_context(tenant):
        article = Article.objects.get(pk=guide["article"].pk)
        category = KbCategory.objects.get(pk=guide["category"].pk)
        return article.title, article.body_markdown, article.status, article.version, category.name


def _changes(guide) -> dict[str, tuple[str, dict]]:
    """Each change an editor makes to the existing article or category: URL and form."""
    pk, category = guide["article"].pk, guide["category"].pk
    return {
        "edit": (f"/desk/kb/articles/{pk}/edit/", {"title": "Hijacked", "body_markdown": "pwned",
                                                   "visibility": "public", "based_on_version": 2}),
        "publish": (f"/desk/kb/articles/{pk}/status/", {"action": "publish"}),
        "archive": (f"/desk/kb/articles/{pk}/status/", {"action": "archive"}),
        "restore": (f"/desk/kb/articles/{pk}/versions/1/restore/", {}),
        "category": (f"/desk/kb/categories/{category}/", {"name": "Hijacked", "slug": "billing", "position": 0}),
    }  # fmt: skip


@pytest.mark.parametrize("change", ["edit", "publish", "archive", "restore", "category"])
def test_agent_who_may_not_edit_changes_no_existing_article(tenant, admin, agent, guide, change):
    # given an article and a category, in a tenant whose agents may not edit
    url, form = _changes(guide)[change]
    before = _state(tenant, guide)
    # when an agent posts the change
    response = host_client(tenant, agent).post(url, form)
    # then it is refused (a 403, or the service's refusal as a message) and nothing changed
    assert response.status_code in (302, 403)
    assert _state(tenant, guide) == before
    # while the same change by an admin goes through
    host_client(tenant, admin).post(url, form)
    assert _state(tenant, guide) != before


def test_agent_who_may_not_edit_uploads_no_image_to_an_article(tenant, admin, agent, guide, settings, tmp_path):
    # given an existing article
    settings.MEDIA_ROOT = tmp_path
    upload = {"article": guide["article"].pk}
    # when an agent uploads an image to it
    attempt = {**upload, "image": SimpleUploadedFile("a.png", PNG)}
    response = host_client(tenant, agent).post("/desk/kb/images/", attempt)
    # then it is refused and no image is stored; an admin's upload is
    assert response.status_code == 403
    with tenant_context(tenant):
        assert not ArticleImage.objects.exists()
    admin_upload = {**upload, "image": SimpleUploadedFile("a.png", PNG)}
    assert host_client(tenant, admin).post("/desk/kb/images/", admin_upload).status_code == 200


@pytest.mark.parametrize(("key_role", "refused"), [(Role.AGENT, True), (Role.SUPERVISOR, False)])
def test_api_key_of_agent_role_changes_no_article(tenant, admin, guide, key_role, refused):
    # given an admin's key capped at the agent role (the creator is an editor, the key is not), and an editor's
    with tenant_context(tenant):
        _, plaintext = create_api_key(actor=admin, name="Docs sync", role=key_role)
    client = Client(HTTP_HOST=tenant.host, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    before = _state(tenant, guide)
    # when the key puts a new version of the article
    response = client.put(
        f"/api/v1/kb/articles/{guide['article'].slug}/",
        {"title": "Hijacked", "body_markdown": "pwned", "based_on_version": 2, "status": ArticleStatus.PUBLISHED},
        content_type="application/json",
    )
    # then the agent key is refused and the article is as it was; the supervisor key changes it
    assert (response.status_code == 400, _state(tenant, guide) == before) == (refused, refused)
