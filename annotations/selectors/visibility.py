"""Set-wise reads for lists (what a user may see across all their projects, in one query each),
and single-object reads under the same rules, for the REST API.

The rule sets mirror `core.annotations_visible_to` and `core.evidence_visible_to`: reviewers and
managers see everything of their projects; annotators see their own annotations and evidence in
blind projects and everyone's otherwise; researchers see neither (they get releases). Lists apply
the rule as one WHERE clause over membership subqueries, never object by object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext


from ..access import AuthUser, Capability, NotFound, User, allow, can, require
from ..models import (
    Adjudication,
    Annotation,
    ApiToken,
    Article,
    Claim,
    ClaimRelation,
    ClaimStatus,
    DatasetRelease,
    Evidence,
    Job,
    Membership,
    Project,
    ReleaseFile,
    Role,
    Verdict,
    VerdictScheme,
)
from ..models.accounts import password_digest

REVIEWING = frozenset({Role.REVIEWER, Role.MANAGER})


def _is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


@dataclass(frozen=True)
class Scope:
    """The projects a list covers, with the user's roles in each and which of them are blind.

    Lists apply their rule with these ids as literal values: the database plans a page of one
    project (or of a handful) as a plain index walk, never re-reading memberships per row.
    `everything` is a superuser's list over all projects.
    """

    user: User
    roles: dict[int, frozenset[str]] = dc_field(default_factory=dict)
    blind: frozenset[int] = frozenset()
    everything: bool = False

    def ids(self, capability: Capability) -> list[int]:
        """The projects in scope where the user's roles grant the capability."""
        return sorted(pk for pk, roles in self.roles.items() if can(roles, capability, user=self.user))

    def ids_where(self, roles: frozenset[str]) -> list[int]:
        """The projects in scope where the user holds one of the roles (or is a superuser)."""
        admin = _is_admin(self.user)
        return sorted(pk for pk, held in self.roles.items() if admin or held & roles)


def list_scope(user: User, slug: str | None = None, capability: Capability = Capability.VIEW) -> Scope:
    """The scope of a list: one project by slug (refused as `require` does), or all the user's.

    One query for all projects (memberships with the project's blindness); two for one project.
    """
    if slug:
        project = Project.objects.filter(slug=slug).only("pk", "blind").first()
        if project is None:
            raise NotFound(gettext("No such project."))
        granted = require(user, project, capability)
        return Scope(user, {project.pk: granted}, frozenset({project.pk} if project.blind else ()))
    if not user.is_authenticated or not user.is_active:
        return Scope(user)
    if user.is_superuser:
        return Scope(user, everything=True)
    roles: dict[int, set[str]] = {}
    blind: set[int] = set()
    for project_id, role, is_blind in Membership.objects.filter(user=user).values_list(
        "project_id", "role", "project__blind"
    ):
        roles.setdefault(project_id, set()).add(role)
        if is_blind:
            blind.add(project_id)
    return Scope(user, {pk: frozenset(r) for pk, r in roles.items()}, frozenset(blind))


def roles_by_project(user: User) -> dict[int, frozenset[str]]:
    """The user's roles in each of their projects (one query)."""
    if not user.is_authenticated:
        return {}
    out: dict[int, set[str]] = {}
    for project_id, role in Membership.objects.filter(user=user).values_list("project_id", "role"):
        out.setdefault(project_id, set()).add(role)
    return {pk: frozenset(roles) for pk, roles in out.items()}


def _within(qs: QuerySet, scope: Scope, path: str, capability: Capability) -> QuerySet:
    """Restrict qs to rows whose project (reached by `path`) grants the capability."""
    if scope.everything:
        return qs
    return qs.filter(**{f"{path}__in": scope.ids(capability)})


# --- lists --------------------------------------------------------------------------------------


def projects_listable(scope: Scope) -> QuerySet[Project]:
    """The user's projects."""
    return _within(Project.objects.all(), scope, "pk", Capability.VIEW)


def memberships_listable(scope: Scope) -> QuerySet[Membership]:
    """Memberships of the user's projects."""
    return _within(Membership.objects.all(), scope, "project", Capability.VIEW)


def articles_listable(scope: Scope) -> QuerySet[Article]:
    """Articles of the user's projects."""
    return _within(Article.objects.all(), scope, "project", Capability.VIEW)


