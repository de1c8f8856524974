"""The staff's knowledge base under the desk: the article list, the editor with its preview, versions, publishing,
the review list, categories and the supervisors' numbers. Thin views: role check, selector, form, service."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kb import selectors, services
from kb.forms import STATUS_FILTER, ArticleForm, CategoryForm, KbSettingsForm
from kb.models import Article, ArticleEvent, ArticleVersion, KbCategory
from kb.rendering import render_markdown
from tenancy.roles import Role, role_required
from tickets.errors import TicketError

PAGE_SIZE = 50


def _editor(request: HttpRequest) -> bool:
    return services.may_edit(request.membership)


def _refuse_non_editor(request: HttpRequest) -> None:
    if not _editor(request):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only editors can change articles.")


@role_required(Role.AGENT)
def kb_home(request: HttpRequest) -> HttpResponse:
    """Every article (internal and drafts included) for staff; filters by status, visibility and words."""
    status, visibility = request.GET.get("status", ""), request.GET.get("visibility", "")
    query = request.GET.get("q", "").strip()[:200]
    articles = selectors.staff_articles(status=status, visibility=visibility, query=query,
                                        config=services.search_config())  # fmt: skip
    page = Paginator(articles, PAGE_SIZE, allow_empty_first_page=True).get_page(request.GET.get("page"))
    return render(request, "kb/desk/list.html", {
        "page": page, "status": status, "visibility": visibility, "query": query,
        "status_choices": STATUS_FILTER, "may_edit": _editor(request),
        "review_count": selectors.review_list().count(),
    })  # fmt: skip


def _article(pk: int) -> Article:
    return get_object_or_404(
        Article.objects.select_related("category", "category__parent", "author__user").prefetch_related("tags"), pk=pk
    )


@role_required(Role.AGENT)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    events = (
        ArticleEvent.objects.filter(article=article)
        .select_related("membership__user")
        .order_by("-created_at", "-id")[:20]
    )
    reviews = article.review_requests.filter(resolved_at=None).select_related("ticket", "raised_by__user")[:20]
    return render(request, "kb/desk/article.html", {
        "article": article, "events": events, "reviews": reviews, "may_edit": _editor(request),
    })  # fmt: skip


def _form_initial(article: Article) -> dict:
    return {
        "title": article.title, "body_markdown": article.body_markdown, "category": article.category_id,
        "visibility": article.visibility, "tags": ", ".join(t.name for t in article.tags.all()),
        "based_on_version": article.version,
    }  # fmt: skip


@role_required(Role.AGENT)
def article_new(request: HttpRequest) -> HttpResponse:
    if request.method != "POST" and not _editor(request):
        # An agent who may not edit is told why (the page exists for their role; writing does not).
        return render(request, "kb/desk/editor.html", {"form": None, "article": None, "not_editor": True})
    _refuse_non_editor(request)
    form = ArticleForm(request.POST or None, initial=request.session.pop("kb_draft", None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.create_article(
                actor=request.membership, title=data["title"], body_markdown=data["body_markdown"],
                category=data["category"], visibility=data["visibility"], tags=data["tags"],
                publish=request.POST.get("action") == "publish",
            )  # fmt: skip
        except TicketError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Article saved." if article.status == "draft" else "Article published.")
            return redirect("kb:article_edit", pk=article.pk)
    return render(request, "kb/desk/editor.html", {"form": form, "article": None},
                  status=400 if form.errors else 200)  # fmt: skip


@role_required(Role.AGENT)
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_non_editor(request)
    article = _article(pk)
    form = ArticleForm(request.POST or None, initial=_form_initial(article))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.update_article(
                article_id=article.pk, actor=request.membership, title=data["title"],
                body_markdown=data["body_markdown"], category=data["category"], visibility=data["visibility"],
                tags=data["tags"], major=data["major"], note=data["note"],
                based_on_version=data["based_on_version"],
            )  # fmt: skip
            if request.POST.get("action") == "publish":
                article = services.publish_article(article_id=article.pk, actor=request.membership)
        except TicketError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Saved as version {article.version}.")
            return redirect("kb:article_edit", pk=article.pk)
    return render(request, "kb/desk/editor.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)  # fmt: skip


@role_required(Role.AGENT)
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The editor's live preview (htmx): the Markdown rendered exactly as saving would."""
    html = render_markdown(request.POST.get("body_markdown", "")[:100_000])
    return render(request, "kb/desk/_preview.html", {"html": html})


preview.allowed_methods = {"POST"}  # for the role-gating test: no page to GET here


