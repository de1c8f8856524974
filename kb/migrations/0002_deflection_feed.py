"""Knowledge base (issue 18 gaps): a filed request's browser note for the change-feed subscriber (kb.feed), and
the narrow suggestion entries of published public articles (kb.models.SuggestionEntry), kept by a trigger on
kb_article and filled for the articles that exist, tenant by tenant (row-level security binds the owner too)."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.migration_ops


def fill_suggestion_entries(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite's suggestions read the articles themselves
    for tenant_id in tenancy.migration_ops.each_tenant(schema_editor):
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO kb_suggestionentry (tenant_id, article_id, category_id, updated_at, title_vector) "
                "SELECT tenant_id, id, category_id, updated_at, title_vector FROM kb_article "
                "WHERE tenant_id = %s AND status = 'published' AND visibility = 'public' "
                "ON CONFLICT (tenant_id, article_id) DO NOTHING",
                [tenant_id],
            )


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="FiledRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("browser", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
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
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tickets.ticket",
                    ),
                ),
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["created_at"], name="filedrequest_created")],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "ticket"), name="filedrequest_one_per_ticket")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("filedrequest"),
        migrations.CreateModel(
            name="SuggestionEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("category_id", models.BigIntegerField(blank=True, null=True)),
                ("updated_at", models.DateTimeField()),
                ("title_vector", django.contrib.postgres.search.SearchVectorField(null=True)),
                (
                    "article",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
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
            ],
            options={
                "abstract": False,
                "base_manager_name": "objects",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["tenant", "title_vector"], name="suggestionentry_title"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("tenant", "article"), name="suggestionentry_one_per_article")
                ],
            },
        ),
        tenancy.migration_ops.TenantSecurity("suggestionentry"),
        tenancy.migration_ops.PostgresSQL(
            sql="""
            CREATE FUNCTION kb_article_suggestion_entry() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    DELETE FROM kb_suggestionentry WHERE tenant_id = OLD.tenant_id AND article_id = OLD.id;
                    RETURN NULL;
                END IF;
                IF TG_OP = 'UPDATE' AND (OLD.status, OLD.visibility, OLD.category_id, OLD.updated_at,
                        OLD.title_vector) IS NOT DISTINCT FROM (NEW.status, NEW.visibility, NEW.category_id,
                        NEW.updated_at, NEW.title_vector) THEN
                    RETURN NULL;  -- a vote or a review flag: nothing suggestions read
                END IF;
                IF NEW.status = 'published' AND NEW.visibility = 'public' THEN
                    INSERT INTO kb_suggestionentry (tenant_id, article_id, category_id, updated_at, title_vector)
                    VALUES (NEW.tenant_id, NEW.id, NEW.category_id, NEW.updated_at, NEW.title_vector)
                    ON CONFLICT (tenant_id, article_id) DO UPDATE SET category_id = EXCLUDED.category_id,
                        updated_at = EXCLUDED.updated_at, title_vector = EXCLUDED.title_vector;
                ELSE
                    DELETE FROM kb_suggestionentry WHERE tenant_id = NEW.tenant_id AND article_id = NEW.id;
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER article_suggestion_entry AFTER INSERT OR UPDATE OR DELETE ON kb_article
                FOR EACH ROW EXECUTE FUNCTION kb_article_suggestion_entry();
            """,
            reverse_sql="""
            DROP TRIGGER article_suggestion_entry ON kb_article;
            DROP FUNCTION kb_article_suggestion_entry();
            """,
        ),
        migrations.RunPython(fill_suggestion_entries, migrations.RunPython.noop),
    ]
