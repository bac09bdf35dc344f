"""Progress figures: per project for the home page, per annotator and per article for managers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ..access import User
from ..models import Annotation, Article, Assignment, AssignmentStatus, Claim, Membership, Project
from .core import projects_for_user


@dataclass(frozen=True)
class ProjectOverview:
    """One project as its member sees it on the home page."""

    project: Project
    roles: tuple[str, ...]
    articles: int
    claims: int  # accepted claims, the ones to judge
    judged: int  # accepted claims with at least `overlap` annotations
    my_assigned: int
    my_done: int

    @property
    def percent(self) -> int:
        """Share of accepted claims that have all their annotations."""
        return round(100 * self.judged / self.claims) if self.claims else 0

    @property
    def my_percent(self) -> int:
        """Share of the user's own assignments that are done."""
        return round(100 * self.my_done / self.my_assigned) if self.my_assigned else 0


def _count(qs, field: str = "pk") -> Subquery:  # type: ignore[no-untyped-def]
    """A correlated COUNT subquery, so several counts never multiply each other's joins."""
    return Coalesce(
        Subquery(qs.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]),
        0,
        output_field=IntegerField(),
    )


def project_overviews(user: User) -> list[ProjectOverview]:
    """The user's projects with their progress and the project's (a fixed number of queries)."""
    projects = list(
        projects_for_user(user)
        .annotate(
            n_articles=_count(Article.objects.filter(project=OuterRef("pk")), "project"),
            n_claims=_count(
                Claim.objects.filter(article__project=OuterRef("pk"), status="accepted"),
                "article__project",
            ),
            my_assigned=_count(
                Assignment.objects.filter(project=OuterRef("pk"), annotator=user), "project"
            ),
            my_done=_count(
                Assignment.objects.filter(
                    project=OuterRef("pk"), annotator=user, status=AssignmentStatus.DONE
                ),
                "project",
            ),
        )
        .order_by("name")
    )
    judged = _judged_claims({p.pk: p.overlap for p in projects})
    roles: dict[int, list[str]] = {}
    for project_id, role in Membership.objects.filter(user=user).values_list("project", "role"):
        roles.setdefault(project_id, []).append(role)
    return [
        ProjectOverview(
            project=p, roles=tuple(sorted(roles.get(p.pk, []))), articles=p.n_articles,
            claims=p.n_claims, judged=judged.get(p.pk, 0),
            my_assigned=p.my_assigned, my_done=p.my_done,
        )
        for p in projects
    ]


def _judged_claims(overlaps: dict[int, int]) -> dict[int, int]:
    """Per project, how many accepted claims have at least the project's overlap of verdicts."""
    if not overlaps:
        return {}
    rows = (
        Claim.objects.filter(article__project__in=list(overlaps), status="accepted")
        .annotate(
            n=_count(Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False), "claim")
        )
        .filter(n__gte=F("article__project__overlap"))
        .values("article__project")
        .annotate(judged=Count("pk"))
        .values_list("article__project", "judged")
    )
    return dict(rows)
