"""The migration that replaces the engine's placeholder speaker "author" with the article's voice."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from annotations.models import Article, Claim, body_hash

BODY = "Le sommet a eu lieu. Lavrov a déclaré que rien n'avait changé."
OWN, QUOTED = (0, 20), (21, len(BODY))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_turns_the_placeholder_into_the_author_else_the_outlet_with_the_flag():
    executor = MigrationExecutor(connection)
    ours = next(
        key for key in executor.loader.disk_migrations
        if key[0] == "annotations" and key[1].endswith("_claim_asserted_by_article")
    )
    parents = [d for d in executor.loader.disk_migrations[ours].dependencies if d[0] == "annotations"]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(parents)
    try:
        old = executor.loader.project_state(parents).apps
        scheme = old.get_model("annotations", "VerdictScheme").objects.first()
        project = old.get_model("annotations", "Project").objects.create(name="A", slug="a", scheme=scheme)
        outlet = old.get_model("annotations", "Outlet").objects.create(project=project, name="Le Monde")
        Article_ = old.get_model("annotations", "Article")
        Claim_ = old.get_model("annotations", "Claim")
        cases = {"by author": ("A. Dupont", outlet), "by outlet": ("", outlet), "anonymous": ("", None)}
        for n, (title, (author, source)) in enumerate(cases.items(), 1):
            body = BODY + " " * n  # bodies are unique per project
            article = Article_.objects.create(
                project=project, title=title, author=author, outlet=source, body=body,
                body_hash=body_hash(body),
            )
            for (start, end), speaker in ((OWN, "author"), (QUOTED, "Lavrov")):
                Claim_.objects.create(
                    article=article, start=start, end=end, quote=body[start:end], speaker=speaker,
                    origin="suggested", status="candidate",
                )
            # Someone typed "author" by hand: a person's word, left as it is.
            Claim_.objects.create(
                article=article, start=0, end=2, quote=body[:2], speaker="author",
                origin="manual", status="accepted",
            )

        MigrationExecutor(connection).migrate(leaves)
        claims = Claim.objects.select_related("article")
        got = {(c.article.title, c.origin, c.start): (c.speaker, c.asserted_by_article) for c in claims}
        assert got == {
            ("by author", "suggested", 0): ("A. Dupont", True),
            ("by outlet", "suggested", 0): ("Le Monde", True),
            ("anonymous", "suggested", 0): ("", True),
            **{(t, "suggested", QUOTED[0]): ("Lavrov", False) for t in cases},
            **{(t, "manual", 0): ("author", False) for t in cases},
        }
        # The claim table was rebuilt on SQLite: its integrity triggers must still hold.
        article = Article.objects.get(title="anonymous")
        with pytest.raises(IntegrityError, match="quote must equal"), transaction.atomic():
            Claim.objects.create(article=article, start=0, end=5, quote="Autre", origin="manual", status="accepted")
        with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
            Article.objects.filter(pk=article.pk).update(body="Changé.")
    finally:
        MigrationExecutor(connection).migrate(leaves)
