"""The knowledge base in a real browser: a customer finds an answer while typing a request and files nothing;
an agent puts a suggested article into a reply; the help centre and the editor as people see them."""

import pytest

from kb.models import Deflection, KbCategory, TicketArticleLink
from tenancy.context import tenant_context
from tests.browser.conftest import screenshot, sign_in, tenant_url
from tests.kb.factories import ArticleFactory, KbCategoryFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUND = """Sometimes a card payment is taken twice.

**You don't need to do anything**: we refund duplicates automatically within 2 working days.

1. Check your statement after a week.
2. Still there? Submit a request with the date and amount of both charges."""


@pytest.fixture
def help_centre(tenant):
    billing = KbCategoryFactory(tenant=tenant, name="Billing", slug="billing", description="Invoices and refunds.")
    refunds = KbCategoryFactory(tenant=tenant, name="Refunds", slug="refunds", parent=billing)
    technical = KbCategoryFactory(tenant=tenant, name="Technical help", slug="technical")
    articles = {
        "refund": ArticleFactory(tenant=tenant, title="Refund for a duplicate charge", slug="duplicate-charge",
                                 body_markdown=REFUND, category=refunds),
        "card": ArticleFactory(tenant=tenant, title="Card declined when renewing", slug="card-declined",
                               body_markdown="Check the card's expiry date, then retry.", category=billing),
        "webhooks": ArticleFactory(tenant=tenant, title="Webhook deliveries failing", slug="webhooks",
                                   body_markdown="Answer with a 2xx status within 10 seconds.", category=technical),
        "internal": ArticleFactory(tenant=tenant, title="Issuing a manual refund (staff)", slug="manual-refund",
                                   body_markdown="Refund the later charge.", visibility="internal", category=refunds),
    }  # fmt: skip
    return articles


def test_customer_finds_an_answer_while_typing_and_files_nothing(browser, live_server, tenant, desk, help_centre):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    # given the help centre, as an anonymous visitor sees it
    page.goto(tenant_url(live_server, tenant, "/help/"))
    page.get_by_role("heading", name="Help centre").wait_for()
    assert page.get_by_text("Issuing a manual refund").count() == 0
    screenshot(page, "kb-help-centre")

    # when they start a request and type its subject
    page.goto(tenant_url(live_server, tenant, "/new/"))
    page.get_by_label("Subject").press_sequentially("Refund for a double charge", delay=20)
    # then a public article is suggested (never the internal one)
    suggestion = page.get_by_role("link", name="Refund for a duplicate charge")
    suggestion.wait_for()
    assert page.get_by_text("Issuing a manual refund").count() == 0
    screenshot(page, "kb-portal-suggestions")

    # when they open it (a new tab: what they typed stays in the form) and say it answered their question
    with context.expect_page() as opened:
        suggestion.click()
    article = opened.value
    article.get_by_role("heading", name="Refund for a duplicate charge").wait_for()
    screenshot(article, "kb-article")
    article.get_by_role("button", name="Yes").click()
    article.get_by_text("Thanks for telling us.").wait_for()

    # then no request was filed, and one deflection counts at once
    with tenant_context(tenant):
        assert Ticket.objects.count() == 0
        assert list(Deflection.objects.values_list("outcome", "article_id")) == [
            ("deflected", help_centre["refund"].pk)
        ]
        from kb.models import Article

        assert Article.objects.get(pk=help_centre["refund"].pk).helpful_yes == 1
    context.close()


def test_agent_inserts_a_suggested_article_into_a_reply(browser, live_server, tenant, agent, desk, new_ticket,
                                                         help_centre):  # fmt: skip
    ticket = new_ticket(subject="Webhook deliveries failing since yesterday", body="Our endpoint gets nothing.")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server, tenant, "agent@acme.example")
    # when the agent opens the ticket, the KB panel suggests the matching article
    page.goto(tenant_url(live_server, tenant, f"/desk/tickets/{ticket.number}/"))
    panel = page.locator("#kb-panel")
    panel.get_by_role("link", name="Webhook deliveries failing").wait_for()
    screenshot(page, "kb-ticket-panel")
    # and one click puts its link into the reply
    panel.get_by_role("button", name="Insert link").first.click()
    panel.get_by_role("button", name="Link inserted").wait_for()
    body = page.locator("form.composer").get_by_label("Message").input_value()
    assert "Webhook deliveries failing: http://acme." in body and "/help/articles/webhooks/" in body
    # then the link is recorded on the ticket
    with tenant_context(tenant):
        assert TicketArticleLink.objects.get().article_id == help_centre["webhooks"].pk
    context.close()


def test_editor_previews_markdown(browser, live_server, tenant, help_centre):
    from tests.conftest import make_member

    make_member(tenant, "supervisor", "editor@acme.example")
    with tenant_context(tenant):
        assert KbCategory.objects.count() == 3
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, live_server, tenant, "editor@acme.example")
    page.goto(tenant_url(live_server, tenant, f"/desk/kb/articles/{help_centre['refund'].pk}/edit/"))
    page.locator("#kb-preview").get_by_text("You don't need to do anything").wait_for()
    page.get_by_label("Article (Markdown)").fill("# Refunds\n\n<script>alert(1)</script> **Within** two days.")
    page.locator("#kb-preview h1", has_text="Refunds").wait_for()
    assert page.locator("#kb-preview script").count() == 0
    assert page.locator("#kb-preview strong", has_text="Within").count() == 1
    screenshot(page, "kb-editor")
    page.goto(tenant_url(live_server, tenant, "/desk/kb/"))
    page.get_by_role("heading", name="Knowledge base").wait_for()
    screenshot(page, "kb-desk-list")
    context.close()
