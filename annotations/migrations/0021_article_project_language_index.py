from django.db import migrations, models


def analyse_articles(apps, schema_editor) -> None:
    """Statistics for the new index at once: SQLite without them may take it for the article
    lists' (project, id) walk and sort every article of the project instead."""
    connection = schema_editor.connection
    if connection.vendor not in ("postgresql", "sqlite"):
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE annotations_article")


class Migration(migrations.Migration):
    """The article list's language menu reads one index entry per language: an index for it."""

    dependencies = [
        ("annotations", "0020_article_project_id_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["project", "language"], name="article_project_language_idx"),
        ),
        migrations.RunPython(analyse_articles, migrations.RunPython.noop),
    ]
