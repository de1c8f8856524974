"""The help centre, its suggestions and the API: internal and draft articles never reach customers or anonymous
visitors (by URL, search, suggestion or API), another tenant's never reach anyone; old slugs redirect; votes."""

from __future__ import annotations

import pytest
from django.test import Client

from kb.models import ArticleSlug, ArticleStatus, ArticleVote, DailyCount, ReviewRequest, SearchMiss, Visibility
from tenancy.context import tenant_context
from tenancy.roles import Role
from tests.conftest import host_client
from tests.kb.factories import ArticleFactory, KbCategoryFactory
from tickets.services.api_keys import create_api_key

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}


def visitor(tenant) -> Client:
    return Client(HTTP_HOST=tenant.host, **BROWSER)


@pytest.fixture
def articles(tenant, other_tenant):
    """One article of each kind, all about refunds, so only the visibility rule can keep one out."""

    def make(title, **extra):
        return ArticleFactory(tenant=extra.pop("tenant", tenant), title=title, slug=extra.pop("slug"),
                              body_markdown="How refunds work.", **extra)  # fmt: skip

    return {
        "public": make("Refunds explained", slug="refunds-explained"),
        "internal": make("Refunds: internal playbook", slug="refund-playbook", visibility=Visibility.INTERNAL),
        "draft": make("Refunds (draft)", slug="refunds-draft", status=ArticleStatus.DRAFT),
        "archived": make("Refunds (old)", slug="refunds-old", status=ArticleStatus.ARCHIVED),
        "foreign": make("Refunds at Globex", slug="globex-refunds", tenant=other_tenant),
    }


HIDDEN = ("internal", "draft", "archived", "foreign")


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent"])
@pytest.mark.parametrize("kind", HIDDEN)
def test_help_article_hides_what_customers_may_not_read(tenant, articles, customer, agent, who, kind):
    # given an article customers may not read, in this tenant (or, for "foreign", in another one)
    member = {"anonymous": None, "customer": customer, "agent": agent}[who]
    client = host_client(tenant, member)
    # when its help-centre URL is opened (staff too: the help centre shows what customers see)
    response = client.get(f"/help/articles/{articles[kind].slug}/")
    # then there is no such page, the same answer as for a slug that never existed
    assert response.status_code == 404
    assert client.get(f"/help/articles/{articles['public'].slug}/").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_help_search_and_suggestions_find_only_public_articles(tenant, articles, customer, who):
    client = host_client(tenant, customer if who == "customer" else None)
    # when a customer searches, and types a subject on the request form
    search = client.get("/help/search/", {"q": "refunds"}).text
    suggestions = client.get("/help/suggestions/", {"subject": "refunds please"}).text
    # then only the public article is offered
    for page in (search, suggestions):
        assert "Refunds explained" in page
        for kind in HIDDEN:
            assert articles[kind].title not in page


def test_help_home_and_category_list_only_public_articles(tenant, articles):
    with tenant_context(tenant):
        section = KbCategoryFactory(tenant=tenant, name="Billing", slug="billing")
        from kb.models import Article

        Article.objects.filter(slug__in=["refunds-explained", "refund-playbook"]).update(category=section)
    client = visitor(tenant)
    home, category = client.get("/help/").text, client.get("/help/c/billing/").text
    assert "Refunds explained" in home and "Billing" in home
    assert "Refunds explained" in category and "internal playbook" not in category


def test_help_article_old_slug_redirects_permanently(tenant, articles):
    # given a public article that used to have another slug
    with tenant_context(tenant):
        ArticleSlug.objects.create(article=articles["public"], slug="refunds-faq")
        ArticleSlug.objects.create(article=articles["internal"], slug="old-playbook")
    client = visitor(tenant)
    # when the old link is opened, then it redirects to the current one
    response = client.get("/help/articles/refunds-faq/")
    assert response.status_code == 301 and response["Location"] == "/help/articles/refunds-explained/"
    # and an internal article's old slug does not reveal where it lives now
    assert client.get("/help/articles/old-playbook/").status_code == 404


def test_help_search_counts_searches_with_no_result_without_personal_data(tenant, articles):
    client = visitor(tenant)
    client.get("/help/search/", {"q": "cancel subscription me@mail.example"})
    with tenant_context(tenant):
        assert list(SearchMiss.objects.values_list("query", "count")) == [("cancel subscription [email removed]", 1)]
        assert DailyCount.objects.get(metric="search_miss").count == 1


