"""Article search on PostgreSQL: ranking (title above body), stemming in the tenant's language, snippets that
are escaped and highlighted, suggestions by any word, and what each reader may find."""

import pytest

from kb import selectors
from kb.models import ArticleStatus, Visibility
from tenancy.context import tenant_context
from tests.kb.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(tenant, other_tenant):
    def article(title, body, **extra):
        return ArticleFactory(tenant=extra.pop("tenant", tenant), title=title, body_markdown=body,
                              search_config="english", **extra)  # fmt: skip

    return {
        "title": article("Card declined on renewal", "What to do when the bank refuses a payment."),
        "body": article("Payment methods", "If your card is declined, try another one."),
        "other": article("Webhooks", "Deliveries are retried for a day."),
        "internal": article("Declined card escalation", "Call the bank.", visibility=Visibility.INTERNAL),
        "draft": article("Declined cards (draft)", "Unfinished.", status=ArticleStatus.DRAFT),
        "elsewhere": article("Declined card at Globex", "Not yours.", tenant=other_tenant),
    }


def _titles(articles):
    return [a.title for a in articles]


def test_search_ranks_title_matches_above_body_matches(tenant, corpus):
    # when a customer searches with a stem of the words ("declined" -> "declin")
    with tenant_context(tenant):
        hits = selectors.search(member=None, query="card declined", config="english")
    # then the title match comes first, the body match second, and nothing internal, draft or foreign
    assert _titles(hits) == ["Card declined on renewal", "Payment methods"]


def test_search_stems_in_the_tenant_language(tenant, corpus):
    with tenant_context(tenant):
        hits = selectors.search(member=None, query="declines renewals", config="english")
    assert _titles(hits) == ["Card declined on renewal"]


def test_search_staff_find_internal_and_drafts_but_not_other_tenants(tenant, corpus, agent):
    with tenant_context(tenant):
        hits = selectors.search(member=agent, query="declined", config="english")
    assert set(_titles(hits)) == {
        "Card declined on renewal", "Payment methods", "Declined card escalation", "Declined cards (draft)",
    }  # fmt: skip


def test_search_snippet_is_escaped_and_highlighted(tenant):
    # given an article whose text holds markup-looking characters
    ArticleFactory(tenant=tenant, title="Scripts", body_markdown="Type `<b onmouseover=x>` then press refund.",
                   search_config="english")  # fmt: skip
    with tenant_context(tenant):
        hit = selectors.search(member=None, query="refund", config="english")[0]
    snippet = str(selectors_snippet(hit))
    # then the match is marked, the words after the tag-like text still found, and nothing unescaped
    assert "<mark>refund</mark>" in snippet and "<script>" not in snippet


def selectors_snippet(article):
    from kb.search import snippet

    return snippet(article)


def test_suggest_matches_any_word_and_only_public(tenant, corpus):
    # when a customer types a subject that shares one word with an article
    with tenant_context(tenant):
        hits = selectors.suggest(member=None, text="my webhook is broken", config="english", public_only=True)
    assert _titles(hits) == ["Webhooks"]


def test_suggest_for_staff_leaves_out_drafts(tenant, corpus, agent):
    with tenant_context(tenant):
        hits = selectors.suggest(member=agent, text="declined", config="english")
    assert "Declined cards (draft)" not in _titles(hits) and "Declined card escalation" in _titles(hits)
