"""The knowledge base (issue 18): articles, their versions, old slugs, tags, images, votes, review requests,
deflections and anonymous counters, all tenant-owned behind row-level security.

On PostgreSQL a trigger keeps each article's search vector (title weight A, body text weight B) in the article's
own text-search configuration, so a bulk load and every service write fill it alike; the GIN index leads with
the tenant, as ticket search does (tickets/search.py).
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops
import tenancy.storage


class Migration(migrations.Migration):
    initial = True

    dependencies = [("tickets", "0014_time_zones")]

    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("slug", models.SlugField(max_length=120)),
                ("body_markdown", models.TextField(blank=True)),
                ("body_html", models.TextField(blank=True, editable=False)),
                ("body_text", models.TextField(blank=True, editable=False)),
                (
                    "visibility",
                    models.CharField(
                        choices=[("public", "Public (help centre)"), ("internal", "Internal (staff only)")],
                        default="public",
                        max_length=10,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
                        default="draft",
                        max_length=10,
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                ("vote_epoch", models.PositiveIntegerField(default=1, editable=False)),
                ("helpful_yes", models.PositiveIntegerField(default=0, editable=False)),
                ("helpful_no", models.PositiveIntegerField(default=0, editable=False)),
                ("needs_review", models.BooleanField(default=False)),
                ("last_reviewed_at", models.DateTimeField(blank=True, null=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("search_config", models.CharField(default="simple", max_length=40)),
                ("search_vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ("title_vector", django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="ArticleImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", models.FileField(upload_to=tenancy.storage.tenant_upload_path)),
                ("content_type", models.CharField(max_length=60)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="images",
                        to="kb.article",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="KbCategory",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100)),
                ("slug", models.SlugField(max_length=100)),
                ("description", models.CharField(blank=True, max_length=300)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="kb.kbcategory",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "ticket_category",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.category",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "KB categories",
                "ordering": ["position", "name"],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.AddField(
            model_name="article",
            name="category",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="articles",
                to="kb.kbcategory",
            ),
        ),
        migrations.CreateModel(
            name="KbSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "agents_may_edit",
                    models.BooleanField(
                        default=False,
                        help_text="Agents may write and publish articles (supervisors and admins always may).",
                    ),
                ),
                ("search_config", models.CharField(blank=True, max_length=40)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "KB settings",
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="ReviewRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("not_helpful", "A reader said it did not answer their question"),
                            ("outdated", "An agent flagged it as outdated"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=1000)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("resolved_at", models.DateTimeField(blank=True, null=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="review_requests", to="kb.article"
                    ),
                ),
                (
                    "raised_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="SearchMiss",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("query", models.CharField(max_length=200)),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="TicketArticleLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_text", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="ticket_links", to="kb.article"
                    ),
                ),
                (
                    "membership",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
                (
                    "ticket",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tickets.ticket"
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        migrations.CreateModel(
            name="ArticleSlug",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slug", models.SlugField(max_length=120)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="old_slugs", to="kb.article"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [models.UniqueConstraint(fields=("tenant", "slug"), name="articleslug_tenant_slug")],
            },
        ),
        migrations.CreateModel(
            name="ArticleTag",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="tags", to="kb.article"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["tenant", "name"], name="articletag_name")],
                "constraints": [models.UniqueConstraint(fields=("tenant", "article", "name"), name="articletag_once")],
            },
        ),
        migrations.CreateModel(
            name="ArticleVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveIntegerField()),
                ("title", models.CharField(max_length=200)),
                ("body_markdown", models.TextField(blank=True)),
                ("body_html", models.TextField(blank=True)),
                ("is_major", models.BooleanField(default=False)),
                ("note", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="versions", to="kb.article"
                    ),
                ),
                (
                    "editor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["-number"],
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "article", "number"), name="articleversion_number")
                ],
            },
        ),
        migrations.CreateModel(
            name="ArticleVote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("epoch", models.PositiveIntegerField()),
                ("browser", models.CharField(max_length=64)),
                ("helpful", models.BooleanField()),
                ("missing", models.CharField(blank=True, max_length=1000)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="votes", to="kb.article"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "article", "epoch", "browser"), name="articlevote_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="DailyCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                (
                    "metric",
                    models.CharField(
                        choices=[
                            ("search", "Searches"),
                            ("search_miss", "Searches with no result"),
                            ("suggestion_shown", "Suggestions shown on the request form"),
                            ("suggestion_opened", "Suggested articles opened"),
                            ("article_view", "Article views"),
                        ],
                        max_length=20,
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0)),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "constraints": [models.UniqueConstraint(fields=("tenant", "day", "metric"), name="dailycount_once")],
            },
        ),
        migrations.CreateModel(
            name="Deflection",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("browser", models.CharField(max_length=64)),
                ("opened_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("answered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("deflected", "Deflected"),
                            ("filed", "Filed a request anyway"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("decided_at", models.DateTimeField(blank=True, null=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="deflections", to="kb.article"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    models.Index(fields=["tenant", "browser", "opened_at"], name="deflection_browser"),
                    models.Index(
                        condition=models.Q(("outcome", "pending")), fields=["opened_at"], name="deflection_pending"
                    ),
                    models.Index(fields=["tenant", "outcome", "decided_at"], name="deflection_outcome"),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="kbcategory",
            constraint=models.UniqueConstraint(fields=("tenant", "slug"), name="kbcategory_tenant_slug"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(fields=["tenant", "search_vector"], name="article_search"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["tenant", "title_vector"], name="article_title_search"
            ),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["tenant", "status", "visibility", "-updated_at"], name="article_list"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["tenant", "category", "status"], name="article_category"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                condition=models.Q(("needs_review", True)), fields=["tenant", "author"], name="article_review"
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.UniqueConstraint(fields=("tenant", "slug"), name="article_tenant_slug"),
        ),
        migrations.AddConstraint(
            model_name="kbsettings",
            constraint=models.UniqueConstraint(fields=("tenant",), name="kbsettings_one_per_tenant"),
        ),
        migrations.AddIndex(
            model_name="reviewrequest",
            index=models.Index(
                condition=models.Q(("resolved_at", None)), fields=["tenant", "article"], name="reviewrequest_open"
            ),
        ),
        migrations.AddConstraint(
            model_name="searchmiss",
            constraint=models.UniqueConstraint(fields=("tenant", "day", "query"), name="searchmiss_once"),
        ),
        migrations.AddIndex(
            model_name="ticketarticlelink",
            index=models.Index(fields=["tenant", "ticket"], name="ticketarticlelink_ticket"),
        ),
        migrations.CreateModel(
            name="ArticleEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "created"),
                            ("edited", "edited"),
                            ("restored", "restored a version"),
                            ("published", "published"),
                            ("unpublished", "unpublished"),
                            ("archived", "archived"),
                            ("reviewed", "marked as reviewed"),
                            ("flagged", "flagged as outdated"),
                        ],
                        max_length=20,
                    ),
                ),
                ("version", models.PositiveIntegerField(null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="events", to="kb.article"
                    ),
                ),
                (
                    "membership",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="tenancy.membership",
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "article", "-created_at"], name="articleevent_article")
                ],
                "abstract": False,
                "base_manager_name": "objects",
            },
        ),
        tenancy.migration_ops.TenantSecurity("kbsettings"),
        tenancy.migration_ops.TenantSecurity("kbcategory"),
        tenancy.migration_ops.TenantSecurity("article"),
        tenancy.migration_ops.TenantSecurity("articleversion"),
        tenancy.migration_ops.TenantSecurity("articleslug"),
        tenancy.migration_ops.TenantSecurity("articletag"),
        tenancy.migration_ops.TenantSecurity("articleimage"),
        tenancy.migration_ops.TenantSecurity("articlevote"),
        tenancy.migration_ops.TenantSecurity("reviewrequest"),
        tenancy.migration_ops.TenantSecurity("deflection"),
        tenancy.migration_ops.TenantSecurity("dailycount"),
        tenancy.migration_ops.TenantSecurity("searchmiss"),
        tenancy.migration_ops.TenantSecurity("ticketarticlelink"),
        tenancy.migration_ops.TenantSecurity("articleevent"),
        tenancy.migration_ops.PostgresSQL(
            sql="""
            CREATE FUNCTION kb_article_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                -- Angle brackets become spaces: the parser would take "<script>" in an article about HTML
                -- for a tag and skip the words after it.
                NEW.title_vector := setweight(
                    to_tsvector(NEW.search_config::regconfig, translate(coalesce(NEW.title, ''), '<>', '  ')), 'A');
                NEW.search_vector := NEW.title_vector
                    || setweight(to_tsvector(NEW.search_config::regconfig,
                                             translate(coalesce(NEW.body_text, ''), '<>', '  ')), 'B');
                RETURN NEW;
            END $$;
            CREATE TRIGGER article_search_vector BEFORE INSERT OR UPDATE OF title, body_text, search_config
                ON kb_article FOR EACH ROW EXECUTE FUNCTION kb_article_search_vector();
            """,
            reverse_sql="""
            DROP TRIGGER article_search_vector ON kb_article;
            DROP FUNCTION kb_article_search_vector();
            """,
        ),
    ]
