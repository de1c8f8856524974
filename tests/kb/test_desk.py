"""The staff's KB pages and the agent's side of a ticket: list (fixed queries), editor and preview, versions,
publishing, numbers for supervisors, suggestions on a ticket, an article put into a reply, outdated flags,
a draft from a ticket, images."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kb import services
from kb.models import Article, ArticleImage, ArticleStatus, ReviewRequest, TicketArticleLink, Visibility
from tenancy.context import tenant_context
from tests.conftest import count_queries, host_client
from tests.kb.factories import ArticleFactory, ArticleVersionFactory, KbCategoryFactory
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_kb_home_runs_a_fixed_number_of_queries(tenant, admin):
    # given a few articles, then many more, with categories and authors
    section = KbCategoryFactory(tenant=tenant)
    topic = KbCategoryFactory(tenant=tenant, parent=section)
    client = host_client(tenant, admin)

    def add(n):
        for _ in range(n):
            ArticleFactory(tenant=tenant, category=topic, author=admin)

    add(2)
    client.get("/desk/kb/")  # the first visit creates the tenant's KB settings row
    few = count_queries(client, "/desk/kb/")
    add(20)
    many = count_queries(client, "/desk/kb/")
    # then the page's queries do not grow with the rows
    assert few == many


def test_kb_home_shows_internal_and_drafts_to_staff(tenant, agent, other_tenant):
    ArticleFactory(tenant=tenant, title="Internal playbook", visibility=Visibility.INTERNAL)
    ArticleFactory(tenant=tenant, title="Half written", status=ArticleStatus.DRAFT)
    ArticleFactory(tenant=other_tenant, title="Globex secret")
    page = host_client(tenant, agent).get("/desk/kb/").text
    assert "Internal playbook" in page and "Half written" in page and "Globex secret" not in page


def test_kb_pages_are_not_for_customers(tenant, customer):
    assert host_client(tenant, customer).get("/desk/kb/").status_code == 404


def test_editor_creates_and_publishes_an_article(tenant, supervisor):
    client = host_client(tenant, supervisor)
    response = client.post("/desk/kb/new/", {"title": "Export in Firefox", "body_markdown": "Use **Chrome**.",
                                             "visibility": "public", "tags": "export, firefox",
                                             "action": "publish"})  # fmt: skip
    with tenant_context(tenant):
        article = Article.objects.get()
        tags = sorted(article.tags.values_list("name", flat=True))
    assert response.status_code == 302 and response["Location"] == f"/desk/kb/articles/{article.pk}/edit/"
    assert article.status == "published" and tags == ["export", "firefox"]
    assert client.get(f"/desk/kb/articles/{article.pk}/edit/").status_code == 200


def test_editor_refuses_agents_unless_allowed(tenant, agent):
    client = host_client(tenant, agent)
    assert "Only editors write articles" in client.get("/desk/kb/new/").text
    assert client.post("/desk/kb/new/", {"title": "x", "visibility": "public"}).status_code == 403


def test_editor_bad_input_is_shown_not_a_500(tenant, admin):
    response = host_client(tenant, admin).post("/desk/kb/new/", {"title": "", "visibility": "secret"})
    assert response.status_code == 400


def test_editor_preview_is_sanitised(tenant, admin):
    response = host_client(tenant, admin).post("/desk/kb/preview/", {"body_markdown": "# Hi\n\n<script>x</script>"})
    assert "<h1>Hi</h1>" in response.text and "<script>" not in response.text


def test_versions_page_restores_an_old_version(tenant, admin):
    with tenant_context(tenant):
        article = services.create_article(actor=admin, title="Refunds", body_markdown="first")
        services.update_article(article_id=article.pk, actor=admin, title="Refunds", body_markdown="second")
    client = host_client(tenant, admin)
    assert "v2" in client.get(f"/desk/kb/articles/{article.pk}/versions/").text
    assert "first" in client.get(f"/desk/kb/articles/{article.pk}/versions/1/").text
    response = client.post(f"/desk/kb/articles/{article.pk}/versions/1/restore/")
    assert response.status_code == 302
    with tenant_context(tenant):
        article.refresh_from_db()
    assert (article.body_markdown, article.version) == ("first", 3)


def test_version_of_another_article_is_not_found(tenant, admin):
    one, two = ArticleFactory(tenant=tenant), ArticleFactory(tenant=tenant)
    ArticleVersionFactory(tenant=tenant, article=two, number=1)
    assert host_client(tenant, admin).get(f"/desk/kb/articles/{one.pk}/versions/1/").status_code == 404


def test_article_status_publish_and_unpublish(tenant, admin):
    article = ArticleFactory(tenant=tenant, status=ArticleStatus.DRAFT)
    client = host_client(tenant, admin)
    client.post(f"/desk/kb/articles/{article.pk}/status/", {"action": "publish"})
    with tenant_context(tenant):
        assert Article.objects.get().status == "published"
    client.post(f"/desk/kb/articles/{article.pk}/status/", {"action": "unpublish"})
    with tenant_context(tenant):
        assert Article.objects.get().status == "draft"
    assert client.post(f"/desk/kb/articles/{article.pk}/status/", {"action": "explode"}).status_code == 302


def test_stats_page_for_supervisors_only(tenant, supervisor, agent):
    assert host_client(tenant, supervisor).get("/desk/kb/stats/").status_code == 200
    assert host_client(tenant, agent).get("/desk/kb/stats/").status_code == 403


def test_stats_admin_lets_agents_edit(tenant, admin, agent):
    host_client(tenant, admin).post("/desk/kb/stats/", {"agents_may_edit": "on", "search_config": "english"})
    assert host_client(tenant, agent).get("/desk/kb/new/").status_code == 200


def test_review_list_shows_flagged_articles(tenant, admin):
    article = ArticleFactory(tenant=tenant, title="Old prices", author=admin)
    with tenant_context(tenant):
        services.flag_outdated(article_id=article.pk, actor=admin, note="Prices went up")
    page = host_client(tenant, admin).get("/desk/kb/review/?mine=1").text
    assert "Old prices" in page and "Prices went up" in page


def test_categories_page_adds_two_levels_only(tenant, admin):
    client = host_client(tenant, admin)
    client.post("/desk/kb/categories/", {"name": "Billing", "slug": "billing", "position": 0})
    with tenant_context(tenant):
        from kb.models import KbCategory

        billing = KbCategory.objects.get()
    client.post("/desk/kb/categories/", {"name": "Refunds", "slug": "refunds", "parent": billing.pk, "position": 0})
    with tenant_context(tenant):
        refunds = KbCategory.objects.get(slug="refunds")
    response = client.post("/desk/kb/categories/", {"name": "Deep", "slug": "deep", "parent": refunds.pk,
                                                    "position": 0})  # fmt: skip
    assert response.status_code == 400


# --- On a ticket -----------------------------------------------------------------------------------------------


@pytest.fixture
def kb_ticket(tenant, new_ticket):
    return new_ticket(subject="Webhook deliveries failing", body="Our webhook endpoint gets no deliveries.")


def test_ticket_page_includes_the_kb_panel(tenant, agent, kb_ticket):
    page = host_client(tenant, agent).get(f"/desk/tickets/{kb_ticket.number}/").text
    assert f"/desk/kb/tickets/{kb_ticket.number}/suggestions/" in page


def test_ticket_suggestions_offer_published_articles_staff_may_read(tenant, other_tenant, agent, kb_ticket):
    ArticleFactory(tenant=tenant, title="Webhook retries", body_markdown="Deliveries are retried.")
    ArticleFactory(tenant=tenant, title="Webhook secrets (internal)", visibility=Visibility.INTERNAL)
    ArticleFactory(tenant=tenant, title="Webhook draft", status=ArticleStatus.DRAFT)
    ArticleFactory(tenant=other_tenant, title="Webhook at Globex")
    page = host_client(tenant, agent).get(f"/desk/kb/tickets/{kb_ticket.number}/suggestions/").text
    assert "Webhook retries" in page and "Webhook secrets (internal)" in page
    assert "Webhook draft" not in page and "Webhook at Globex" not in page
    assert 'data-kb-insert="link"' in page


def test_ticket_link_records_the_article_on_the_ticket(tenant, agent, kb_ticket):
    article = ArticleFactory(tenant=tenant, title="Webhook retries")
    response = host_client(tenant, agent).post(f"/desk/kb/tickets/{kb_ticket.number}/link/",
                                               {"article": article.pk, "as": "link"})  # fmt: skip
    assert response.status_code == 200 and response.json()["recorded"]
    with tenant_context(tenant):
        event = TicketEvent.objects.get(ticket=kb_ticket, kind="kb_article_linked")
        assert (event.new_value, event.field) == (str(article.pk), "link")
        assert TicketArticleLink.objects.get().article_id == article.pk


def test_ticket_link_refuses_another_tenants_article(tenant, other_tenant, agent, kb_ticket):
    foreign = ArticleFactory(tenant=other_tenant)
    response = host_client(tenant, agent).post(f"/desk/kb/tickets/{kb_ticket.number}/link/", {"article": foreign.pk})
    assert response.status_code == 404


def test_ticket_flag_puts_the_article_on_its_review_list(tenant, agent, kb_ticket):
    article = ArticleFactory(tenant=tenant)
    host_client(tenant, agent).post(f"/desk/kb/tickets/{kb_ticket.number}/flag/",
                                    {"article": article.pk, "note": "The retry window changed"})  # fmt: skip
    with tenant_context(tenant):
        review = ReviewRequest.objects.get()
        assert (review.ticket_id, review.note, review.reason) == (kb_ticket.pk, "The retry window changed", "outdated")


def test_ticket_draft_creates_an_internal_draft_without_personal_data(tenant, admin, kb_ticket):
    response = host_client(tenant, admin).post(f"/desk/kb/tickets/{kb_ticket.number}/draft/")
    with tenant_context(tenant):
        article = Article.objects.get()
    assert response["Location"] == f"/desk/kb/articles/{article.pk}/edit/"
    assert (article.status, article.visibility) == ("draft", "internal")
    assert "Pat" not in article.body_markdown and "no deliveries" in article.body_markdown


# --- Images ----------------------------------------------------------------------------------------------------


def test_image_upload_and_who_may_load_it(tenant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    internal = ArticleFactory(tenant=tenant, visibility=Visibility.INTERNAL)
    client = host_client(tenant, admin)
    answer = client.post("/desk/kb/images/", {"image": SimpleUploadedFile("a.png", PNG), "article": internal.pk})
    url = answer.json()["markdown"].split("(")[1].rstrip(")")
    # then staff load it; an anonymous visitor does not while the article is internal
    assert client.get(url).status_code == 200
    assert Client(HTTP_HOST=tenant.host).get(url).status_code == 404
    with tenant_context(tenant):
        Article.objects.filter(pk=internal.pk).update(visibility="public")
    assert Client(HTTP_HOST=tenant.host).get(url).status_code == 200


def test_image_upload_refuses_what_is_not_an_image(tenant, admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    answer = host_client(tenant, admin).post("/desk/kb/images/", {"image": SimpleUploadedFile("a.png", b"<svg>")})
    assert answer.status_code == 400 and "Only PNG" in answer.json()["error"]
    with tenant_context(tenant):
        assert ArticleImage.objects.count() == 0


def test_ticket_link_refuses_an_internal_article(tenant, agent, kb_ticket):
    # given an internal article the agent may read
    internal = ArticleFactory(tenant=tenant, visibility=Visibility.INTERNAL)
    # when its link is recorded as put into a reply, then it is refused: internal text never goes to customers
    response = host_client(tenant, agent).post(f"/desk/kb/tickets/{kb_ticket.number}/link/", {"article": internal.pk})
    assert response.status_code == 400
    with tenant_context(tenant):
        assert TicketArticleLink.objects.count() == 0