@role_required(Role.AGENT)
@require_POST
def image_upload(request: HttpRequest) -> HttpResponse:
    """Upload an image from the editor; answers the Markdown to insert (JSON), or the refusal."""
    _refuse_non_editor(request)
    article_id = request.POST.get("article", "")
    article = Article.objects.filter(pk=int(article_id)).first() if article_id.isdigit() else None
    try:
        picture = services.upload_image(actor=request.membership, upload=request.FILES.get("image"), article=article)
    except TicketError as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    from django.urls import reverse

    return JsonResponse({"markdown": f"![image]({reverse('kb:image', kwargs={'image_id': picture.pk})})"})


image_upload.allowed_methods = {"POST"}


@role_required(Role.AGENT)
def versions(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    rows = (
        ArticleVersion.objects.filter(article=article)
        .select_related("editor__user")
        .defer("body_markdown", "body_html")
    )
    context = {"article": article, "versions": rows, "may_edit": _editor(request)}
    return render(request, "kb/desk/versions.html", context)


@role_required(Role.AGENT)
def version_detail(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    article = _article(pk)
    shown = get_object_or_404(ArticleVersion.objects.select_related("editor__user"), article=article, number=version)
    return render(request, "kb/desk/version.html", {"article": article, "version": shown, "may_edit": _editor(request)})


@role_required(Role.AGENT)
@require_POST
def version_restore(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    article = _article(pk)
    try:
        article = services.restore_version(article_id=article.pk, number=version, actor=request.membership)
    except TicketError as refused:
        messages.error(request, str(refused))
        return redirect("kb:versions", pk=pk)
    messages.success(request, f"Version {version} restored as version {article.version}.")
    return redirect("kb:article_detail", pk=pk)


STATUS_ACTIONS = {
    "publish": (services.publish_article, "Published: customers can find it now (if it is public)."),
    "unpublish": (services.unpublish_article, "Unpublished: it is a draft again."),
    "archive": (services.archive_article, "Archived."),
    "reviewed": (services.mark_reviewed, "Marked as reviewed."),
}


@role_required(Role.AGENT)
@require_POST
def article_status(request: HttpRequest, pk: int) -> HttpResponse:
    article = _article(pk)
    action = STATUS_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, "Choose publish, unpublish, archive or reviewed.")
        return redirect("kb:article_detail", pk=pk)
    service, done = action
    try:
        service(article_id=article.pk, actor=request.membership)
    except TicketError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done)
    return redirect("kb:article_detail", pk=pk)


@role_required(Role.AGENT)
def review_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    articles = selectors.review_list(request.membership if mine else None)
    page = Paginator(articles, PAGE_SIZE, allow_empty_first_page=True).get_page(request.GET.get("page"))
    return render(request, "kb/desk/review.html", {"page": page, "mine": mine, "may_edit": _editor(request)})


@role_required(Role.SUPERVISOR)
def stats(request: HttpRequest) -> HttpResponse:
    """The supervisors' KB numbers (deflections decided lazily first), and the KB settings for admins."""
    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 365)
    except ValueError:
        days = 30
    services.finalise_deflections()
    settings_form = None
    if request.membership.has_role(Role.ADMIN):
        settings_form = KbSettingsForm(request.POST or None, instance=services.get_settings())
        if request.method == "POST" and settings_form.is_valid():
            chosen = settings_form.cleaned_data
            services.save_settings(actor=request.membership, agents_may_edit=chosen["agents_may_edit"],
                                   search_config=chosen["search_config"])  # fmt: skip
            messages.success(request, "Knowledge-base settings saved.")
            return redirect("kb:stats")
    elif request.method == "POST":
        raise Http404("No such page.")
    return render(request, "kb/desk/stats.html", {"stats": selectors.kb_stats(days=days), "days": days,
                                                  "settings_form": settings_form})  # fmt: skip


@role_required(Role.AGENT)
def categories(request: HttpRequest) -> HttpResponse:
    form = CategoryForm(request.POST or None)
    if request.method == "POST":
        _refuse_non_editor(request)
        if form.is_valid():
            try:
                services.save_category(actor=request.membership, **form.cleaned_data)
            except TicketError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Category added.")
                return redirect("kb:categories")
    tops = selectors.help_categories()
    return render(request, "kb/desk/categories.html", {"form": form, "categories": tops, "may_edit": _editor(request)},
                  status=400 if form.errors else 200)  # fmt: skip


@role_required(Role.AGENT)
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _refuse_non_editor(request)
    category = get_object_or_404(KbCategory, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_category(actor=request.membership, category=category, **form.cleaned_data)
        except TicketError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Category saved.")
            return redirect("kb:categories")
    return render(request, "kb/desk/category_form.html", {"form": form, "category": category},
                  status=400 if form.errors else 200)  # fmt: skip
