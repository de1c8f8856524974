"""Knowledge-base articles and what customers and agents do with them.

Every table is tenant-owned. Counters of customer behaviour (votes, deflections, searches without a result)
never hold personal data: a browser is a keyed digest of a random cookie that lives for a day, and typed
search words are scrubbed of email addresses and numbers before they are counted.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import Membership, TenantManager, TenantModel, TenantQuerySet
from tenancy.storage import tenant_upload_path


class Visibility(models.TextChoices):
    PUBLIC = "public", "Public (help centre)"
    INTERNAL = "internal", "Internal (staff only)"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class KbSettings(TenantModel):
    """One row per tenant (created on first use): who edits, and the text-search language."""

    agents_may_edit = models.BooleanField(
        default=False, help_text="Agents may write and publish articles (supervisors and admins always may)."
    )
    # A PostgreSQL text-search configuration; empty means "from the tenant's language" (kb.search).
    search_config = models.CharField(max_length=40, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant"], name="kbsettings_one_per_tenant")]
        verbose_name_plural = "KB settings"


class KbCategory(TenantModel):
    """Two levels: a section and its topics. A category may point at the ticket category it answers, so the
    ticket page ranks its articles first."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)
    ticket_category = models.ForeignKey(
        "tickets.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="kbcategory_tenant_slug")]
        ordering = ["position", "name"]
        verbose_name_plural = "KB categories"

    def __str__(self) -> str:
        return self.name


class ArticleQuerySet(TenantQuerySet):
    def published(self):
        return self.filter(status=ArticleStatus.PUBLISHED)

    def public(self):
        """What customers and anonymous visitors may ever see: published and public. The only door."""
        return self.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


class Article(TenantModel):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120)
    body_markdown = models.TextField(blank=True)
    # Rendered once on save (kb.rendering): templates show it as is.
    body_html = models.TextField(blank=True, editable=False)
    # Plain text of the body, for search snippets and the agent's "insert the text".
    body_text = models.TextField(blank=True, editable=False)
    category = models.ForeignKey(KbCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="articles")
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT)
    # The owner: whose review list a "no" vote or an "outdated" flag lands on.
    author = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1, editable=False)
    # Votes count within one revision epoch: a major revision starts a new one (the old votes stay stored).
    vote_epoch = models.PositiveIntegerField(default=1, editable=False)
    helpful_yes = models.PositiveIntegerField(default=0, editable=False)
    helpful_no = models.PositiveIntegerField(default=0, editable=False)
    needs_review = models.BooleanField(default=False)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # The text-search configuration the vector was built with (kept by a trigger on PostgreSQL).
    search_config = models.CharField(max_length=40, default="simple")
    search_vector = SearchVectorField(null=True, editable=False)
    # The title alone (small, never TOASTed): searches rank title matches first from it, cheaply (kb.search).
    title_vector = SearchVectorField(null=True, editable=False)

    objects = TenantManager.from_queryset(ArticleQuerySet)()

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="article_tenant_slug")]
        indexes = [
            GinIndex(fields=["tenant", "search_vector"], name="article_search"),
            GinIndex(fields=["tenant", "title_vector"], name="article_title_search"),
            models.Index(fields=["tenant", "status", "visibility", "-updated_at"], name="article_list"),
            models.Index(fields=["tenant", "category", "status"], name="article_category"),
            models.Index(fields=["tenant", "author"], name="article_review", condition=Q(needs_review=True)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC

    @property
    def helpful_votes(self) -> int:
        return self.helpful_yes + self.helpful_no

    @property
    def helpful_percent(self) -> int | None:
        total = self.helpful_votes
        return round(100 * self.helpful_yes / total) if total else None


class ArticleVersion(TenantModel):
    """The article as it was saved, each time: append-only; a restore writes a new version."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body_markdown = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    is_major = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True)
    editor = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "article", "number"], name="articleversion_number")]
        ordering = ["-number"]


class ArticleSlug(TenantModel):
    """A slug an article used to have: its old links redirect to the article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="articleslug_tenant_slug")]


class ArticleTag(TenantModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "article", "name"], name="articletag_once")]
        indexes = [models.Index(fields=["tenant", "name"], name="articletag_name")]
        ordering = ["name"]


class ArticleImage(TenantModel):
    """An image uploaded in the editor. Served through kb.views (an internal article's images to staff only)."""

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    file = models.FileField(upload_to=tenant_upload_path)
    content_type = models.CharField(max_length=60)
    uploaded_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)


