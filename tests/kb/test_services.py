"""The KB's writing services: versions, slugs, sanitised rendering, who may edit, votes and review requests,
articles drafted from tickets."""

from html.parser import HTMLParser

import pytest

from kb import services
from kb.models import Article, ArticleSlug, ArticleVersion, ArticleVote, ReviewRequest, Visibility
from kb.rendering import render_markdown
from tenancy.context import tenant_context
from tickets.services.events import ServiceError

pytestmark = pytest.mark.django_db


HOSTILE = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<img src="https://ok.example/a.png" onerror="alert(1)">',
    "![tracker](http://evil.example/pixel.gif)",
    "![data](data:image/svg+xml;base64,PHN2Zz4=)",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(x)">x</div>',
    '[ok](https://ok.example "t") ![img](https://ok.example/i.png)',
]


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("markdown", HOSTILE)
def test_render_markdown_neutralises_hostile_input(markdown):
    # given hostile Markdown or raw HTML
    # when it is rendered
    html = render_markdown(markdown)
    # then no element can run or load anything from elsewhere (raw HTML stays visible as text)
    for tag, attrs in elements(html):
        assert tag not in {"script", "iframe", "style", "object", "svg"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        if tag == "a" and "href" in attrs:
            assert attrs["href"].startswith(("https://", "http://", "mailto:", "/", "#"))
        if tag == "img" and "src" in attrs:
            assert attrs["src"].startswith(("https://", "/help/images/"))


def test_render_markdown_keeps_formatting_safe_links_and_own_images():
    # given ordinary Markdown
    html = render_markdown("# Title\n\n**bold** [docs](https://example.com) ![s](/help/images/7/)\n\n- a\n- b")
    # then it is kept, links made safe
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html and "<li>a</li>" in html
    assert 'href="https://example.com"' in html and "nofollow" in html
    assert 'src="/help/images/7/"' in html


def test_create_article_keeps_first_version_and_renders(write, admin):
    # when an editor writes an article
    article = write(services.create_article, actor=admin, title="Reset your password", body_markdown="**Do** it")
    # then it is a draft with rendered HTML, a slug from the title and version 1 kept
    assert article.status == "draft" and article.slug == "reset-your-password"
    assert article.body_html == "<p><strong>Do</strong> it</p>\n" and article.body_text == "Do it"
    with tenant_context(article.tenant_id):
        assert list(ArticleVersion.objects.values_list("number", "title")) == [(1, "Reset your password")]


def test_update_article_renames_with_redirecting_slug_and_new_version(write, admin):
    # given an article
    article = write(services.create_article, actor=admin, title="Old name", body_markdown="v1")
    # when it is renamed
    article = write(services.update_article, article_id=article.pk, actor=admin, title="New name",
                    body_markdown="v2", based_on_version=1)  # fmt: skip
    # then it has a new slug, the old one kept for redirects, and both versions
    assert (article.slug, article.version) == ("new-name", 2)
    with tenant_context(article.tenant_id):
        assert list(ArticleSlug.objects.values_list("slug", flat=True)) == ["old-name"]
        assert list(ArticleVersion.objects.order_by("number").values_list("body_markdown", flat=True)) == ["v1", "v2"]


def test_update_article_refuses_an_edit_of_an_older_version(write, admin, supervisor):
    # given an article two editors opened at version 1, one of whom saved
    article = write(services.create_article, actor=admin, title="Shared", body_markdown="v1")
    write(services.update_article, article_id=article.pk, actor=admin, title="Shared", body_markdown="admin's",
          based_on_version=1)  # fmt: skip
    # when the other saves their edit of version 1
    # then it is refused, and the first edit stands
    with pytest.raises(ServiceError, match="Someone saved version 2"):
        write(services.update_article, article_id=article.pk, actor=supervisor, title="Shared",
              body_markdown="supervisor's", based_on_version=1)  # fmt: skip
    with tenant_context(article.tenant_id):
        assert Article.objects.get().body_markdown == "admin's"


def test_update_article_renaming_back_takes_its_old_slug(write, admin):
    # given an article renamed once
    article = write(services.create_article, actor=admin, title="Alpha", body_markdown="x")
    write(services.update_article, article_id=article.pk, actor=admin, title="Beta", body_markdown="x")
    # when it is renamed back
    article = write(services.update_article, article_id=article.pk, actor=admin, title="Alpha", body_markdown="x")
    # then its slug is the old one again and only "beta" redirects
    assert article.slug == "alpha"
    with tenant_context(article.tenant_id):
        assert list(ArticleSlug.objects.values_list("slug", flat=True)) == ["beta"]


def test_create_article_avoids_slugs_in_use_or_used_before(write, admin):
    # given an article that was renamed away from "faq"
    first = write(services.create_article, actor=admin, title="FAQ", body_markdown="x")
    write(services.update_article, article_id=first.pk, actor=admin, title="Questions", body_markdown="x")
    # when a new article is called "FAQ"
    second = write(services.create_article, actor=admin, title="FAQ", body_markdown="y")
    # then it does not take the old slug (old links keep reaching the first article)
    assert second.slug == "faq-2"


def test_restore_version_makes_old_content_current_as_a_new_version(write, admin):
    # given an article edited twice
    article = write(services.create_article, actor=admin, title="Refunds", body_markdown="first")
    write(services.update_article, article_id=article.pk, actor=admin, title="Refunds policy", body_markdown="second")
    # when version 1 is restored
    article = write(services.restore_version, article_id=article.pk, number=1, actor=admin)
    # then its content is current again, as version 3, with the history intact
    assert (article.title, article.body_markdown, article.version) == ("Refunds", "first", 3)
    assert article.body_html == "<p>first</p>\n"
    with tenant_context(article.tenant_id):
        notes = list(ArticleVersion.objects.order_by("number").values_list("number", "note"))
    assert notes == [(1, "Created"), (2, ""), (3, "Restored version 1")]


def test_create_article_refuses_agents_unless_the_tenant_allows(write, tenant, agent):
    # given an agent in a tenant that does not let agents edit
    # when they write an article
    # then it is refused
    with pytest.raises(ServiceError, match="Only editors"):
        write(services.create_article, actor=agent, title="Mine", body_markdown="x")
    # when the tenant allows it, it is accepted
    with tenant_context(tenant):
        settings = services.get_settings()
        settings.agents_may_edit = True
        settings.save()
    assert write(services.create_article, actor=agent, title="Mine", body_markdown="x").author == agent


def test_create_article_refuses_customers(write, customer):
    with pytest.raises(ServiceError):
        write(services.create_article, actor=customer, title="Mine", body_markdown="x")


def test_publish_and_unpublish_article(write, admin):
    # given a draft
    article = write(services.create_article, actor=admin, title="T", body_markdown="x")
    # when published, then unpublished
    published = write(services.publish_article, article_id=article.pk, actor=admin)
    assert published.status == "published" and published.published_at is not None
    unpublished = write(services.unpublish_article, article_id=article.pk, actor=admin)
    # then it is a draft again
    assert unpublished.status == "draft"


def test_vote_counts_once_per_browser_and_can_change(write, admin):
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    # when one browser votes yes twice, then no; another votes yes
    for helpful in (True, True, False):
        write(services.vote, article=article, browser="a" * 64, helpful=helpful)
    write(services.vote, article=article, browser="b" * 64, helpful=True)
    # then the counts hold one vote per browser
    with tenant_context(article.tenant_id):
        article.refresh_from_db()
        assert (article.helpful_yes, article.helpful_no, ArticleVote.objects.count()) == (1, 1, 2)


def test_vote_no_with_note_puts_article_on_owner_review_list(write, admin):
    # given a published article
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    # when a reader says it did not help, and what was missing (with their email in it)
    write(services.vote, article=article, browser="a" * 64, helpful=False, missing="No word on VAT. me@x.example")
    # then it needs review, with the note scrubbed
    with tenant_context(article.tenant_id):
        article.refresh_from_db()
        request = ReviewRequest.objects.get()
    assert article.needs_review
    assert request.note == "No word on VAT. [email removed]" and request.reason == "not_helpful"


def test_major_revision_resets_votes_minor_keeps_them(write, admin):
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    write(services.vote, article=article, browser="a" * 64, helpful=True)
    # when a minor edit is saved, the ratio stays
    article = write(services.update_article, article_id=article.pk, actor=admin, title="T", body_markdown="typo")
    assert (article.helpful_yes, article.vote_epoch) == (1, 1)
    # when a major revision is saved, it restarts (the old vote stays stored)
    article = write(services.update_article, article_id=article.pk, actor=admin, title="T", body_markdown="new",
                    major=True)  # fmt: skip
    assert (article.helpful_yes, article.vote_epoch) == (0, 2)
    write(services.vote, article=article, browser="a" * 64, helpful=True)
    with tenant_context(article.tenant_id):
        assert ArticleVote.objects.count() == 2


def test_mark_reviewed_clears_the_review_list(write, admin, agent):
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    write(services.flag_outdated, article_id=article.pk, actor=agent, note="Prices changed")
    # when the owner marks it reviewed
    article = write(services.mark_reviewed, article_id=article.pk, actor=admin)
    # then it is off the list and its request resolved
    assert not article.needs_review
    with tenant_context(article.tenant_id):
        assert ReviewRequest.objects.filter(resolved_at=None).count() == 0


def test_flag_outdated_refuses_customers(write, admin, customer):
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    with pytest.raises(ServiceError):
        write(services.flag_outdated, article_id=article.pk, actor=customer)


def test_draft_from_ticket_removes_requester_personal_data(tenant, desk, agent, new_ticket):
    # given a ticket whose question and answer carry the requester's name, email and phone number
    ticket = new_ticket(
        subject="Card declined for Pat Requester",
        body="Hi, I'm Pat Requester (pat@customer.example, +44 20 7946 0958). My card was declined.",
    )
    with tenant_context(tenant):
        from tickets import services as ticket_services

        ticket_services.reply(ticket=ticket, actor=agent, body="Hi Pat, ask your bank to allow the charge.")
        draft = services.draft_from_ticket(ticket)
    # then none of it reaches the draft; the substance does
    text = draft["title"] + draft["body_markdown"]
    for personal in ("Pat", "Requester", "pat@customer.example", "7946"):
        assert personal not in text
    assert "My card was declined." in text and "ask your bank to allow the charge." in text


def test_create_article_from_ticket_is_an_internal_draft(tenant, desk, admin, new_ticket):
    ticket = new_ticket(subject="Export fails", body="The export button does nothing.")
    with tenant_context(tenant):
        article = services.create_article_from_ticket(ticket=ticket, actor=admin)
    assert (article.status, article.visibility) == ("draft", Visibility.INTERNAL)


def test_create_article_search_config_follows_tenant_language(write, tenant, admin):
    # given a German-speaking tenant
    tenant.default_language = "de"
    tenant.save()
    # when an article is written, then its vector uses the German configuration
    assert write(services.create_article, actor=admin, title="T", body_markdown="x").search_config == "german"


def test_vote_no_alone_puts_article_on_review_list_and_the_note_joins_it(write, admin):
    article = write(services.create_article, actor=admin, title="T", body_markdown="x", publish=True)
    # when a reader says no, then what was missing
    write(services.vote, article=article, browser="a" * 64, helpful=False)
    with tenant_context(article.tenant_id):
        assert Article.objects.get().needs_review and ReviewRequest.objects.get().note == ""
    write(services.vote, article=article, browser="a" * 64, helpful=False, missing="Partial refunds")
    # then one review request carries the note
    with tenant_context(article.tenant_id):
        assert list(ReviewRequest.objects.values_list("note", flat=True)) == ["Partial refunds"]
