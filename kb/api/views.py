"""The knowledge-base API, in the ticket API's style. Without a key it reads published public articles only
(anyone may: they are in the help centre too), throttled per address; with a key it reads every article and
writes through kb.services as the key's creator (capped at the key's role; editors only)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from kb import selectors, services
from kb.api.serializers import ArticleSerializer, ArticleSummarySerializer, ArticleWriteSerializer
from kb.models import Article, ArticleStatus
from kb.search import search_articles
from tenancy.roles import Role
from tickets.api.authentication import ApiClient
from tickets.api.throttling import ApiKeyRateThrottle
from tickets.errors import TicketError

SEARCH_LIMIT = 50


class PublicReadOrKey(BasePermission):
    message = "Changing articles needs an API key."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return isinstance(request.user, ApiClient) and request.user.has_role(Role.AGENT)


class AnonymousReadThrottle(AnonRateThrottle):
    rate = "120/min"

    def get_cache_key(self, request, view):
        return None if isinstance(request.user, ApiClient) else super().get_cache_key(request, view)


class KbApiView:
    min_role = None  # gated by the key (or public), not by a session role
    permission_classes = [PublicReadOrKey]
    throttle_classes = [ApiKeyRateThrottle, AnonymousReadThrottle]

    def member(self):
        user = self.request.user
        return user.member if isinstance(user, ApiClient) else None

    def articles(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return QuerySet(Article).none()
        member = self.member()
        articles = Article.objects.all() if member is not None else selectors.public_articles()
        return articles.select_related("category").prefetch_related("tags")


def _write(serializer, *, actor, article: Article | None = None) -> Article:
    data = serializer.validated_data
    common = {"actor": actor, "title": data["title"], "body_markdown": data["body_markdown"],
              "category": data.get("category"), "visibility": data["visibility"], "tags": data["tags"]}  # fmt: skip
    try:
        if article is None:
            article = services.create_article(publish=data.get("status") == ArticleStatus.PUBLISHED, **common)
        else:
            article = services.update_article(article_id=article.pk, major=data["major"],
                                               based_on_version=data["based_on_version"], **common)  # fmt: skip
            wanted = data.get("status")
            moves = {ArticleStatus.PUBLISHED: services.publish_article, ArticleStatus.DRAFT: services.unpublish_article,
                     ArticleStatus.ARCHIVED: services.archive_article}  # fmt: skip
            if wanted and wanted != article.status:
                article = moves[wanted](article_id=article.pk, actor=actor)
    except TicketError as refused:
        raise ValidationError({"message": str(refused)}) from refused
    return article


class ArticleList(KbApiView, generics.ListCreateAPIView):
    cursor_ordering = ("-id",)

    def get_serializer_class(self):
        return ArticleWriteSerializer if self.request.method == "POST" else ArticleSummarySerializer

    def get_queryset(self) -> QuerySet:
        articles = self.articles()
        params = self.request.query_params
        if self.member() is not None:
            if params.get("status") in ArticleStatus.values:
                articles = articles.filter(status=params["status"])
            if params.get("visibility") in ("public", "internal"):
                articles = articles.filter(visibility=params["visibility"])
        if params.get("category"):
            articles = articles.filter(category__slug=params["category"])
        return articles

    @extend_schema(
        summary="List or search knowledge-base articles",
        description="Without a key: published public articles only. With `q`: the best matches (up to 50), "
        "ranked, with a highlighted `snippet`; otherwise newest first, paginated by cursor.",
        parameters=[
            OpenApiParameter("q", str, description="Words to search for"),
            OpenApiParameter("category", str, description="A category's slug"),
            OpenApiParameter("status", str, enum=ArticleStatus.values, description="With a key only"),
            OpenApiParameter("visibility", str, enum=["public", "internal"], description="With a key only"),
        ],
        responses=ArticleSummarySerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()
        if query:
            hits = search_articles(self.get_queryset(), query, config=services.search_config(), limit=SEARCH_LIMIT)
            data = ArticleSummarySerializer(hits, many=True, context=self.get_serializer_context()).data
            return Response({"next": None, "previous": None, "results": data})
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Write an article (editors' keys)", responses={201: ArticleSerializer})
    def post(self, request, *args, **kwargs):
        serializer = ArticleWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        article = _write(serializer, actor=self.member())
        answer = ArticleSerializer(self.articles().get(pk=article.pk), context=self.get_serializer_context())
        return Response(answer.data, status=status.HTTP_201_CREATED)


class ArticleDetail(KbApiView, generics.GenericAPIView):
    serializer_class = ArticleSerializer

    def get_object(self) -> Article:
        article = self.articles().filter(slug=self.kwargs["slug"]).first()
        if article is None:
            raise NotFound("No such article.")
        return article

    @extend_schema(summary="Read an article")
    def get(self, request, *args, **kwargs):
        return Response(ArticleSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(summary="Change an article (editors' keys)", request=ArticleWriteSerializer)
    def put(self, request, *args, **kwargs):
        article = self.get_object()
        serializer = ArticleWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        article = _write(serializer, actor=self.member(), article=article)
        answer = ArticleSerializer(self.articles().get(pk=article.pk), context=self.get_serializer_context())
        return Response(answer.data)