class ArticleVote(TenantModel):
    """One browser's answer to "Did this answer your question?" for one revision epoch of an article."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    epoch = models.PositiveIntegerField()
    browser = models.CharField(max_length=64)  # keyed digest of a one-day random cookie, never a person
    helpful = models.BooleanField()
    missing = models.CharField(max_length=1000, blank=True)  # a "no": what was missing (scrubbed)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["tenant", "article", "epoch", "browser"], name="articlevote_once")
        ]


class ReviewRequest(TenantModel):
    """Why an article is on its owner's review list: a customer's "no", or an agent's "outdated" flag."""

    class Reason(models.TextChoices):
        NOT_HELPFUL = "not_helpful", "A reader said it did not answer their question"
        OUTDATED = "outdated", "An agent flagged it as outdated"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="review_requests")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    raised_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "article"], name="reviewrequest_open", condition=Q(resolved_at=None))]
        ordering = ["-created_at"]


class Deflection(TenantModel):
    """A browser opened an article the request form suggested. Pending for a day; then it counts as deflected
    unless that browser filed a request meanwhile. "This answered my question" decides at once, but a request
    filed within the day still overrides it (a customer who files anyway was not deflected)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        DEFLECTED = "deflected", "Deflected"
        FILED = "filed", "Filed a request anyway"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="deflections")
    browser = models.CharField(max_length=64)
    opened_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes = [
            models.Index(fields=["tenant", "browser", "opened_at"], name="deflection_browser"),
            models.Index(fields=["opened_at"], name="deflection_pending", condition=Q(outcome="pending")),
            models.Index(fields=["tenant", "outcome", "decided_at"], name="deflection_outcome"),
        ]


class DailyCount(TenantModel):
    """Anonymous counters per day: searches, searches with no result, suggestions shown and opened."""

    class Metric(models.TextChoices):
        SEARCH = "search", "Searches"
        SEARCH_MISS = "search_miss", "Searches with no result"
        SUGGESTION_SHOWN = "suggestion_shown", "Suggestions shown on the request form"
        SUGGESTION_OPENED = "suggestion_opened", "Suggested articles opened"
        ARTICLE_VIEW = "article_view", "Article views"

    day = models.DateField()
    metric = models.CharField(max_length=20, choices=Metric.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "metric"], name="dailycount_once")]


class SearchMiss(TenantModel):
    """A search (help centre or request form) that found nothing, counted per scrubbed query and day."""

    day = models.DateField()
    query = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "query"], name="searchmiss_once")]


class TicketArticleLink(TenantModel):
    """An agent put an article into a reply on a ticket (the ticket's timeline records it too)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="ticket_links")
    membership = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    as_text = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "ticket"], name="ticketarticlelink_ticket")]


class ArticleEvent(TenantModel):
    """The article's audit trail (append-only): who created, edited, restored, published, archived or reviewed
    it, and who flagged it. Content itself lives in ArticleVersion."""

    class Kind(models.TextChoices):
        CREATED = "created", "created"
        EDITED = "edited", "edited"
        RESTORED = "restored", "restored a version"
        PUBLISHED = "published", "published"
        UNPUBLISHED = "unpublished", "unpublished"
        ARCHIVED = "archived", "archived"
        REVIEWED = "reviewed", "marked as reviewed"
        FLAGGED = "flagged", "flagged as outdated"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    membership = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        indexes = [models.Index(fields=["tenant", "article", "-created_at"], name="articleevent_article")]


class FiledRequest(TenantModel):
    """A request filed through the portal form by a browser that carries the KB's cookie: written in the ticket's
    own transaction (kb.tenant_hooks.portal_request_filed), read and deleted by the KB's change-feed subscriber
    (kb.feed), which decides that browser's open deflections as filed. The link between a ticket and a browser
    digest is kept only until then, so no ticket can later be matched to the articles its requester opened."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False)
    browser = models.CharField(max_length=64)  # the keyed digest of kb.browser, as on Deflection
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "ticket"], name="filedrequest_one_per_ticket")]
        indexes = [models.Index(fields=["created_at"], name="filedrequest_created")]


class SuggestionEntry(TenantModel):
    """A published, public article as customer-facing title matching reads it: a narrow copy (title vector,
    category, updated time) kept by a PostgreSQL trigger on kb_article (migration kb 0002), so that ranking the
    thousands of articles whose titles share a common word reads a few dozen narrow pages instead of thousands
    of wide article rows (kb.search). Only a candidate list: the articles shown are still read through
    Article.objects.public(), so a stale entry can never show an internal or draft article. Empty on SQLite."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", db_index=False)
    category_id = models.BigIntegerField(null=True, blank=True)  # for the category boost only: no foreign key
    updated_at = models.DateTimeField()
    title_vector = SearchVectorField(null=True)

    class Meta(TenantModel.Meta):
        constraints = [models.UniqueConstraint(fields=["tenant", "article"], name="suggestionentry_one_per_article")]
        indexes = [GinIndex(fields=["tenant", "title_vector"], name="suggestionentry_title")]
