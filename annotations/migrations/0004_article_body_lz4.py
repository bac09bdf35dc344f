"""Compress article bodies with lz4 on PostgreSQL where the server supports it.

Bodies are a few kilobytes, so PostgreSQL compresses each one (TOAST); lz4 does that several
times faster than the default pglz, which is most of the cost of a large import.
"""

from django.db import migrations


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    if row and "lz4" in row[0]:
        schema_editor.execute("ALTER TABLE annotations_article ALTER COLUMN body SET COMPRESSION lz4")


def reverse(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE annotations_article ALTER COLUMN body SET COMPRESSION DEFAULT")


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_default_verdict_scheme")]
    operations = [migrations.RunPython(forward, reverse)]
