"""Read paths of the manager's pages: the project with the user's roles, its jobs, its suggestion model."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from ..access import Capability, NotFound, User, require
from ..models import Claim, ClaimOrigin, ClaimStatus, Job, Project, SuggestionModel
from ..suggest import ENGINE_VERSION, learner

TOP_CUES = 12  # the model's strongest cues shown to managers


def project_with_roles(
    user: User, slug: str, capability: Capability = Capability.VIEW
) -> tuple[Project, frozenset[str]]:
    """The project by slug and the user's roles in it, if they grant the capability."""
    project = Project.objects.select_related("scheme").filter(slug=slug).first()
    if project is None:
        raise NotFound(gettext("No such project."))
    return project, require(user, project, capability)


def project_jobs(user: User, project: Project) -> QuerySet[Job]:
    """Every job of the project, newest first, for its managers."""
    require(user, project, Capability.MANAGE)
    return (
        Job.objects.filter(project=project)
        .select_related("created_by")
        .defer("params", "result")  # the list shows neither; an import's result can be large
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class CueWeight:
    """One engine cue and the model's correction to the engine's weight for it (log-odds)."""

    name: str
    weight: float


@dataclass(frozen=True)
class SuggestionOverview:
    """The project's suggestion models and what became of the suggestions."""

    current: SuggestionModel | None
    current_usable: bool  # fitted on this engine version, so the suggest job blends it in
    text_features: int
    cues: list[CueWeight]
    models: list[SuggestionModel]
    candidates: int
    accepted: int
    rejected: int

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance(self) -> int | None:
        """Share of decided suggestions that were accepted, in percent."""
        return round(100 * self.accepted / self.decided) if self.decided else None


def suggestion_overview(user: User, project: Project, *, history: int = 20) -> SuggestionOverview:
    """The current model's figures and features, the last models, and suggestion counts."""
    require(user, project, Capability.MANAGE)
    models = list(
        SuggestionModel.objects.filter(project=project).defer("weights").order_by("-version")[:history]
    )
    current = SuggestionModel.objects.filter(project=project, is_current=True).first()
    # The rule services.suggestions.current_model applies, without building the scorer.
    usable = (
        current is not None
        and current.engine_version == ENGINE_VERSION
        and current.weights.get("format") == learner.FORMAT
    )
    cues: list[CueWeight] = []
    text_features = 0
    if current is not None:
        weights = current.weights
        names = list(weights.get("cue_names", []))
        coef = list(weights.get("coef", []))
        text_features = len(weights.get("vocabulary", {}))
        if names and len(coef) >= len(names):
            pairs = zip(names, coef[len(coef) - len(names):])
            cues = sorted(
                (CueWeight(name, round(float(w), 3)) for name, w in pairs),
                key=lambda c: -abs(c.weight),
            )[:TOP_CUES]
    counts = Claim.objects.filter(
        article__project=project, origin=ClaimOrigin.SUGGESTED
    ).aggregate(
        candidates=Count("pk", filter=Q(status=ClaimStatus.CANDIDATE)),
        accepted=Count("pk", filter=Q(status=ClaimStatus.ACCEPTED)),
        rejected=Count("pk", filter=Q(status=ClaimStatus.REJECTED)),
    )
    return SuggestionOverview(
        current=current, current_usable=usable, text_features=text_features, cues=cues,
        models=models, **counts,
    )


def retrain_refusal(user: User, project: Project) -> str:
    """Why a retrain could only fail now (too few decisions, or one kind only), or "" when it can run.

    Counts what services.suggestions.training_examples learns from: suggestions accepted or
    rejected, and hand-marked claims (accepted).
    """
    require(user, project, Capability.MANAGE)
    counts = Claim.objects.filter(article__project=project).aggregate(
        accepted=Count("pk", filter=Q(origin__in=[ClaimOrigin.SUGGESTED, ClaimOrigin.MANUAL], status=ClaimStatus.ACCEPTED)),
        rejected=Count("pk", filter=Q(origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.REJECTED)),
    )
    total = counts["accepted"] + counts["rejected"]
    if total >= learner.MIN_EXAMPLES and counts["accepted"] and counts["rejected"]:
        return ""
    return gettext(
        "A retrain needs at least %(minimum)s decisions, both accepted and rejected; this project has "
        "%(total)s (%(accepted)s accepted, %(rejected)s rejected)."
    ) % {"minimum": learner.MIN_EXAMPLES, "total": total, **counts}
