"""Outlets belong to a project: a shared outlet becomes one copy per project whose articles use it.

The first project (lowest id) keeps the existing row; every other project gets its own copy and
its articles are repointed to it. An outlet no article uses belongs to no project and is
deleted (nobody but a superuser could see it once outlets are scoped). Reversing merges the
copies back into one outlet per name.
"""

import django.db.models.deletion
from django.db import migrations, models


def split_outlets(apps, schema_editor):
    Outlet = apps.get_model("annotations", "Outlet")
    Article = apps.get_model("annotations", "Article")
    for outlet in Outlet.objects.order_by("pk"):
        project_ids = sorted(
            set(Article.objects.filter(outlet=outlet).values_list("project_id", flat=True))
        )
        if not project_ids:
            outlet.delete()
            continue
        first, *others = project_ids
        outlet.project_id = first
        outlet.save(update_fields=["project"])
        for project_id in others:
            copy = Outlet.objects.create(
                project_id=project_id, name=outlet.name, domain=outlet.domain,
                country=outlet.country, language=outlet.language,
            )
            Article.objects.filter(outlet=outlet, project_id=project_id).update(outlet=copy)
    if schema_editor.connection.vendor == "postgresql":
        # The next operations alter the table; PostgreSQL refuses that while the deferred
        # foreign-key checks of the rows written above are still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def merge_outlets(apps, schema_editor):
    Outlet = apps.get_model("annotations", "Outlet")
    Article = apps.get_model("annotations", "Article")
    kept: dict[str, int] = {}
    for outlet in Outlet.objects.order_by("pk"):
        if outlet.name not in kept:
            kept[outlet.name] = outlet.pk
            continue
        Article.objects.filter(outlet=outlet).update(outlet_id=kept[outlet.name])
        outlet.delete()
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0010_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="outlet",
            name="project",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="outlets",
                to="annotations.project",
            ),
        ),
        migrations.AlterField(
            model_name="outlet", name="name", field=models.CharField(max_length=200),
        ),
        migrations.RunPython(split_outlets, merge_outlets),
        migrations.AlterField(
            model_name="outlet",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="outlets",
                to="annotations.project",
            ),
        ),
        migrations.AddField(
            model_name="outlet",
            name="import_job",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="annotations.job",
            ),
        ),
        migrations.AlterModelOptions(name="outlet", options={"ordering": ["project", "name"]}),
        migrations.AlterField(
            model_name="article",
            name="outlet",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT,
                related_name="articles", to="annotations.outlet",
            ),
        ),
        migrations.AddConstraint(
            model_name="outlet",
            constraint=models.UniqueConstraint(
                fields=("project", "name"), name="outlet_name_unique_in_project"
            ),
        ),
    ]
