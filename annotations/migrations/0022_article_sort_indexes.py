import django.db.models.deletion
from django.db import migrations, models


def analyse_articles(apps, schema_editor) -> None:
    """Statistics for the new indexes at once, as 0021 does for its own."""
    connection = schema_editor.connection
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_article")


class Migration(migrations.Migration):
    """The article list sorted by date or by title reads its page from an index (id breaks ties);
    the date index replaces (project, published_on), which it covers, and the foreign key's own
    (project) index goes, covered by every other index of the table (imports write one fewer)."""

    dependencies = [
        ("annotations", "0021_article_project_language_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="article", name="annotations_project_ba5463_idx"),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["project", "published_on", "id"], name="article_project_date_idx"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["project", "title", "id"], name="article_project_title_idx"),
        ),
        # The index dropped by name: SQLite's AlterField would remake the table, and with it the
        # triggers that keep bodies and quotes frozen (migration 0002's SQL) would fail.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="project",
                    field=models.ForeignKey(
                        db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="articles",
                        to="annotations.project",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS annotations_article_project_id_edeaca9e",
                    "CREATE INDEX annotations_article_project_id_edeaca9e ON annotations_article (project_id)",
                ),
            ],
        ),
        migrations.RunPython(analyse_articles, migrations.RunPython.noop),
    ]
