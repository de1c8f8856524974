"""Writing articles: create, edit (each save keeps a version), restore a version, publish, unpublish, archive,
mark reviewed, upload an image. Every change writes its ArticleEvent in the same transaction."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from kb.models import (
    Article,
    ArticleEvent,
    ArticleImage,
    ArticleSlug,
    ArticleStatus,
    ArticleTag,
    ArticleVersion,
    KbCategory,
    ReviewRequest,
    Visibility,
)
from kb.rendering import MAX_MARKDOWN_CHARS, plain_text, render_markdown
from kb.services.common import KbError, record, require_editor, search_config
from tenancy.models import Membership, ensure_same_tenant
from tickets import clock
from tickets.services.events import Actor

MAX_TAGS = 10
IMAGE_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


def _clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise KbError("Give the article a title.")
    if len(title) > 200:
        raise KbError("Keep the title under 200 characters.")
    return title


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n")
    if len(body) > MAX_MARKDOWN_CHARS:
        raise KbError(f"Keep the article under {MAX_MARKDOWN_CHARS:,} characters.")
    return body


def _clean_tags(tags) -> list[str]:
    names = []
    for tag in tags or ():
        name = " ".join(str(tag).split()).lower()[:50]
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_TAGS:
        raise KbError(f"Use at most {MAX_TAGS} tags.")
    return names


def _free_slug(title: str, *, article_id: int | None = None) -> str:
    """A slug from the title that no other article uses now or used before."""
    base = slugify(title)[:100].strip("-") or "article"
    candidate, n = base, 1
    while (
        Article.objects.filter(slug=candidate).exclude(pk=article_id).exists()
        or ArticleSlug.objects.filter(slug=candidate).exclude(article_id=article_id).exists()
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _set_tags(article: Article, names: list[str]) -> None:
    ArticleTag.objects.filter(article=article).exclude(name__in=names).delete()
    have = set(ArticleTag.objects.filter(article=article).values_list("name", flat=True))
    ArticleTag.objects.bulk_create([ArticleTag(article=article, name=n, tenant_id=article.tenant_id)
                                    for n in names if n not in have])  # fmt: skip


def _render(article: Article) -> None:
    article.body_html = render_markdown(article.body_markdown)
    article.body_text = plain_text(article.body_html)


def _keep_version(article: Article, *, editor: Membership, is_major: bool, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body_markdown=article.body_markdown,
        body_html=article.body_html,
        is_major=is_major,
        note=note[:200],
        editor=editor,
        created_at=clock.now(),
    )


def create_article(
    *,
    actor: Actor,
    title: str,
    body_markdown: str,
    category: KbCategory | None = None,
    visibility: str = Visibility.PUBLIC,
    tags=(),
    publish: bool = False,
) -> Article:
    """Write a new article (a draft unless `publish`); its first version is kept."""
    editor = require_editor(actor)
    ensure_same_tenant(editor, category)
    if visibility not in Visibility.values:
        raise KbError("Choose public or internal.")
    title, body, names = _clean_title(title), _clean_body(body_markdown), _clean_tags(tags)
    now = clock.now()
    with transaction.atomic():
        article = Article(
            title=title,
            body_markdown=body,
            category=category,
            visibility=visibility,
            status=ArticleStatus.PUBLISHED if publish else ArticleStatus.DRAFT,
            author=editor,
            published_at=now if publish else None,
            last_reviewed_at=now,
            created_at=now,
            updated_at=now,
            search_config=search_config(),
            slug=_free_slug(title),
        )
        _render(article)
        article.save()
        _set_tags(article, names)
        _keep_version(article, editor=editor, is_major=True, note="Created")
        record(article, kind=ArticleEvent.Kind.CREATED, actor=editor, version=1)
        if publish:
            record(article, kind=ArticleEvent.Kind.PUBLISHED, actor=editor, version=1)
    return article


def _lock(article_id: int) -> Article:
    try:
        return Article.objects.select_for_update().get(pk=article_id)
    except Article.DoesNotExist as missing:
        raise KbError("That article no longer exists.") from missing


def update_article(
    *,
    article_id: int,
    actor: Actor,
    title: str,
    body_markdown: str,
    category: KbCategory | None = None,
    visibility: str = Visibility.PUBLIC,
    tags=(),
    major: bool = False,
    note: str = "",
    based_on_version: int | None = None,
) -> Article:
    """Save an edit as a new version. A renamed article gets a new slug and keeps the old one as a redirect. A
    major revision starts a new vote epoch (the helpful ratio restarts; older votes stay stored). An edit made
    on an older version than the current one is refused, so two editors never silently overwrite each other."""
    editor = require_editor(actor)
    ensure_same_tenant(editor, category)
    if visibility not in Visibility.values:
        raise KbError("Choose public or internal.")
    title, body, names = _clean_title(title), _clean_body(body_markdown), _clean_tags(tags)
    with transaction.atomic():
        article = _lock(article_id)
        ensure_same_tenant(article, category)
        if based_on_version is not None and based_on_version != article.version:
            raise KbError(
                f"Someone saved version {article.version} while you were editing version {based_on_version}: "
                "open the article again and reapply your changes."
            )
        fields = _apply_content(article, title=title, body=body, major=major)
        article.category, article.visibility = category, visibility
        article.save(update_fields=[*fields, "category", "visibility"])
        _set_tags(article, names)
        _keep_version(article, editor=editor, is_major=major, note=note or ("Major revision" if major else ""))
        record(article, kind=ArticleEvent.Kind.EDITED, actor=editor, version=article.version)
    return article


def _apply_content(article: Article, *, title: str, body: str, major: bool) -> list[str]:
    fields = ["title", "body_markdown", "body_html", "body_text", "version", "updated_at"]
    if title != article.title:
        new_slug = _free_slug(title, article_id=article.pk)
        if new_slug != article.slug:
            try:
                with transaction.atomic():
                    ArticleSlug.objects.get_or_create(slug=article.slug, defaults={"article": article})
            except IntegrityError as clash:
                raise KbError("That title clashes with another article's address; choose another.") from clash
            # Taking back an old slug of its own: it is the current one again, no longer a redirect.
            ArticleSlug.objects.filter(article=article, slug=new_slug).delete()
            article.slug = new_slug
            fields.append("slug")
    article.title, article.body_markdown = title, body
    _render(article)
    article.version += 1
    article.updated_at = clock.now()
    if major:
        article.vote_epoch += 1
        article.helpful_yes = article.helpful_no = 0
        fields += ["vote_epoch", "helpful_yes", "helpful_no"]
    return fields


def restore_version(*, article_id: int, number: int, actor: Actor) -> Article:
    """Make an old version current again, as a new version (history is never rewritten)."""
    editor = require_editor(actor)
    with transaction.atomic():
        article = _lock(article_id)
        try:
            old = ArticleVersion.objects.get(article=article, number=number)
        except ArticleVersion.DoesNotExist as missing:
            raise KbError("That version does not exist.") from missing
        if number == article.version:
            raise KbError("That is already the current version.")
        fields = _apply_content(article, title=old.title, body=old.body_markdown, major=False)
        article.save(update_fields=fields)
        _keep_version(article, editor=editor, is_major=False, note=f"Restored version {number}")
        record(article, kind=ArticleEvent.Kind.RESTORED, actor=editor, version=article.version)
    return article


def _set_status(*, article_id: int, actor: Actor, status: str, kind: str) -> Article:
    editor = require_editor(actor)
    with transaction.atomic():
        article = _lock(article_id)
        if article.status == status:
            return article  # already so: nothing to record
        article.status = status
        fields = ["status", "updated_at"]
        article.updated_at = clock.now()
        if status == ArticleStatus.PUBLISHED:
            article.published_at = article.updated_at
            fields.append("published_at")
        article.save(update_fields=fields)
        record(article, kind=kind, actor=editor, version=article.version)
    return article


def publish_article(*, article_id: int, actor: Actor) -> Article:
    return _set_status(article_id=article_id, actor=actor, status=ArticleStatus.PUBLISHED,
                       kind=ArticleEvent.Kind.PUBLISHED)  # fmt: skip


def unpublish_article(*, article_id: int, actor: Actor) -> Article:
    """Back to draft: out of the help centre and the suggestions at once."""
    return _set_status(article_id=article_id, actor=actor, status=ArticleStatus.DRAFT,
                       kind=ArticleEvent.Kind.UNPUBLISHED)  # fmt: skip


def archive_article(*, article_id: int, actor: Actor) -> Article:
    return _set_status(article_id=article_id, actor=actor, status=ArticleStatus.ARCHIVED,
                       kind=ArticleEvent.Kind.ARCHIVED)  # fmt: skip


def mark_reviewed(*, article_id: int, actor: Actor) -> Article:
    """The owner (or another editor) checked the article: off the review list, its open requests closed."""
    editor = require_editor(actor)
    now = clock.now()
    with transaction.atomic():
        article = _lock(article_id)
        article.needs_review = False
        article.last_reviewed_at = now
        article.save(update_fields=["needs_review", "last_reviewed_at"])
        ReviewRequest.objects.filter(article=article, resolved_at=None).update(resolved_at=now)
        record(article, kind=ArticleEvent.Kind.REVIEWED, actor=editor, version=article.version)
    return article


def upload_image(*, actor: Actor, upload, article: Article | None = None) -> ArticleImage:
    """Store an image for the editor; it is served by kb.views.image, to staff only while its article is not
    public. Only PNG, JPEG, GIF and WebP, checked by their first bytes, not by the name the browser sent."""
    from django.core.files.base import ContentFile

    editor = require_editor(actor)
    ensure_same_tenant(editor, article)
    if upload is None:
        raise KbError("Choose an image.")
    if upload.size > MAX_IMAGE_BYTES:
        raise KbError("Images may be at most 5 MB.")
    data = upload.read()
    content_type = _sniff_image(data)
    if content_type is None:
        raise KbError("Only PNG, JPEG, GIF and WebP images can be uploaded.")
    image = ArticleImage(article=article, content_type=content_type, uploaded_by=editor, created_at=clock.now())
    image.file.save(f"image{IMAGE_TYPES[content_type]}", ContentFile(data), save=False)
    image.save()
    return image


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