def claims_listable(scope: Scope) -> QuerySet[Claim]:
    """Claims of the user's projects; candidate suggestions only where the user finds claims."""
    if scope.everything:
        return Claim.objects.all()
    finding = scope.ids(Capability.FIND)
    viewing = [pk for pk in scope.ids(Capability.VIEW) if pk not in set(finding)]
    return Claim.objects.filter(
        Q(article__project__in=finding)
        | (Q(article__project__in=viewing) & ~Q(status=ClaimStatus.CANDIDATE))
    )


def _blind_rule(scope: Scope, project_path: str, owner_field: str) -> Q:
    """Reviewers see all; annotators their own rows in blind projects and all rows otherwise."""
    reviewing = scope.ids_where(REVIEWING)
    annotating = [pk for pk in scope.ids_where(frozenset({Role.ANNOTATOR})) if pk not in set(reviewing)]
    open_ = [pk for pk in annotating if pk not in scope.blind]
    blind = [pk for pk in annotating if pk in scope.blind]
    return (
        Q(**{f"{project_path}__in": reviewing + open_})
        | (Q(**{f"{project_path}__in": blind}) & Q(**{owner_field: scope.user.pk}))
    )


def annotations_listable(scope: Scope) -> QuerySet[Annotation]:
    """Annotations the user may see, under the blindness rule, one WHERE clause for all."""
    if scope.everything:
        return Annotation.objects.all()
    return Annotation.objects.filter(_blind_rule(scope, "claim__article__project", "annotator"))


def evidence_listable(scope: Scope) -> QuerySet[Evidence]:
    """Evidence the user may see, under the same blindness rule as annotations."""
    if scope.everything:
        return Evidence.objects.all()
    return Evidence.objects.filter(_blind_rule(scope, "claim__article__project", "added_by"))


# A link researchers may read: both its claims have a final verdict, as in the releases.
ADJUDICATED_LINK = Q(source__adjudication__isnull=False) & Q(target__adjudication__isnull=False)


def relations_listable(scope: Scope) -> QuerySet[ClaimRelation]:
    """Links between claims: all of them for those who find claims; for researchers, the links
    between adjudicated claims (what releases hold, and the cluster page shows them)."""
    if scope.everything:
        return ClaimRelation.objects.all()
    finding = scope.ids(Capability.FIND)
    reading = [pk for pk in scope.ids(Capability.RELEASES) if pk not in set(finding)]
    return ClaimRelation.objects.filter(
        Q(source__article__project__in=finding)
        | (Q(source__article__project__in=reading) & ADJUDICATED_LINK)
    )


def adjudications_listable(scope: Scope) -> QuerySet[Adjudication]:
    """Final verdicts, for reviewers and managers: they would tell annotators others' work."""
    return _within(Adjudication.objects.all(), scope, "claim__article__project", Capability.REVIEW)


def jobs_listable(scope: Scope) -> QuerySet[Job]:
    """Jobs of the projects the user manages, and those the user started in their projects."""
    if scope.everything:
        return Job.objects.all()
    return Job.objects.filter(
        Q(project__in=scope.ids(Capability.MANAGE))
        | (Q(created_by=scope.user.pk) & Q(project__in=scope.ids(Capability.VIEW)))
    )


def releases_listable(scope: Scope) -> QuerySet[DatasetRelease]:
    """Releases of the projects where the user may see releases, with their files."""
    return (
        _within(DatasetRelease.objects.all(), scope, "project", Capability.RELEASES)
        .select_related("project", "created_by")
        .prefetch_related(Prefetch("files", queryset=ReleaseFile.objects.order_by("format")))
    )


def _member_projects(user: AuthUser, roles: Iterable[str]) -> QuerySet[Membership, Mapping[str, object]]:
    """A subquery of the ids of projects where the user holds one of the roles."""
    return Membership.objects.filter(user=user, role__in=sorted(roles)).values("project_id")


def _blind_rule_lazy(user: AuthUser, project_path: str, owner_field: str) -> Q:
    """The blindness rule over membership subqueries: no query until the list is read."""
    return Q(**{f"{project_path}__in": _member_projects(user, REVIEWING)}) | (
        Q(**{f"{project_path}__in": _member_projects(user, {Role.ANNOTATOR})})
        & (Q(**{f"{project_path}__blind": False}) | Q(**{owner_field: user.pk}))
    )


