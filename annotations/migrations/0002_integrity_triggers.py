"""Invariants a CHECK constraint cannot express, as triggers on SQLite and PostgreSQL.

- a claim's quote equals its article's body at [start, end) in code points (both databases'
  substr() and length() count characters, as Python does);
- an article's body cannot change once a claim points into it.
"""

from django.db import migrations

QUOTE_MESSAGE = "claim quote must equal the article body at its offsets"
FROZEN_MESSAGE = "article body is frozen once a claim points into it"

SQLITE_QUOTE_CONDITION = """
    NEW."end" > (SELECT length(body) FROM annotations_article WHERE id = NEW.article_id)
    OR NEW.quote IS NOT (SELECT substr(body, NEW.start + 1, NEW."end" - NEW.start)
                         FROM annotations_article WHERE id = NEW.article_id)
"""

SQLITE_FORWARD = [
    f"""CREATE TRIGGER annotations_claim_quote_insert BEFORE INSERT ON annotations_claim
        WHEN {SQLITE_QUOTE_CONDITION}
        BEGIN SELECT RAISE(ABORT, '{QUOTE_MESSAGE}'); END""",
    f"""CREATE TRIGGER annotations_claim_quote_update
        BEFORE UPDATE OF start, "end", quote, article_id ON annotations_claim
        WHEN {SQLITE_QUOTE_CONDITION}
        BEGIN SELECT RAISE(ABORT, '{QUOTE_MESSAGE}'); END""",
    f"""CREATE TRIGGER annotations_article_body_frozen BEFORE UPDATE OF body ON annotations_article
        WHEN NEW.body IS NOT OLD.body
             AND EXISTS (SELECT 1 FROM annotations_claim WHERE article_id = OLD.id)
        BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS annotations_claim_quote_insert",
    "DROP TRIGGER IF EXISTS annotations_claim_quote_update",
    "DROP TRIGGER IF EXISTS annotations_article_body_frozen",
]

POSTGRES_FORWARD = [
    f"""CREATE FUNCTION annotations_claim_check_quote() RETURNS trigger AS $$
        DECLARE b text;
        BEGIN
            IF NEW.start < 0 OR NEW."end" <= NEW.start THEN
                RETURN NEW;  -- out-of-order bounds: the table's CHECK constraints refuse them
            END IF;
            SELECT body INTO b FROM annotations_article WHERE id = NEW.article_id;
            IF NEW."end" > char_length(b)
               OR substr(b, NEW.start + 1, NEW."end" - NEW.start) IS DISTINCT FROM NEW.quote THEN
                RAISE EXCEPTION '{QUOTE_MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER annotations_claim_quote
        BEFORE INSERT OR UPDATE OF start, "end", quote, article_id ON annotations_claim
        FOR EACH ROW EXECUTE FUNCTION annotations_claim_check_quote()""",
    f"""CREATE FUNCTION annotations_article_freeze_body() RETURNS trigger AS $$
        BEGIN
            IF NEW.body IS DISTINCT FROM OLD.body
               AND EXISTS (SELECT 1 FROM annotations_claim WHERE article_id = OLD.id) THEN
                RAISE EXCEPTION '{FROZEN_MESSAGE}' USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER annotations_article_body_frozen
        BEFORE UPDATE OF body ON annotations_article
        FOR EACH ROW EXECUTE FUNCTION annotations_article_freeze_body()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS annotations_claim_quote ON annotations_claim",
    "DROP FUNCTION IF EXISTS annotations_claim_check_quote()",
    "DROP TRIGGER IF EXISTS annotations_article_body_frozen ON annotations_article",
    "DROP FUNCTION IF EXISTS annotations_article_freeze_body()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_REVERSE),
}


def _run(schema_editor, index: int) -> None:
    """Run the statements for this database; other backends rely on the services alone."""
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for sql in statements[index]:
        schema_editor.execute(sql)


def forward(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def reverse(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
