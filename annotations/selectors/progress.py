"""Progress figures: per project for the home page, per annotator and per article for managers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from ..access import AuthUser, Capability, NotFound, User, require
from ..models import (
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Membership,
    Project,
    Role,
)
from .core import projects_for_user
from .counting import BoundedCount, Tally, tally


@dataclass(frozen=True)
class ProjectOverview:
    """One project as its member sees it on the home page."""

    project: Project
    roles: tuple[str, ...]
    # The project's figures stop at COUNT_CAP ("1000+"): a page view never counts every row.
    articles: Tally
    claims: Tally  # accepted claims, the ones to judge
    # Accepted claims with at least `overlap` verdicts: counted only while `claims` is exact (the
    # count reads every claim's verdicts), None past the cap (the progress page has it).
    judged: int | None
    # The user's own assignments by status: open (handed out), skipped, done.
    my_open: int
    my_skipped: int
    my_done: int

    @property
    def my_assigned(self) -> int:
        """All the user's assignments in the project, whatever their status."""
        return self.my_open + self.my_skipped + self.my_done

    @property
    def percent(self) -> int | None:
        """Share of accepted claims that have all their verdicts; None past the counts' cap."""
        if self.judged is None:
            return None
        return round(100 * self.judged / self.claims) if self.claims else 0

    @property
    def my_percent(self) -> int:
        """Share of the user's own assignments that are done."""
        return round(100 * self.my_done / self.my_assigned) if self.my_assigned else 0


def _count(qs: QuerySet, field: str = "pk") -> Coalesce:
    """A correlated COUNT subquery, so several counts never multiply each other's joins."""
    return Coalesce(
        Subquery(qs.order_by().values(field).annotate(n=Count("pk")).values("n")[:1]),
        0,
        output_field=IntegerField(),
    )


def _overviews(
    user: AuthUser, projects: QuerySet[Project], check: Callable[[Project], frozenset[str]] | None = None
) -> list[ProjectOverview]:
    """Overviews of the given projects for the user (three queries, whatever their number or size).

    The user's roles in them are read in one query, or by `check` for each project read (which
    refuses an outsider before anything is counted for them).

    The project's articles and accepted claims are bounded counts (COUNT_CAP); judged claims are
    counted for the projects whose accepted claims are fewer than that.
    """
    mine = Assignment.objects.filter(project=OuterRef("pk"), annotator=user)
    rows = list(
        projects.annotate(
            n_articles=BoundedCount(Article.objects.filter(project=OuterRef("pk"))),
            n_claims=BoundedCount(Claim.objects.filter(article__project=OuterRef("pk"), status="accepted")),
            my_open=_count(mine.filter(status=AssignmentStatus.ASSIGNED), "project"),
            my_skipped=_count(mine.filter(status=AssignmentStatus.SKIPPED), "project"),
            my_done=_count(mine.filter(status=AssignmentStatus.DONE), "project"),
        )
        .order_by("name")
    )
    roles: dict[int, frozenset[str]] = {}
    if check is not None:
        roles = {p.pk: check(p) for p in rows}
    else:
        held: dict[int, set[str]] = {}
        memberships = Membership.objects.filter(user=user, project__in=[p.pk for p in rows]).order_by()
        for project_id, role in memberships.values_list("project", "role"):
            held.setdefault(project_id, set()).add(role)
        roles = {pk: frozenset(r) for pk, r in held.items()}
    claims = {p.pk: tally(p.n_claims) for p in rows}
    judged = _judged_claims({p.pk: p.overlap for p in rows if not claims[p.pk].more})
    return [
        ProjectOverview(
            project=p, roles=tuple(sorted(roles.get(p.pk, ()))), articles=tally(p.n_articles),
            claims=claims[p.pk], judged=None if claims[p.pk].more else judged.get(p.pk, 0),
            my_open=p.my_open, my_skipped=p.my_skipped, my_done=p.my_done,
        )
        for p in rows
    ]


def project_overviews(user: AuthUser) -> list[ProjectOverview]:
    """The user's projects with their progress and the project's (a fixed number of queries)."""
    return _overviews(user, projects_for_user(user))


