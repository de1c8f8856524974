"""The help centre on the tenant's host: open to anyone, and it shows only published public articles
(kb.selectors with public_only, whoever is signed in: staff see what customers see)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from kb import selectors, services
from kb.browser import browser_digest, has_browser, is_bot, keep_cookie
from kb.forms import VoteForm
from kb.models import Article, DailyCount, KbCategory
from kb.search import clean_query
from tenancy.roles import public

SEARCH_RATE = "60/m"
SUGGEST_RATE = "120/m"
VOTE_RATE = "30/h"
FROM_FORM = "form"


def _article_or_404(slug: str) -> Article:
    article, _ = selectors.get_readable_article(member=None, slug=slug, public_only=True)
    if article is None:
        raise Http404("No such article.")
    return article


def _counting(request: HttpRequest) -> bool:
    """Whether this visit counts: a person's browser, not a crawler or a member of staff."""
    member = getattr(request, "membership", None)
    return not is_bot(request) and not (member and member.is_staff_member)


@public
def help_home(request: HttpRequest) -> HttpResponse:
    return render(request, "kb/help/home.html", {
        "categories": selectors.help_categories(),
        "popular": selectors.popular_articles(),
    })  # fmt: skip


@public
def help_category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(KbCategory.objects.select_related("parent"), slug=slug)
    return render(request, "kb/help/category.html", {
        "category": category,
        "children": list(category.children.all()) if category.parent_id is None else [],
        "articles": list(selectors.category_articles(category)),
    })  # fmt: skip


@public
def help_search(request: HttpRequest) -> HttpResponse:
    query = clean_query(request.GET.get("q", ""))
    hits = []
    if query:
        if is_ratelimited(request, group="kb-search", key="ip", rate=SEARCH_RATE, increment=True):
            return render(request, "kb/help/search.html", {"query": query, "limited": True}, status=429)
        hits = selectors.search(member=None, query=query, config=services.search_config(), public_only=True)
        if _counting(request):
            services.count(DailyCount.Metric.SEARCH)
            if not hits:
                services.count_search_miss(query)
    return render(request, "kb/help/search.html", {"query": query, "hits": hits})


@public
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    article, current = selectors.get_readable_article(member=None, slug=slug, public_only=True)
    if current is not None:
        target = redirect("kb:article", slug=current, permanent=True)
        if request.GET.get("from") == FROM_FORM:
            target["Location"] += f"?from={FROM_FORM}"
        return target
    if article is None:
        raise Http404("No such article.")
    if _counting(request):
        services.count(DailyCount.Metric.ARTICLE_VIEW)
    from_form = request.GET.get("from") == FROM_FORM and has_browser(request)
    return render(request, "kb/help/article.html", _article_context(request, article, from_form=from_form))


def _article_context(request: HttpRequest, article: Article, *, from_form: bool = False, **extra) -> dict:
    return {"article": article, "from_form": from_form, "vote_form": VoteForm(), **extra}


@public
@require_POST
def help_vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Did this answer your question?" A "no" asks what was missing (a second POST with the note)."""
    article = _article_or_404(slug)
    form = VoteForm(request.POST)
    context = _article_context(request, article)
    if not form.is_valid():
        context["vote_error"] = "Choose yes or no."
        return _vote_response(request, context, status=400)
    if is_bot(request) or is_ratelimited(request, group="kb-vote", key="ip", rate=VOTE_RATE, increment=True):
        context["voted"] = "limited"
        return _vote_response(request, context, status=429 if not is_bot(request) else 200)
    helpful = form.cleaned_data["helpful"] == "yes"
    browser = browser_digest(request, tenant_id=request.tenant.pk)
    services.vote(article=article, browser=browser, helpful=helpful, missing=form.cleaned_data["missing"])
    if helpful:
        # A "yes" on an article opened from the request form is the explicit "this answered my question".
        services.confirm_answered(browser=browser, article=article)
    context["voted"] = "yes" if helpful else ("noted" if form.cleaned_data["missing"] else "no")
    return keep_cookie(request, _vote_response(request, context))


def _vote_response(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    template = "kb/help/article.html#vote" if request.htmx else "kb/help/article.html"
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response


@public
@require_POST
def help_answered(request: HttpRequest, slug: str) -> HttpResponse:
    """ "This answered my question", from an article the request form suggested: the deflection counts now."""
    article = _article_or_404(slug)
    if has_browser(request) and not is_bot(request):
        services.confirm_answered(browser=browser_digest(request, tenant_id=request.tenant.pk), article=article)
    context = _article_context(request, article, answered=True)
    template = "kb/help/article.html#answered" if request.htmx else "kb/help/article.html"
    return render(request, template, context)


@public
def form_suggestions(request: HttpRequest) -> HttpResponse:
    """The request form's suggestions while the customer types a subject (htmx, debounced in the template)."""
    text = clean_query(request.GET.get("subject", ""))
    articles = []
    if len(text) >= 3 and not is_ratelimited(request, group="kb-suggest", key="ip", rate=SUGGEST_RATE,
                                             increment=True):  # fmt: skip
        articles = selectors.suggest(member=None, text=text, config=services.search_config(), public_only=True)
        if articles and _counting(request):
            services.count(DailyCount.Metric.SUGGESTION_SHOWN)
    response = render(request, "kb/help/_suggestions.html", {"articles": articles, "text": text})
    response["Cache-Control"] = "no-store"
    return response


@public
def open_suggestion(request: HttpRequest, slug: str) -> HttpResponse:
    """A suggestion opened from the request form: start (or join) this browser's pending deflection, then show
    the article. Crawlers and staff are shown the article and counted nowhere."""
    article = _article_or_404(slug)
    response = redirect(f"{article_url(article)}?from={FROM_FORM}")
    if _counting(request):
        services.open_suggestion(article=article, browser=browser_digest(request, tenant_id=request.tenant.pk))
        keep_cookie(request, response)
    return response


def article_url(article: Article) -> str:
    from django.urls import reverse

    return reverse("kb:article", kwargs={"slug": article.slug})


@public
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    """An article image: anyone may load one of a public article; staff any (kb.views.desk uploads them)."""
    from django.http import FileResponse

    from kb.models import ArticleImage

    member = getattr(request, "membership", None)
    images = ArticleImage.objects.select_related("article")
    picture = images.filter(pk=image_id).first()
    if picture is None:
        raise Http404("No such image.")
    staff = bool(member) and member.is_staff_member
    if not staff and (picture.article is None or not picture.article.is_public):
        raise Http404("No such image.")
    response = FileResponse(picture.file.open("rb"), content_type=picture.content_type)
    response["Cache-Control"] = "private, max-age=3600" if not staff else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
