"""The narrow suggestion entries (kb.models.SuggestionEntry, PostgreSQL): the trigger keeps one per published
public article and none for any other; customer-facing search and suggestions rank title matches on them with
the same order as on the articles; and an entry can never show what the article door refuses."""

from __future__ import annotations

import pytest

from kb import selectors, services
from kb.models import Article, ArticleStatus, SuggestionEntry, Visibility
from kb.search import search_articles
from tenancy.context import tenant_context
from tests.kb.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def entry_ids(tenant) -> set[int]:
    with tenant_context(tenant):
        return set(SuggestionEntry.objects.values_list("article_id", flat=True))


def test_suggestion_entries_follow_status_visibility_title_and_deletion(tenant, other_tenant, admin):
    # given a public and an internal published article, a draft, and another tenant's public one
    public = ArticleFactory(tenant=tenant, title="Card declined", search_config="english")
    internal = ArticleFactory(tenant=tenant, title="Bank escalation", visibility=Visibility.INTERNAL)
    draft = ArticleFactory(tenant=tenant, title="Refunds", status=ArticleStatus.DRAFT)
    theirs = ArticleFactory(tenant=other_tenant, title="Globex card")
    # then only the public published ones have entries, each in its own tenant
    assert entry_ids(tenant) == {public.pk} and entry_ids(other_tenant) == {theirs.pk}
    with tenant_context(tenant):
        # when the draft is published and the public one unpublished
        services.publish_article(article_id=draft.pk, actor=admin)
        services.unpublish_article(article_id=public.pk, actor=admin)
        assert entry_ids(tenant) == {draft.pk}
        # when the internal one becomes public and the published draft is renamed
        Article.objects.filter(pk=internal.pk).update(visibility=Visibility.PUBLIC)
        article = Article.objects.get(pk=draft.pk)
        article.title = "Refund a duplicate charge"
        article.save(update_fields=["title"])
        assert entry_ids(tenant) == {draft.pk, internal.pk}
        vector = SuggestionEntry.objects.get(article=draft).title_vector
        assert "duplic" in vector and "charg" in vector
        # when an article is deleted, its entry goes with it
        Article.objects.filter(pk=internal.pk).delete()
        assert entry_ids(tenant) == {draft.pk}


def test_public_suggestions_rank_on_entries_as_on_articles(tenant):
    # given a small corpus where several titles share words with the subject
    for title in ("Card declined on renewal", "Renew your plan", "Card payments", "Declined card at checkout",
                  "Plan limits", "Webhooks retry", "My card was charged twice", "Export to CSV"):  # fmt: skip
        ArticleFactory(tenant=tenant, title=title, body_markdown="Text about it.", search_config="english")
    with tenant_context(tenant):
        articles = Article.objects.public()
        subject = "Card declined when renewing my plan"
        # when the same suggestion is ranked on the articles and on the entries
        wide = search_articles(articles, subject, config="english", limit=5, any_word=True, snippets=False)
        narrow = search_articles(articles, subject, config="english", limit=5, any_word=True, snippets=False,
                                 title_entries=SuggestionEntry.objects.all())  # fmt: skip
        # then the order and ranks are the same
        assert [a.pk for a in narrow] == [a.pk for a in wide] and len(narrow) == 5
        assert [round(a.rank, 6) for a in narrow] == [round(a.rank, 6) for a in wide]
        # and the portal's suggestion selector reads the entries
        assert [a.pk for a in selectors.suggest(member=None, text=subject, config="english", public_only=True)] == [
            a.pk for a in wide
        ]


def test_stale_entry_never_shows_an_internal_article(tenant):
    # given an internal article whose entry was left behind (as if the trigger had missed a change)
    hidden = ArticleFactory(tenant=tenant, title="Card declined escalation", visibility=Visibility.INTERNAL,
                            search_config="english")  # fmt: skip
    with tenant_context(tenant):
        SuggestionEntry.objects.create(article=hidden, updated_at=hidden.updated_at, title_vector="card:1")
        # when a customer's subject matches it
        hits = selectors.suggest(member=None, text="card declined", config="english", public_only=True)
        found = selectors.search(member=None, query="card", config="english", public_only=True)
    # then the article door still refuses it
    assert hidden.pk not in [a.pk for a in hits] and hidden.pk not in [a.pk for a in found]