def project_overview(user: User, *, slug: str) -> ProjectOverview:
    """One project's overview for a member (NotFound for outsiders); roles come with it.

    The project is read with its figures, in one query (`overview.project`, with its scheme),
    where reading it first would take two.
    """
    if not user.is_authenticated:
        raise NotFound(gettext("No such project."))  # as require() answers them
    overviews = _overviews(
        user, Project.objects.filter(slug=slug).select_related("scheme"),
        check=lambda found: require(user, found, Capability.VIEW),
    )
    if not overviews:
        raise NotFound(gettext("No such project."))
    return overviews[0]


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


@dataclass(frozen=True)
class ProjectTotals:
    """A project's exact figures, for its managers' progress page."""

    articles: int
    claims: int  # accepted claims
    judged: int  # accepted claims with at least `overlap` verdicts

    @property
    def percent(self) -> int:
        return round(100 * self.judged / self.claims) if self.claims else 0


def project_totals(user: User, project: Project) -> ProjectTotals:
    """The project's articles, accepted claims and claims fully judged, exact: managers only; two
    queries that read every claim of the project (seconds at a million claims), which is why the
    pages everyone sees stop counting at COUNT_CAP instead."""
    require(user, project, Capability.MANAGE)
    articles, claims = (
        Project.objects.filter(pk=project.pk)
        .annotate(
            n_articles=_count(Article.objects.filter(project=OuterRef("pk")), "project"),
            n_claims=_count(
                Claim.objects.filter(article__project=OuterRef("pk"), status="accepted"), "article__project"
            ),
        )
        .values_list("n_articles", "n_claims")
        .get()
    )
    judged = _judged_claims({project.pk: project.overlap}).get(project.pk, 0) if claims else 0
    return ProjectTotals(articles=articles, claims=claims, judged=judged)


