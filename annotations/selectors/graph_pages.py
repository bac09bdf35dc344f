"""Small reads of the claim graph's web pages, beside selectors/graph.py (the data layer's).

Each assumes its caller has already authorised the user for the project (the views call a
selector of graph.py or claim_visible_to first), as visibility.claim_of_project does.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext

from ..models import (
    Article,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimStatus,
    Project,
    RelationCandidate,
)


def question_of_project(project_id: int, question_id: int, *, field: str = "question") -> CheckQuestion:
    """A question of the project, or a ValidationError naming the field."""
    question = CheckQuestion.objects.filter(pk=question_id, project_id=project_id).first()
    if question is None:
        raise ValidationError({field: gettext("No question %(id)s in this project.") % {"id": question_id}})
    return question


def claim_at_span(article: Article, start: int, end: int) -> Claim | None:
    """The claim (not rejected) exactly at this span of the article, if there is one."""
    return (
        Claim.objects.select_related("article").filter(article=article, start=start, end=end)
        .exclude(status=ClaimStatus.REJECTED).first()
    )


def candidate_counts(project: Project, *, kind: str = "") -> dict[str, int]:
    """How many proposals of the project (of one kind, if given) have each status (one query)."""
    counts = dict.fromkeys(CandidateStatus.values, 0)
    qs = RelationCandidate.objects.filter(project=project)
    if kind:
        qs = qs.filter(kind=kind)
    for status, n in qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"):
        counts[status] = n
    return counts
