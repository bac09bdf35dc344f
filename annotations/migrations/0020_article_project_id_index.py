from django.db import migrations, models


class Migration(migrations.Migration):
    """Lists and the queue walk a project's articles in id order: an index that gives that order."""

    dependencies = [
        ("annotations", "0019_job_kind_archive"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["project", "id"], name="article_project_id_idx"),
        ),
    ]