def annotations_listable_by(user: User) -> QuerySet[Annotation]:
    """Annotations the user may see in all their projects, as a lazy queryset (for pages that
    narrow it further, e.g. to the claims on screen); same rule as annotations_listable."""
    if _is_admin(user):
        return Annotation.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Annotation.objects.none()
    return Annotation.objects.filter(_blind_rule_lazy(user, "claim__article__project", "annotator"))


def evidence_listable_by(user: User) -> QuerySet[Evidence]:
    """Evidence the user may see in all their projects, as a lazy queryset (see above)."""
    if _is_admin(user):
        return Evidence.objects.all()
    if not user.is_authenticated or not user.is_active:
        return Evidence.objects.none()
    return Evidence.objects.filter(_blind_rule_lazy(user, "claim__article__project", "added_by"))


def reviewed_ids(scope: Scope) -> list[int] | None:
    """Projects in scope whose verdicts the user may all see (None: every project)."""
    return None if scope.everything else scope.ids(Capability.REVIEW)


def claims_by_disagreement(claims: QuerySet[Claim], disagree: bool) -> QuerySet[Claim]:
    """Claims whose annotators gave different verdicts (or, with False, did not)."""
    other = Annotation.objects.filter(claim=OuterRef("claim"), verdict__isnull=False).exclude(
        verdict=OuterRef("verdict")
    )
    split = Exists(
        Annotation.objects.filter(claim=OuterRef("pk"), verdict__isnull=False).filter(Exists(other))
    )
    return claims.filter(split) if disagree else claims.exclude(split)


# --- single objects -----------------------------------------------------------------------------


def _check_blind(user: User, roles: frozenset[str], project: Project, owner_id: int) -> None:
    """Hide another annotator's work in a blind project as if it did not exist."""
    if _is_admin(user) or roles & REVIEWING or not project.blind or owner_id == user.pk:
        return
    raise NotFound(gettext("Not found."))


