"""Per-project pseudonym salts, and a French full-text index on claims for PostgreSQL."""

import secrets

from django.db import migrations, models

import annotations.models.projects

# Claim search (the relation picker) matches this very expression, so PostgreSQL can use it.
CLAIM_FTS_INDEX = (
    "CREATE INDEX IF NOT EXISTS claim_fts_french ON annotations_claim "
    "USING gin (to_tsvector('french'::regconfig, statement || ' ' || quote || ' ' || speaker))"
)


def fill_salts(apps, schema_editor) -> None:
    """Give every existing project its own salt (AddField's default is evaluated once)."""
    Project = apps.get_model("annotations", "Project")
    for project in Project.objects.only("pk"):
        Project.objects.filter(pk=project.pk).update(pseudonym_salt=secrets.token_hex(16))


def create_fts_index(apps, schema_editor) -> None:
    """Only PostgreSQL has full-text search; SQLite falls back to a plain match."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CLAIM_FTS_INDEX)


def drop_fts_index(apps, schema_editor) -> None:
    """Reverse of create_fts_index."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS claim_fts_french")


class Migration(migrations.Migration):

    dependencies = [
        ("annotations", "0005_suggestionmodel"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="pseudonym_salt",
            field=models.CharField(
                default=annotations.models.projects.new_pseudonym_salt, editable=False, max_length=32
            ),
        ),
        migrations.RunPython(fill_salts, migrations.RunPython.noop),
        migrations.RunPython(create_fts_index, drop_fts_index),
    ]
