"""Fixtures of the article page tests: articles full of claims, hostile text, the seed corpus.

Import the ones a module uses: `from tests.ui.fixtures_article import busy_article  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import AbstractBaseUser

from annotations.models import (
    Annotation,
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Evidence,
    Outlet,
    Project,
    Stance,
    body_hash,
)

# Every place user text is shown gets both: a tag that would run, and an attribute breakout.
HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)'


def make_busy_article(
    project: Project, n_claims: int, *, annotators: list[AbstractBaseUser] = (),
    evidence_by: AbstractBaseUser | None = None, chars: int = 0, title: str = "Busy article",
) -> Article:
    """An article with n claims: sentences, each also nested in a pair-of-sentences claim and
    overlapped by the next, plus suggestions; every accepted claim annotated and evidenced."""
    sentence_count = max(n_claims, 1)
    sentences = [f"Phrase {i} 🙂 dit que {i * 7} % des gens ont raison." for i in range(sentence_count)]
    body = " ".join(sentences)
    if chars and len(body) < chars:
        body += " " + "Du texte sans claim. " * ((chars - len(body)) // 21 + 1)
    article = Article.objects.create(
        project=project, title=title, body=body, body_hash=body_hash(body), language="fr",
        outlet=Outlet.objects.get_or_create(project=project, name="Le Busy")[0],
    )
    starts = []
    offset = 0
    for sentence in sentences:
        starts.append((offset, offset + len(sentence)))
        offset += len(sentence) + 1
    spans: list[tuple[int, int, str]] = []
    i = 0
    while len(spans) < n_claims and i < len(starts):
        a, b = starts[i]
        spans.append((a, b, ClaimStatus.ACCEPTED))  # the sentence
        if len(spans) < n_claims and i + 1 < len(starts):
            spans.append((a, starts[i + 1][1], ClaimStatus.ACCEPTED))  # nests it and the next
        if len(spans) < n_claims:
            spans.append((a + 2, b - 3, ClaimStatus.CANDIDATE))  # nested inside the sentence
        if len(spans) < n_claims and i + 1 < len(starts):
            spans.append((b - 5, starts[i + 1][0] + 6, ClaimStatus.CANDIDATE))  # overlaps both
        i += 1
    claims = Claim.objects.bulk_create([
        Claim(
            article=article, start=a, end=b, quote=body[a:b], status=status,
            origin=ClaimOrigin.SUGGESTED if status == ClaimStatus.CANDIDATE else ClaimOrigin.MANUAL,
            score=0.75 if status == ClaimStatus.CANDIDATE else None,
            kind="quantity" if status == ClaimStatus.CANDIDATE else "",
            speaker="Quelqu'un",
        )
        for a, b, status in spans
    ])
    claims = list(Claim.objects.filter(article=article))
    verdicts = list(project.scheme.verdicts.all())
    accepted = [c for c in claims if c.status == ClaimStatus.ACCEPTED]
    Annotation.objects.bulk_create([
        Annotation(claim=c, annotator=user, verdict=verdicts[(c.pk + k) % len(verdicts)],
                   confidence=3, rationale=f"Raison {k} pour {c.pk}")
        for c in accepted
        for k, user in enumerate(annotators)
    ])
    if evidence_by is not None:
        Evidence.objects.bulk_create([
            Evidence(claim=c, added_by=evidence_by, url=f"https://example.org/{c.pk}",
                     title=f"Source {c.pk}", stance=Stance.SUPPORTS)
            for c in accepted
        ])
    return article


@pytest.fixture
def busy_article() -> Callable[..., Article]:
    """A factory: `busy_article(project, 300, annotators=[alice, bob], evidence_by=alice)`."""
    return make_busy_article


@pytest.fixture
def hostile_article(project, alice, bob) -> Article:
    """An article whose every user-provided field tries to inject markup, with a hostile claim,
    rationale (bob's, and alice's) and evidence title, in a non-blind project so all are shown."""
    project.blind = False
    project.guidelines = "# Rules\n\n" + HOSTILE
    project.save(update_fields=["blind", "guidelines"])
    body = f"Avant. {HOSTILE} Après le texte."
    outlet = Outlet.objects.create(project=project, name="Outlet " + HOSTILE)
    article = Article.objects.create(
        project=project, title="Title " + HOSTILE, author="Author " + HOSTILE, body=body,
        body_hash=body_hash(body), language="fr", outlet=outlet,
        url='https://example.org/"><script>alert(2)</script>',
    )
    start = body.index("<script>")
    end = start + len(HOSTILE)
    claim = Claim.objects.create(
        article=article, start=start, end=end, quote=body[start:end], statement="Stmt " + HOSTILE,
        speaker="Speaker " + HOSTILE, origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED,
    )
    verdict = project.scheme.verdicts.first()
    for user in (alice, bob):
        Annotation.objects.create(
            claim=claim, annotator=user, verdict=verdict, rationale=f"{user.username} {HOSTILE}"
        )
        Evidence.objects.create(
            claim=claim, added_by=user, url="https://example.org/e", title="Ev " + HOSTILE,
            publisher="Pub " + HOSTILE, passage="Passage " + HOSTILE, stance=Stance.CONTEXT,
        )
    return article


@pytest.fixture
def seeded(db) -> Project:
    """The demo project with the five seed articles (and the demo users)."""
    from annotations.services.seeds import PROJECT_SLUG, seeds_load

    seeds_load(password=None)
    return Project.objects.get(slug=PROJECT_SLUG)


def seed_article(project: Project, prefix: str) -> Article:
    """The seed article whose external id starts with prefix ("003", "004")."""
    return Article.objects.get(project=project, external_id__startswith=prefix)


def span_of(article: Article, text: str) -> tuple[int, int]:
    """Code-point offsets of the first occurrence of text in the article's body."""
    start = article.body.index(text)
    return start, start + len(text)


def claim_on(article: Article, text: str, **fields: object) -> Claim:
    """An accepted claim on the first occurrence of text."""
    start, end = span_of(article, text)
    return Claim.objects.create(
        article=article, start=start, end=end, quote=article.body[start:end],
        origin=fields.pop("origin", ClaimOrigin.MANUAL),
        status=fields.pop("status", ClaimStatus.ACCEPTED), **fields,
    )


class _LiveMarkup(HTMLParser):
    """Collects what would run in a page: inline scripts, event handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            # Only our own static files, loaded by src.
            if not (values.get("src") or "").startswith("/static/"):
                self.found.append(f"<script {attrs}>")
        for name, value in attrs:
            # None of our own either: the Content-Security-Policy would block them.
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower(
            ).startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def assert_no_live_markup(html: str) -> None:
    """Fail if user text became markup: an inline script, an on* attribute, a javascript: URL."""
    parser = _LiveMarkup()
    parser.feed(html)
    assert not parser.found, parser.found
    assert "<script>alert" not in html
