"""Fixtures for web UI tests: logged-in clients, and projects of any size to work in."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from annotations.models import Article, Claim, ClaimOrigin, ClaimStatus, Project, body_hash


@pytest.fixture
def client_for() -> Callable[[AbstractBaseUser], Client]:
    """A factory of test clients logged in as the given user: `client_for(alice).get(url)`."""

    def make(user: AbstractBaseUser) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def make_articles() -> Callable[..., list[Article]]:
    """A factory of articles with claims: `make_articles(project, n, claims=3, status=...)`.

    Each article's body is unique; its claims are sentence-long spans, in body order.
    """

    def make(
        project: Project, n: int, *, claims: int = 0, status: str = ClaimStatus.ACCEPTED,
        title: str = "Article {i}",
    ) -> list[Article]:
        made = []
        start_index = Article.objects.filter(project=project).count()
        for i in range(start_index, start_index + n):
            sentences = [f"Phrase {j} de l'article {i}, avec un chiffre de {i * 100 + j} %." for j in range(max(claims, 1))]
            body = " ".join(sentences)
            article = Article.objects.create(
                project=project, title=title.format(i=i), body=body, body_hash=body_hash(body),
                language=project.language,
            )
            offset = 0
            spans = []
            for sentence in sentences[:claims]:
                spans.append(Claim(
                    article=article, start=offset, end=offset + len(sentence), quote=sentence,
                    origin=ClaimOrigin.IMPORTED, status=status,
                ))
                offset += len(sentence) + 1
            Claim.objects.bulk_create(spans)
            made.append(article)
        return made

    return make