def project_languages(project: Project) -> list[str]:
    """The languages of the project's articles, sorted; unchecked (for the list's filter menu).

    A skip scan over the (project, language) index: one index probe per language, where DISTINCT
    reads every article of the project.
    """
    table = connection.ops.quote_name(Article._meta.db_table)
    step = f"SELECT a.language FROM {table} a WHERE a.project_id = %s AND a.language > {{}} ORDER BY a.language LIMIT 1"
    first, after = step.format("''"), step.format("langs.language")
    sql = (
        f"WITH RECURSIVE langs(language) AS (SELECT ({first})"
        f" UNION ALL SELECT ({after}) FROM langs WHERE langs.language IS NOT NULL)"
        " SELECT language FROM langs WHERE language IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, project.pk])
        return [row[0] for row in cursor.fetchall()]


def project_articles(user: User, project: Project) -> QuerySet[Article]:
    """The project's articles for the project page, with claim counts; lazy, so it paginates.

    Each row has `n_accepted`, `n_candidates` and `n_mine` (claims the user gave a verdict to).
    """
    require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    claims = Claim.objects.filter(article=OuterRef("pk"))
    return (
        Article.objects.filter(project=project)
        .select_related("outlet")
        .defer("body", "metadata")  # the list never shows them; bodies can be long
        .annotate(
            n_accepted=_count(claims.filter(status=ClaimStatus.ACCEPTED), "article"),
            n_candidates=_count(claims.filter(status=ClaimStatus.CANDIDATE), "article"),
            n_mine=_count(
                Annotation.objects.filter(
                    claim__article=OuterRef("pk"), annotator=user, verdict__isnull=False
                ),
                "claim__article",
            ),
        )
        .order_by("pk")
    )


@dataclass
class AnnotatorProgress:
    """One person's work in a project: their assignments by kind and status, and what they made."""

    user: AuthUser
    roles: tuple[str, ...] = ()
    judge_open: int = 0
    judge_skipped: int = 0
    judge_done: int = 0
    find_open: int = 0
    find_skipped: int = 0
    find_done: int = 0
    verdicts: int = 0  # annotations with a verdict, in or out of the queue
    claims_marked: int = 0  # claims this person marked by hand
    last_done: dt.datetime | None = None

    @property
    def assigned(self) -> int:
        return (self.judge_open + self.judge_skipped + self.judge_done
                + self.find_open + self.find_skipped + self.find_done)

    @property
    def done(self) -> int:
        return self.judge_done + self.find_done

    @property
    def percent(self) -> int:
        """Share of this person's assignments that are done."""
        return round(100 * self.done / self.assigned) if self.assigned else 0


def annotator_progress(user: User, project: Project) -> list[AnnotatorProgress]:
    """Per annotator (and anyone else holding assignments): managers only; five queries at most."""
    require(user, project, Capability.MANAGE)
    people: dict[int, AnnotatorProgress] = {}
    members = Membership.objects.filter(project=project).select_related("user").order_by("user_id")
    roles: dict[int, list[str]] = {}
    for m in members:
        roles.setdefault(m.user_id, []).append(m.role)
        if m.role == Role.ANNOTATOR and m.user_id not in people:
            people[m.user_id] = AnnotatorProgress(user=m.user)
    by_kind = (
        Assignment.objects.filter(project=project)
        .order_by()
        .values("annotator", "status", finding=ExpressionWrapper(Q(claim__isnull=True), BooleanField()))
        .annotate(n=Count("pk"), last=Max("completed_at", filter=Q(status=AssignmentStatus.DONE)))
    )
    rows = list(by_kind)
    holders = {r["annotator"] for r in rows} - set(people)
    if holders:
        # Assignments outlive a role: someone who lost it still holds slots the manager should see.
        for u in get_user_model().objects.filter(pk__in=holders):
            people[u.pk] = AnnotatorProgress(user=u)
    for r in rows:
        p = people[r["annotator"]]
        prefix = "find" if r["finding"] else "judge"
        suffix = {"assigned": "open", "skipped": "skipped", "done": "done"}[r["status"]]
        setattr(p, f"{prefix}_{suffix}", getattr(p, f"{prefix}_{suffix}") + r["n"])
        if r["last"] and (p.last_done is None or r["last"] > p.last_done):
            p.last_done = r["last"]
    verdicts = (
        Annotation.objects.filter(claim__article__project=project, verdict__isnull=False)
        .order_by().values("annotator").annotate(n=Count("pk")).values_list("annotator", "n")
    )
    for user_id, n in verdicts:
        if user_id in people:
            people[user_id].verdicts = n
    marked = (
        Claim.objects.filter(article__project=project, origin="manual", created_by__isnull=False)
        .order_by().values("created_by").annotate(n=Count("pk")).values_list("created_by", "n")
    )
    for user_id, n in marked:
        if user_id in people:
            people[user_id].claims_marked = n
    for user_id, p in people.items():
        p.roles = tuple(sorted(roles.get(user_id, [])))
    return sorted(people.values(), key=lambda p: p.user.get_username())


def article_progress(user: User, project: Project) -> QuerySet[Article]:
    """Per article, for managers: lazy, so the page paginates it; one query a page.

    Each row has `n_accepted`, `n_candidates`, `n_judged` (accepted claims with `overlap`
    verdicts), `slots_needed` (accepted claims × overlap), `slots_taken`, `slots_done`,
    `finders_open` (find assignments not done) and `finders_done`.
    """
    require(user, project, Capability.MANAGE)
    claims = Claim.objects.filter(article=OuterRef("pk"))
    judged = Claim.objects.filter(article=OuterRef("pk"), status=ClaimStatus.ACCEPTED).annotate(
        n=_count(Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False), "claim")
    ).filter(n__gte=project.overlap)
    slots = Assignment.objects.filter(article=OuterRef("pk"), claim__isnull=False)
    finds = Assignment.objects.filter(article=OuterRef("pk"), claim__isnull=True)
    return (
        Article.objects.filter(project=project)
        .select_related("outlet")
        .defer("body", "metadata")
        .annotate(
            n_accepted=_count(claims.filter(status=ClaimStatus.ACCEPTED), "article"),
            n_candidates=_count(claims.filter(status=ClaimStatus.CANDIDATE), "article"),
            n_judged=_count(judged, "article"),
            slots_needed=F("n_accepted") * Value(project.overlap),
            slots_taken=_count(slots, "article"),
            slots_done=_count(slots.filter(status=AssignmentStatus.DONE), "article"),
            finders_open=_count(finds.exclude(status=AssignmentStatus.DONE), "article"),
            finders_done=_count(finds.filter(status=AssignmentStatus.DONE), "article"),
        )
        .order_by("pk")
    )