def claim_get_visible(user: User, claim_id: int, *, capability: Capability = Capability.VIEW) -> Claim:
    """One claim, as lists show it (candidates only to those who find claims), for a capability.

    Visibility is decided before the role: a claim the user may not see is NotFound, exactly as
    a missing one, and only a claim they can see anyway may answer PermissionDenied. Writes
    naming a claim in their body use this before looking up anything else the body names.
    """
    claim = (
        Claim.objects.select_related("article__project__scheme", "article__outlet")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound(gettext("No such claim."))
    roles = require(user, claim.article.project_id, Capability.VIEW)
    if claim.status == ClaimStatus.CANDIDATE and not can(roles, Capability.FIND, user=user):
        raise NotFound(gettext("No such claim."))
    allow(user, roles, capability)
    return claim


def annotation_get_for_user(user: User, annotation_id: int, *, to_change: bool = False) -> Annotation:
    """One annotation, under the blindness rule (researchers are refused).

    `to_change`: only its annotator may change an annotation (a reviewer adjudicates instead).
    """
    annotation = (
        Annotation.objects.select_related("claim__article__project", "annotator", "verdict")
        .filter(pk=annotation_id)
        .first()
    )
    if annotation is None:
        raise NotFound(gettext("No such annotation."))
    project = annotation.claim.article.project
    roles = require(user, project, Capability.FIND)
    _check_blind(user, roles, project, annotation.annotator_id)
    if to_change and annotation.annotator_id != user.pk:
        raise PermissionDenied(gettext("Only its annotator may change an annotation."))
    return annotation


def evidence_get_for_user(user: User, evidence_id: int) -> Evidence:
    """One piece of evidence, under the blindness rule (researchers are refused)."""
    evidence = (
        Evidence.objects.select_related("claim__article__project", "added_by")
        .filter(pk=evidence_id)
        .first()
    )
    if evidence is None:
        raise NotFound(gettext("No such evidence."))
    project = evidence.claim.article.project
    roles = require(user, project, Capability.FIND)
    _check_blind(user, roles, project, evidence.added_by_id)
    return evidence


def adjudication_get_for_user(user: User, adjudication_id: int) -> Adjudication:
    """One adjudication, for the project's reviewers and managers."""
    adjudication = (
        Adjudication.objects.select_related("claim__article__project", "verdict", "adjudicator")
        .filter(pk=adjudication_id)
        .first()
    )
    if adjudication is None:
        raise NotFound(gettext("No such adjudication."))
    require(user, adjudication.claim.article.project_id, Capability.REVIEW)
    return adjudication


def relation_get_for_user(user: User, relation_id: int, *, capability: Capability = Capability.FIND) -> ClaimRelation:
    """One link between claims: for those who find claims, and, to read (capability RELEASES),
    for researchers when both its claims are adjudicated (others are not found)."""
    relation = (
        ClaimRelation.objects.select_related("source__article", "target").filter(pk=relation_id).first()
    )
    if relation is None:
        raise NotFound(gettext("No such relation."))
    project_id = relation.source.article.project_id
    if capability == Capability.RELEASES:
        roles = require(user, project_id, Capability.VIEW)
        if can(roles, Capability.FIND, user=user):
            return relation
        require(user, project_id, Capability.RELEASES)
        if not ClaimRelation.objects.filter(ADJUDICATED_LINK, pk=relation.pk).exists():
            raise NotFound(gettext("No such relation."))
        return relation
    require(user, project_id, capability)
    return relation


def membership_get_for_user(user: User, membership_id: int) -> Membership:
    """One membership of a project the user belongs to."""
    membership = Membership.objects.select_related("project", "user").filter(pk=membership_id).first()
    if membership is None:
        raise NotFound(gettext("No such membership."))
    require(user, membership.project, Capability.VIEW)
    return membership


# --- references named in a request body -------------------------------------------------------


def verdict_of_project(project: Project, code: str, *, field: str = "verdict") -> Verdict:
    """The project's verdict with this code, or a ValidationError naming the field."""
    verdict = Verdict.objects.filter(scheme_id=project.scheme_id, code=code).first()
    if verdict is None:
        codes = ", ".join(
            Verdict.objects.filter(scheme_id=project.scheme_id).values_list("code", flat=True)
        )
        raise ValidationError({field: f"No verdict {code!r} in this project's scheme; use one of: {codes}."})
    return verdict


def scheme_for_user(user: User, slug: str, *, field: str = "scheme") -> VerdictScheme:
    """A verdict scheme the user may choose for a project, or a ValidationError naming the field."""
    from ..services.projects import schemes_available_to  # the rule lives with project settings

    scheme = schemes_available_to(user).filter(slug=slug).first()
    if scheme is None:
        raise ValidationError({field: f"No verdict scheme {slug!r} is available to you."})
    return scheme


def user_by_username(username: str, *, field: str = "username") -> AuthUser:
    """An active user by username, or a ValidationError that is the same for an unknown and a
    deactivated username. Call only for managers adding members, after their role is checked:
    anyone else could test usernames with it."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field: f"No active user {username!r}."})
    return user


def claim_of_project(project_id: int, claim_id: int, *, field: str) -> Claim:
    """A claim of the same project (for links), or a ValidationError naming the field."""
    claim = (
        Claim.objects.select_related("article").filter(pk=claim_id, article__project_id=project_id).first()
    )
    if claim is None:
        raise ValidationError({field: f"No claim {claim_id} in this project."})
    return claim


def article_of_project(project_id: int, article_id: int, *, field: str) -> Article:
    """An article of the same project (for links), or a ValidationError naming the field."""
    article = Article.objects.filter(pk=article_id, project_id=project_id).first()
    if article is None:
        raise ValidationError({field: f"No article {article_id} in this project."})
    return article


def evidence_of_claim(claim: Claim, evidence_ids: Iterable[int], *, field: str) -> list[Evidence]:
    """The claim's evidence with these ids, or a ValidationError naming the missing ones."""
    ids = sorted(set(evidence_ids))
    found = list(Evidence.objects.filter(claim=claim, pk__in=ids))
    missing = sorted(set(ids) - {e.pk for e in found})
    if missing:
        raise ValidationError(
            {field: f"Not evidence of this claim: {', '.join(map(str, missing[:20]))}."}
        )
    return found


def tokens_of(user: User) -> list[ApiToken]:
    """The user's own API tokens that still work, newest first (the pages show prefixes, not keys)."""
    if not user.is_authenticated:
        return []
    # A token of an earlier password is dead; it is only deleted when the next one is issued.
    return list(ApiToken.objects.filter(user=user, password_digest=password_digest(user.password)))
