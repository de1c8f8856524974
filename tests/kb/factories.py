import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from kb.models import (
    Article,
    ArticleEvent,
    ArticleImage,
    ArticleSlug,
    ArticleStatus,
    ArticleTag,
    ArticleVersion,
    ArticleVote,
    DailyCount,
    Deflection,
    FiledRequest,
    KbCategory,
    KbSettings,
    ReviewRequest,
    SearchMiss,
    SuggestionEntry,
    TicketArticleLink,
    Visibility,
)
from kb.rendering import plain_text, render_markdown
from kb.search import config_for_language
from tenancy.context import tenant_context
from tests.tenancy.factories import TenantOwnedFactory
from tests.tickets.factories import TicketFactory

SAME_TENANT = factory.SelfAttribute("..tenant")


class KbSettingsFactory(TenantOwnedFactory):
    class Meta:
        model = KbSettings


class KbCategoryFactory(TenantOwnedFactory):
    class Meta:
        model = KbCategory

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class ArticleFactory(TenantOwnedFactory):
    """A published public article unless told otherwise; its HTML rendered as the service would."""

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body_markdown = "How to do the thing."
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body_markdown))
    body_text = factory.LazyAttribute(lambda o: plain_text(o.body_html))
    status = ArticleStatus.PUBLISHED
    visibility = Visibility.PUBLIC
    search_config = factory.LazyAttribute(lambda o: config_for_language(o.tenant.default_language))


class ArticleVersionFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleVersion

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    number = factory.Sequence(lambda n: n + 1)
    title = "Old title"
    body_markdown = "Old body"


class ArticleSlugFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleSlug

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    slug = factory.Sequence(lambda n: f"old-slug-{n}")


class ArticleTagFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleTag

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    name = factory.Sequence(lambda n: f"tag{n}")


class ArticleImageFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleImage

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    content_type = "image/png"
    file = factory.LazyFunction(lambda: ContentFile(b"\x89PNG\r\n\x1a\n" + b"\0" * 16, name="pixel.png"))


class ArticleVoteFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleVote

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    epoch = 1
    browser = factory.Sequence(lambda n: f"{n:064x}")
    helpful = True


class ReviewRequestFactory(TenantOwnedFactory):
    class Meta:
        model = ReviewRequest

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    reason = ReviewRequest.Reason.OUTDATED


class DeflectionFactory(TenantOwnedFactory):
    class Meta:
        model = Deflection

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    browser = factory.Sequence(lambda n: f"{n:064x}")


class DailyCountFactory(TenantOwnedFactory):
    class Meta:
        model = DailyCount

    day = factory.Faker("date_object")
    metric = DailyCount.Metric.SEARCH
    count = 1


class SearchMissFactory(TenantOwnedFactory):
    class Meta:
        model = SearchMiss

    day = factory.Faker("date_object")
    query = factory.Sequence(lambda n: f"missing words {n}")
    count = 1


class TicketArticleLinkFactory(TenantOwnedFactory):
    class Meta:
        model = TicketArticleLink

    ticket = factory.SubFactory(TicketFactory, tenant=SAME_TENANT)
    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)


class ArticleEventFactory(TenantOwnedFactory):
    class Meta:
        model = ArticleEvent

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT)
    kind = ArticleEvent.Kind.CREATED


class FiledRequestFactory(TenantOwnedFactory):
    class Meta:
        model = FiledRequest

    ticket = factory.SubFactory(TicketFactory, tenant=SAME_TENANT)
    browser = factory.Sequence(lambda n: f"{n:064x}")


class SuggestionEntryFactory(TenantOwnedFactory):
    """An entry made by hand (the trigger makes them for published public articles: a draft's has none)."""

    class Meta:
        model = SuggestionEntry

    article = factory.SubFactory(ArticleFactory, tenant=SAME_TENANT, status=ArticleStatus.DRAFT)
    updated_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Given a published public article (the generated isolation tests pass one), the trigger made its entry.
        with tenant_context(kwargs["tenant"]):
            existing = model_class.objects.filter(article=kwargs["article"]).first()
            return existing or model_class.objects.create(*args, **kwargs)
