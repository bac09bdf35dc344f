"""Full-text search over a project's claims, for linking claims and citing them as evidence.

On PostgreSQL the match is `to_tsvector(<config>, statement || ' ' || quote || ' ' || speaker)
@@ to_tsquery(...)`: for French projects exactly the expression migration 0006 indexed (GIN,
`claim_fts_french`), so the planner can use that index. SQLite has no full-text search here:
every word must appear (case-insensitively) in the statement, the quote or the speaker.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypedDict

from django.db import connection
from django.db.models import BooleanField, Case, FloatField, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from ..access import Capability, User, can, require
from ..models import Claim, ClaimStatus, Project

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Ranked(TypedDict):
        """What _fulltext and _plain annotate on each claim."""

        rank: float

# Full-text configurations by project language; anything else is searched without stemming.
TS_CONFIGS = {"fr": "french", "en": "english"}
MAX_TERMS = 12
WORD = re.compile(r"\w+", re.UNICODE)

# The indexed document (migration 0006); the config is interpolated from TS_CONFIGS only.
_DOCUMENT = (
    "to_tsvector('{config}'::regconfig, \"annotations_claim\".\"statement\" || ' ' || "
    "\"annotations_claim\".\"quote\" || ' ' || \"annotations_claim\".\"speaker\")"
)


def ts_config(project: Project) -> str:
    """The text-search configuration for the project's language ('simple' when unknown)."""
    return TS_CONFIGS.get((project.language or "").split("-")[0].lower(), "simple")


def search_terms(q: str) -> list[str]:
    """The words of a query: letters and digits only, so nothing reaches tsquery syntax."""
    return WORD.findall(q or "")[:MAX_TERMS]


def _tsquery(terms: list[str]) -> str:
    """All terms must match; the last one as a prefix, since people search as they type."""
    return " & ".join(t + (":*" if i == len(terms) - 1 else "") for i, t in enumerate(terms))


def _fulltext(qs: QuerySet[Claim], config: str, terms: list[str]) -> QuerySet[WithAnnotations[Claim, _Ranked]]:
    """Filter and rank with PostgreSQL full-text search over the indexed expression."""
    document = _DOCUMENT.format(config=config)
    query = f"to_tsquery('{config}'::regconfig, %s)"
    text = _tsquery(terms)
    return qs.filter(
        RawSQL(f"{document} @@ {query}", (text,), output_field=BooleanField())
    ).annotate(rank=RawSQL(f"ts_rank({document}, {query})", (text,), output_field=FloatField()))


def _plain(qs: QuerySet[Claim], terms: list[str]) -> QuerySet[WithAnnotations[Claim, _Ranked]]:
    """The fallback: every term somewhere in the statement, quote or speaker."""
    for term in terms:
        qs = qs.filter(
            Q(statement__icontains=term) | Q(quote__icontains=term) | Q(speaker__icontains=term)
        )
    return qs.annotate(rank=Value(0.0, output_field=FloatField()))


def claims_search(
    user: User, project: Project, q: str, exclude_claim: Claim | None = None, limit: int = 20
) -> list[Claim]:
    """The project's claims matching q, best first, claims of other articles before the
    excluded claim's own article; rejected claims never, candidates only for those who find."""
    roles = require(user, project, Capability.VIEW)
    terms = search_terms(q)
    if not terms:
        return []
    qs = Claim.objects.filter(article__project=project).exclude(status=ClaimStatus.REJECTED)
    if not can(roles, Capability.FIND, user=user):
        qs = qs.exclude(status=ClaimStatus.CANDIDATE)
    if connection.vendor == "postgresql":
        qs = _fulltext(qs, ts_config(project), terms)
    else:
        qs = _plain(qs, terms)
    other_article: Value | Case = Value(0, output_field=IntegerField())
    if exclude_claim is not None:
        qs = qs.exclude(pk=exclude_claim.pk)
        other_article = Case(
            When(article_id=exclude_claim.article_id, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    qs = (
        qs.annotate(same_article=other_article)
        .select_related("article__outlet")
        .defer("article__body", "article__metadata")
        .order_by("same_article", "-rank", "article_id", "start")
    )
    return list(qs[: max(1, min(limit, 100))])
