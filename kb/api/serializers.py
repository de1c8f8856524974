from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kb.models import Article, ArticleStatus, KbCategory, Visibility


class KbCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = KbCategory
        fields = ["id", "name", "slug", "parent", "description", "position"]
        read_only_fields = fields


class ArticleSerializer(serializers.ModelSerializer):
    """An article as the API shows it. Anonymous callers never get a non-public one (kb.api.views)."""

    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    tags = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    helpful_percent = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Article
        fields = [
            "id", "slug", "title", "body_markdown", "body_html", "category", "tags", "visibility", "status",
            "version", "helpful_yes", "helpful_no", "helpful_percent", "published_at", "updated_at",
            "last_reviewed_at", "url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_tags(self, article: Article) -> list[str]:
        return [t.name for t in article.tags.all()]

    def get_url(self, article: Article) -> str | None:
        request = self.context.get("request")
        if request is None or not article.is_public:
            return None
        return request.tenant.url_for("kb:article", slug=article.slug)


class ArticleSummarySerializer(ArticleSerializer):
    snippet = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [f for f in ArticleSerializer.Meta.fields if f not in ("body_markdown", "body_html")] + ["snippet"]
        read_only_fields = fields

    def get_snippet(self, article: Article) -> str:
        from kb.search import snippet

        return str(snippet(article))


@extend_schema_field(OpenApiTypes.STR)
class CategorySlugField(serializers.SlugRelatedField):
    """A category of the tenant in scope, by slug (the queryset is made per request: it needs the scope)."""

    def get_queryset(self):
        return KbCategory.objects.all()


class ArticleWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body_markdown = serializers.CharField(allow_blank=True, max_length=100_000, required=False, default="")
    category = CategorySlugField(slug_field="slug", required=False, allow_null=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.PUBLIC)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    status = serializers.ChoiceField(choices=ArticleStatus.choices, required=False)
    major = serializers.BooleanField(required=False, default=False)
    based_on_version = serializers.IntegerField(required=False, allow_null=True, default=None)
