"""Read paths: each fetches and authorises in one call, for the UI, API, admin and tasks alike."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from ..access import Capability, NotFound, User, require, roles_for
from ..models import Annotation, Article, Claim, Evidence, Job, Membership, Project, Role


def projects_for_user(user: User) -> QuerySet[Project]:
    """Projects the user belongs to (all of them for a superuser)."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(memberships__user=user).distinct()


def project_get_for_user(
    user: User, *, slug: str | None = None, project_id: int | None = None,
    capability: Capability = Capability.VIEW,
) -> Project:
    """The project by slug or id, if the user's roles grant the capability."""
    lookup = {"slug": slug} if slug is not None else {"pk": project_id}
    project = Project.objects.select_related("scheme").filter(**lookup).first()
    if project is None:
        raise NotFound(gettext("No such project."))
    require(user, project, capability)
    return project


def article_get_for_user(
    user: User, article_id: int, *, capability: Capability = Capability.VIEW
) -> Article:
    """The article, if the user's roles in its project grant the capability."""
    article = Article.objects.select_related("project", "outlet").filter(pk=article_id).first()
    if article is None:
        raise NotFound(gettext("No such article."))
    require(user, article.project_id, capability)
    return article


def claim_get_for_user(
    user: User, claim_id: int, *, capability: Capability = Capability.VIEW
) -> Claim:
    """The claim with its article and project, if the user's roles grant the capability."""
    claim = (
        Claim.objects.select_related("article__project__scheme", "article__outlet")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound(gettext("No such claim."))
    require(user, claim.article.project_id, capability)
    return claim


def job_get_for_user(user: User, job_id: int) -> Job:
    """A job, visible to the project's managers (and to whoever started it)."""
    job = Job.objects.select_related("project").filter(pk=job_id).first()
    if job is None:
        raise NotFound(gettext("No such job."))
    if job.created_by_id == getattr(user, "pk", None) and roles_for(user, job.project_id):
        return job
    require(user, job.project_id, Capability.MANAGE)
    return job


def annotations_visible_to(user: User, claim: Claim) -> QuerySet[Annotation]:
    """The claim's annotations the user may see: in a blind project an annotator sees only theirs."""
    project = claim.article.project
    roles = require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    qs = Annotation.objects.filter(claim=claim).select_related("annotator", "verdict")
    if user.is_superuser or roles & {Role.REVIEWER, Role.MANAGER}:
        return qs
    if Role.ANNOTATOR in roles:
        # Blind projects hide each other's verdicts from annotators, everywhere.
        return qs.filter(annotator=user) if project.blind else qs
    # Researchers see finished work only through adjudicated releases.
    return qs.none()


def evidence_visible_to(user: User, claim: Claim) -> QuerySet[Evidence]:
    """The claim's evidence the user may see, under the same blindness rule as annotations."""
    project = claim.article.project
    roles = require(user, project, Capability.VIEW)
    assert user.is_authenticated  # require() refused anonymous users
    qs = Evidence.objects.filter(claim=claim).select_related("added_by")
    if user.is_superuser or roles & {Role.REVIEWER, Role.MANAGER}:
        return qs
    if Role.ANNOTATOR in roles:
        return qs if not project.blind else qs.filter(added_by=user)
    return qs.none()


def members_of(user: User, project: Project) -> QuerySet[Membership]:
    """The project's memberships, for anyone who belongs to it."""
    require(user, project, Capability.VIEW)
    return Membership.objects.filter(project=project).select_related("user")


def claims_of_article(user: User, article: Article) -> QuerySet[Claim]:
    """An article's claims; candidate suggestions are shown only to those who find claims."""
    roles = require(user, article.project_id, Capability.VIEW)
    qs = Claim.objects.filter(article=article)
    if not (user.is_superuser or roles - {Role.RESEARCHER}):
        qs = qs.filter(~Q(status="candidate"))
    return qs.order_by("start", "-end")