def test_help_vote_yes_and_no_with_what_was_missing(tenant, articles):
    client = visitor(tenant)
    url = "/help/articles/refunds-explained/vote/"
    # when a reader votes no, then says what was missing
    asked = client.post(url, {"helpful": "no"}, HTTP_HX_REQUEST="true")
    assert asked.status_code == 200 and "What were you looking for?" in asked.text
    client.post(url, {"helpful": "no", "missing": "Nothing about partial refunds"}, HTTP_HX_REQUEST="true")
    # then one "no" is counted and the article is on its owner's review list
    with tenant_context(tenant):
        article = type(articles["public"]).objects.get(pk=articles["public"].pk)
        assert (article.helpful_yes, article.helpful_no, article.needs_review) == (0, 1, True)
        assert ReviewRequest.objects.get().note == "Nothing about partial refunds"
        assert ArticleVote.objects.count() == 1


@pytest.mark.parametrize("kind", HIDDEN)
def test_help_vote_refuses_articles_customers_may_not_read(tenant, articles, kind):
    response = visitor(tenant).post(f"/help/articles/{articles[kind].slug}/vote/", {"helpful": "yes"})
    assert response.status_code == 404
    with tenant_context(tenant):
        assert ArticleVote.objects.count() == 0


def test_help_vote_bad_input_is_a_clear_refusal(tenant, articles):
    response = visitor(tenant).post("/help/articles/refunds-explained/vote/", {"helpful": "maybe"})
    assert response.status_code == 400 and "Choose yes or no." in response.text


def test_help_vote_from_a_bot_is_not_counted(tenant, articles):
    client = Client(HTTP_HOST=tenant.host, HTTP_USER_AGENT="Googlebot/2.1 (+http://www.google.com/bot.html)")
    client.post("/help/articles/refunds-explained/vote/", {"helpful": "yes"})
    with tenant_context(tenant):
        assert ArticleVote.objects.count() == 0


# --- API -------------------------------------------------------------------------------------------------------


def test_api_without_key_reads_public_articles_only(tenant, articles):
    client = Client(HTTP_HOST=tenant.host)
    listed = client.get("/api/v1/kb/articles/").json()["results"]
    searched = client.get("/api/v1/kb/articles/", {"q": "refunds"}).json()["results"]
    assert [a["slug"] for a in listed] == ["refunds-explained"] == [a["slug"] for a in searched]
    for kind in HIDDEN:
        assert client.get(f"/api/v1/kb/articles/{articles[kind].slug}/").status_code == 404
    assert client.get("/api/v1/kb/articles/refunds-explained/").json()["body_html"] == "<p>How refunds work.</p>\n"


def test_api_without_key_cannot_write(tenant, articles):
    client = Client(HTTP_HOST=tenant.host)
    response = client.post("/api/v1/kb/articles/", {"title": "x"}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_api_with_key_reads_internal_and_drafts_of_its_tenant_only(tenant, articles, admin):
    with tenant_context(tenant):
        _, plaintext = create_api_key(actor=admin, name="Docs sync", role=Role.ADMIN)
    client = Client(HTTP_HOST=tenant.host, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    slugs = {a["slug"] for a in client.get("/api/v1/kb/articles/").json()["results"]}
    assert slugs == {"refunds-explained", "refund-playbook", "refunds-draft", "refunds-old"}
    assert client.get("/api/v1/kb/articles/globex-refunds/").status_code == 404


def test_api_with_editor_key_writes_through_the_services(tenant, admin):
    with tenant_context(tenant):
        _, plaintext = create_api_key(actor=admin, name="Docs sync", role=Role.ADMIN)
    client = Client(HTTP_HOST=tenant.host, HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    created = client.post("/api/v1/kb/articles/", {"title": "From the API", "body_markdown": "<script>x</script>",
                                                   "status": "published"}, content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "published" and "<script>" not in body["body_html"] and body["version"] == 1
    changed = client.put(f"/api/v1/kb/articles/{body['slug']}/", {"title": "From the API", "body_markdown": "v2",
                                                                   "based_on_version": 1},
                         content_type="application/json")  # fmt: skip
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.put(f"/api/v1/kb/articles/{body['slug']}/", {"title": "x", "based_on_version": 1},
                       content_type="application/json")  # fmt: skip
    assert stale.status_code == 400 and "Someone saved version 2" in stale.text
