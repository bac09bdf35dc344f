"""Claims the article itself asserts: a flag instead of the engine's placeholder speaker "author".

Suggested claims used to carry the speaker "author" (the engine's word for the article's own
voice). They get the article's author, else its outlet's name, else nothing, and the flag.
"""

import importlib

from django.db import migrations, models

# The engine's placeholder; claims marked or edited by people keep whatever speaker they typed.
PLACEHOLDER = "author"
MAX_SPEAKER = 300

_triggers = importlib.import_module("annotations.migrations.0002_integrity_triggers")


# Adding (or removing) a NOT NULL column rebuilds the claim table on SQLite: the rebuild drops
# the claim's triggers, and the article's trigger, which reads the claim table, makes the final
# rename fail. So the triggers come off around it. PostgreSQL adds the column in place.


def drop_sqlite_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in _triggers.SQLITE_REVERSE:
            schema_editor.execute(sql)


def restore_sqlite_triggers(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in _triggers.SQLITE_REVERSE + _triggers.SQLITE_FORWARD:
            schema_editor.execute(sql)


def forward(apps, schema_editor) -> None:
    Claim = apps.get_model("annotations", "Claim")
    claims = (
        Claim.objects.filter(origin="suggested", speaker=PLACEHOLDER)
        .select_related("article__outlet")
        .only("pk", "article__author", "article__outlet__name")
    )
    updated = []
    for claim in claims.iterator(chunk_size=2000):
        article = claim.article
        outlet = article.outlet.name if article.outlet_id else ""
        claim.speaker = (article.author or outlet or "")[:MAX_SPEAKER]
        claim.asserted_by_article = True
        updated.append(claim)
    # Only these two columns: no history entry, no version bump (the engine's word, not a person's).
    Claim.objects.bulk_update(updated, ["speaker", "asserted_by_article"], batch_size=1000)


def reverse(apps, schema_editor) -> None:
    Claim = apps.get_model("annotations", "Claim")
    Claim.objects.filter(origin="suggested", asserted_by_article=True).update(speaker=PLACEHOLDER)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0012_project_suggest_budget")]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, restore_sqlite_triggers),
        migrations.AddField(
            model_name="claim",
            name="asserted_by_article",
            field=models.BooleanField(
                default=False,
                help_text="The article itself asserts the claim; the speaker is its author, else its outlet.",
            ),
        ),
        migrations.AddField(
            model_name="historicalclaim",
            name="asserted_by_article",
            field=models.BooleanField(
                default=False,
                help_text="The article itself asserts the claim; the speaker is its author, else its outlet.",
            ),
        ),
        migrations.RunPython(restore_sqlite_triggers, drop_sqlite_triggers),
        migrations.RunPython(forward, reverse),
    ]
