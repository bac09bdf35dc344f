"""Suggesting candidate claims with the engine, and learning a per-project model from decisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from ..access import AuthUser, Capability, require
from ..models import (
    Article,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Job,
    JobKind,
    Project,
    SuggestionModel,
)
from ..suggest.budget import Budget, within_budget
from ..suggest.scoring import rescore, suggest_scored, suggest_scored_many
from ..suggest import ENGINE_VERSION, Document, Suggestion, SuggestionResult, analyse, features, language_support
from ..suggest import engine as _engine
from ..suggest import learner
from .claims import _check_span, article_voice
from .jobs import Progress, UserFacingError, job_create, job_enqueue, job_guard
from .statistics import tables_analyse

MAX_SPEAKER = 300  # Claim.speaker's max_length


class SuggestRefused(UserFacingError):
    """The job cannot run as asked (its owner lost the right, too few decisions to learn from)."""


# --- starting jobs ----------------------------------------------------------------------------


def suggest_job_create(
    *, project: Project, by: AuthUser, article_ids: Iterable[int] | None = None,
    inline: bool = False, threshold: float | None = None, per_10k: int | None = None,
    no_cap: bool = False,
) -> Job:
    """Record a suggest job for some articles of the project (None: all) without queueing it.

    `threshold` and `per_10k` (or `no_cap`) override the project's suggestion settings for this
    job. `inline` marks a job a command runs in its own process, which workers must not adopt.
    """
    require(by, project, Capability.MANAGE)
    overrides = _budget_overrides(threshold=threshold, per_10k=per_10k, no_cap=no_cap)
    ids: list[int] | None = None
    if article_ids is not None:
        ids = sorted({int(pk) for pk in article_ids})
        if not ids:
            raise ValidationError({"article_ids": gettext("Choose at least one article.")})
        found = set(Article.objects.filter(project=project, pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise ValidationError(
                {"article_ids": gettext("No such article in this project: %(ids)s.")
                 % {"ids": ", ".join(map(str, missing[:20]))}}
            )
    params: dict = {"article_ids": ids, **overrides, **({"inline": True} if inline else {})}
    return job_create(project=project, kind=JobKind.SUGGEST, by=by, params=params)


def _budget_overrides(*, threshold: float | None, per_10k: int | None, no_cap: bool) -> dict:
    """A job's own threshold and budget, checked; only what was given is recorded."""
    errors: dict[str, str] = {}
    out: dict = {}
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 <= threshold <= 1:
            errors["threshold"] = gettext("Give a score between 0 and 1.")
        else:
            out["threshold"] = float(threshold)
    if no_cap:
        out["per_10k"] = None
    elif per_10k is not None:
        if isinstance(per_10k, bool) or not isinstance(per_10k, int) or not 1 <= per_10k <= 1000:
            errors["per_10k"] = gettext("Give a whole number from 1 to 1000.")
        else:
            out["per_10k"] = per_10k
    if errors:
        raise ValidationError(errors)
    return out


def suggest_job_start(
    *, project: Project, by: AuthUser, article_ids: Iterable[int] | None = None,
    threshold: float | None = None, per_10k: int | None = None, no_cap: bool = False,
) -> Job:
    """Queue a suggest job for some articles of the project (None: all of them). Managers only."""
    with transaction.atomic():
        job = suggest_job_create(
            project=project, by=by, article_ids=article_ids, threshold=threshold, per_10k=per_10k,
            no_cap=no_cap,
        )
        from ..tasks import suggest_claims_task  # tasks import services; keep that one-way

        job_enqueue(job, suggest_claims_task)
    return job


def suggest_job_after_import(*, import_job: Job) -> Job | None:
    """Queue a suggest job on the articles an import wrote, when the project asks for it.

    Called at the end of the import job's work; safe to call twice for one import (a retried
    import job) since it returns the suggest job already queued for it.
    """
    project = Project.objects.get(pk=import_job.project_id)  # the setting as it is now
    # Whoever started the import may have asked for (or against) suggestions for this one.
    wanted = import_job.params.get("suggest", project.suggest_on_import)
    if not wanted or import_job.created_by_id is None:
        return None
    if not Article.objects.filter(project=project, import_job=import_job).exists():
        return None
    existing = Job.objects.filter(
        project=project, kind=JobKind.SUGGEST, params__import_job=import_job.pk
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        job = job_create(
            project=project, kind=JobKind.SUGGEST, by=import_job.created_by,
            params={"article_ids": None, "import_job": import_job.pk},
        )
        from ..tasks import suggest_claims_task

        job_enqueue(job, suggest_claims_task)
    return job


def retrain_job_start(*, project: Project, by: AuthUser) -> Job:
    """Queue a retrain of the project's suggestion model. Managers only."""
    require(by, project, Capability.MANAGE)
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.RETRAIN, by=by, params={})
        from ..tasks import retrain_suggestions_task

        job_enqueue(job, retrain_suggestions_task)
    return job


def _check_owner(job: Job) -> AuthUser:
    """The job runs for its owner, who must still manage the project when it runs."""
    if job.created_by is None:
        raise SuggestRefused("The person who started this job no longer exists.")
    require(job.created_by, job.project_id, Capability.MANAGE)
    return job.created_by


# --- the suggest job --------------------------------------------------------------------------


def current_model(project: Project) -> tuple[SuggestionModel, learner.Scorer] | None:
    """The project's current model and its scorer, if one fits this engine."""
    model = SuggestionModel.objects.filter(project=project, is_current=True).first()
    # A model learnt on another engine version's cues (or an older JSON layout) would read
    # features that changed meaning: the engine alone is the better judge until a retrain.
    if model is None or model.engine_version != ENGINE_VERSION:
        return None
    if model.weights.get("format") != learner.FORMAT:
        return None
    return model, learner.Scorer(model.weights)


def blended_scores(
    suggestions: Sequence[Suggestion], scorer: learner.Scorer | None
) -> list[float]:
    """Each suggestion's score: the engine's, or the project model's when there is one."""
    # The model starts from the engine's log-odds and adds what the project's decisions taught
    # it (see learner), so its probability is already the blend; nothing is averaged here.
    engine = [s.score for s in suggestions]
    if scorer is None or not suggestions:
        return engine
    learnt = scorer.predict([s.quote for s in suggestions], [dict(s.cues) for s in suggestions], engine)
    return [round(p, 4) for p in learnt]


def _job_articles(job: Job) -> QuerySet[Article]:
    """The articles a suggest job covers: those of an import, the chosen ones, or all."""
    articles = Article.objects.filter(project_id=job.project_id)
    if job.params.get("import_job") is not None:
        articles = articles.filter(import_job_id=job.params["import_job"])
    elif job.params.get("article_ids") is not None:
        articles = articles.filter(pk__in=job.params["article_ids"])
    return articles.order_by("pk")


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


# Articles scored between two write transactions: enough that the embedder runs on full batches
# and the writes are one insert per chunk, few enough that progress moves every second or so.
SUGGEST_CHUNK = 16


def _suggest_chunk(
    article_ids: Sequence[int], project: Project, model: tuple[SuggestionModel, learner.Scorer] | None,
    counts: dict[str, int], *, threshold: float | None, budget: Budget,
) -> None:
    """Create the new candidate claims of some articles: scored first, then one short transaction."""
    articles = {
        a.pk: a for a in Article.objects.filter(pk__in=article_ids).select_related("outlet").order_by("pk")
    }
    # Scoring reads only the bodies, so it runs outside any transaction: on SQLite a write
    # transaction holds the database's one write lock, and annotators' saves would wait for it.
    scored = dict(zip(articles, suggest_scored_many(
        [(a.body, a.language or project.language) for a in articles.values()], threshold=threshold)))
    with transaction.atomic():
        # Lock the articles: two suggest jobs on one must not both decide that a span is new
        # (on SQLite the write transaction already serialises them). An article deleted since
        # is skipped; one whose body changed since it was read is read and scored again.
        locked = dict(
            Article.objects.select_for_update(of=("self",)).filter(pk__in=list(articles))
            .order_by("pk").values_list("pk", "body_hash")
        )
        for pk in [pk for pk in articles if pk in locked and locked[pk] != articles[pk].body_hash]:
            articles[pk] = Article.objects.select_related("outlet").get(pk=pk)
            scored[pk] = suggest_scored(articles[pk].body, articles[pk].language or project.language,
                                        threshold=threshold)
        existing: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
        for article_id, *row in Claim.objects.filter(article_id__in=list(locked)).values_list(
            "article_id", "start", "end", "status", "origin"
        ):
            existing[article_id].append(tuple(row))  # type: ignore[arg-type]
        claims: list[Claim] = []
        for pk in sorted(locked):
            claims += _new_claims(articles[pk], scored[pk], existing[pk], model, counts, budget=budget)
        # One insert for the claims and one for their history rows per chunk, not two per claim:
        # the writes were a fifth of the job's time (bench/RESULTS.md, "Learned check-worthiness").
        try:
            with transaction.atomic():
                bulk_create_with_history(claims, Claim)
        except IntegrityError:  # a person marked one of these spans meanwhile (PostgreSQL)
            raise ValidationError(
                {"start": gettext("Another claim already covers exactly this span.")}) from None
        counts["suggested"] += len(claims)


def _new_claims(
    article: Article, result: SuggestionResult, existing: Sequence[tuple[int, int, str, str]],
    model: tuple[SuggestionModel, learner.Scorer] | None, counts: dict[str, int], *, budget: Budget,
) -> list[Claim]:
    """The article's suggestions that are new and within its budget, as unsaved candidate claims."""
    spans = {(s, e) for s, e, _, _ in existing}
    decided = [(s, e) for s, e, status, _ in existing if status != ClaimStatus.CANDIDATE]
    fresh: list[Suggestion] = []
    for item in result.suggestions:
        if (item.start, item.end) in spans:
            counts["skipped_existing"] += 1  # a rerun, or a person marked exactly this span
        elif _overlaps(item.start, item.end, decided):
            counts["skipped_overlap"] += 1  # someone already accepted or rejected this text
        else:
            fresh.append(item)
    scores = blended_scores(fresh, model[1] if model else None)
    # The article's budget, best first by the project model's score when it has one; what
    # earlier runs suggested here counts against it, so a rerun never adds past it.
    already = sum(1 for _s, _e, _st, origin in existing if origin == ClaimOrigin.SUGGESTED)
    keep = within_budget(scores, allowed=budget.allowed(len(article.body)), already=already)
    counts["skipped_budget"] += len(fresh) - len(keep)
    fresh, scores = [fresh[i] for i in keep], [scores[i] for i in keep]
    version = result.version + (f"+model-v{model[0].version}" if model else "")
    voice = article_voice(article) if any(item.asserted_by_article for item in fresh) else ""
    claims = [
        Claim(
            article=article, start=item.start, end=item.end,
            quote=_check_span(article, item.start, item.end, item.quote),
            speaker=(voice if item.asserted_by_article else item.speaker or "")[:MAX_SPEAKER],
            asserted_by_article=item.asserted_by_article, kind=item.kind,
            origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE, score=score,
            engine_version=version[:60],
        )
        for item, score in zip(fresh, scores)
    ]
    for claim in claims:
        # What claim_create checks, but the article: it is the one locked by the caller.
        claim.full_clean(exclude=["article"], validate_unique=False, validate_constraints=False)
    return claims


def suggest_job_work(job: Job, progress: Progress) -> dict:
    """The suggest job's body: suggest claims in each of its articles, reporting per article."""
    _check_owner(job)
    project = job.project
    ids = list(_job_articles(job).values_list("pk", flat=True))
    model = current_model(project)
    # The job's own settings if it was given some, else the project's as they are now.
    threshold = job.params.get("threshold", project.suggest_threshold)  # None: the language's default
    per_10k = job.params["per_10k"] if "per_10k" in job.params else project.suggest_per_10k
    counts = {"suggested": 0, "skipped_overlap": 0, "skipped_existing": 0, "skipped_budget": 0}
    progress("suggesting", 0, len(ids))
    for done in range(0, len(ids), SUGGEST_CHUNK):
        chunk = ids[done:done + SUGGEST_CHUNK]
        _suggest_chunk(chunk, project, model, counts, threshold=threshold, budget=Budget(per_10k))
        progress("suggesting", done + len(chunk), len(ids))
    # Thousands of new claims leave the planner's figures for the claim table behind, as an import does.
    tables_analyse(Claim, rows=counts["suggested"])
    from .graph_jobs import relations_job_after  # the graph indexes the new suggestions

    relations_job_after(job=job, article_ids=ids)
    return {
        "articles": len(ids), **counts, "engine_version": ENGINE_VERSION,
        "model_version": model[0].version if model else None,
        "threshold": threshold, "per_10k": per_10k,
    }


# --- learning from decisions --------------------------------------------------------------------


def _span_cues(article: Article, lang: str, spans: Iterable[tuple[int, int, str]]) -> list[tuple[dict, float]]:
    """The engine's cues and score for each (start, end, quote) of the article, as it saw them."""
    # The cues of a sentence depend on its layout (heading, box…), which only the whole
    # document shows: recompute them as the suggest job saw them.
    spans = list(spans)
    generic = language_support(lang) == "generic"
    _, scored = analyse(Document(text=article.body, lang=lang))
    segments = {(s.segment.start, s.segment.end): s for s in scored}
    out: list[tuple[dict, float]] = []
    for start, end, quote in spans:
        item = segments.get((start, end))
        if item is not None:
            out.append((dict(item.cues), item.score))
        else:  # a span people marked themselves: no layout cues
            cues = features(quote, lang)
            out.append((cues, _engine.score(cues, generic=generic)))
    # The score the suggestion had: the learned model's where it scores this language.
    final = rescore([quote for _s, _e, quote in spans], [score for _c, score in out], lang)
    return [(cues, score) for (cues, _), score in zip(out, final)]


def training_examples(project: Project) -> list[learner.Example]:
    """The project's decisions: suggestions accepted (1) or rejected (0), hand-marked spans (1)."""
    decided = (
        Claim.objects.filter(article__project=project)
        .filter(
            Q(origin=ClaimOrigin.SUGGESTED, status__in=[ClaimStatus.ACCEPTED, ClaimStatus.REJECTED])
            | Q(origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
        )
        .order_by("article_id", "start", "end")
        .values_list("article_id", "start", "end", "quote", "status")
    )
    by_article: dict[int, list[tuple[int, int, str, str]]] = defaultdict(list)
    for article_id, start, end, quote, status in decided:
        by_article[article_id].append((start, end, quote, status))
    examples: list[learner.Example] = []
    articles = Article.objects.filter(pk__in=by_article).only("body", "language")
    for article in articles.iterator(chunk_size=200):
        rows = by_article[article.pk]
        cues = _span_cues(article, article.language or project.language, (r[:3] for r in rows))
        for (_, _, quote, status), (values, engine_score) in zip(rows, cues):
            label = 0 if status == ClaimStatus.REJECTED else 1
            examples.append(learner.Example(quote, values, engine_score, label))
    return examples


def _rescore_candidates(
    project: Project, model: tuple[SuggestionModel, learner.Scorer], progress: Progress
) -> int:
    """Give the suggestions still waiting for a decision the new model's scores; return how many."""
    waiting = (
        Claim.objects.filter(
            article__project=project, origin=ClaimOrigin.SUGGESTED, status=ClaimStatus.CANDIDATE
        )
        .order_by("article_id", "start", "end")
        .values_list("article_id", "pk", "start", "end", "quote")
    )
    by_article: dict[int, list[tuple[int, int, int, str]]] = defaultdict(list)
    for article_id, pk, start, end, quote in waiting.iterator(chunk_size=2000):
        by_article[article_id].append((pk, start, end, quote))
    version = f"{ENGINE_VERSION}+model-v{model[0].version}"[:60]
    articles = Article.objects.filter(pk__in=by_article).only("body", "language").order_by("pk")
    done = 0
    for n, article in enumerate(articles.iterator(chunk_size=200), 1):
        rows = by_article[article.pk]
        cues = _span_cues(article, article.language or project.language, (r[1:] for r in rows))
        scores = model[1].predict([r[3] for r in rows], [c for c, _ in cues], [e for _, e in cues])
        # A machine score, not a person's edit: no history entry, no new claim version, and
        # only these two columns are written, so a decision made meanwhile is never undone.
        Claim.objects.bulk_update(
            [Claim(pk=r[0], score=round(p, 4), engine_version=version) for r, p in zip(rows, scores)],
            ["score", "engine_version"],
        )
        done += len(rows)
        progress("rescoring waiting suggestions", n, len(by_article))
    return done


def retrain_job_work(job: Job, progress: Progress) -> dict:
    """The retrain job's body: fit the project's model on its decisions, store it as current,
    and rescore the suggestions still waiting for a decision."""
    _check_owner(job)
    project = job.project
    model = SuggestionModel.objects.filter(job=job).first()
    if model is None:  # else the job ran before and was interrupted after storing its model
        model = _fit_and_store(job, project, progress)
    scorer = current_model(project)
    # Another retrain may have become current since; only the current model rescores.
    rescored = _rescore_candidates(project, scorer, progress) if scorer and scorer[0].pk == model.pk else 0
    return {**_figures(model), "rescored": rescored}


def _fit_and_store(job: Job, project: Project, progress: Progress) -> SuggestionModel:
    """Cross-validate and fit a model on the project's decisions; store it as the current one."""
    progress("collecting decisions", 0, 3)
    examples = training_examples(project)
    try:
        learner.check(examples)
    except learner.NotEnoughExamples as exc:
        raise SuggestRefused(str(exc)) from None
    progress("cross-validating", 1, 3)
    figures = learner.cross_validate(examples)
    progress("fitting", 2, 3)
    weights = learner.fit(examples)
    with transaction.atomic():
        job_guard(job)  # a cancelled or superseded run stores no model
        # Serialise retrains of one project, so two cannot take the same version number.
        Project.objects.select_for_update().filter(pk=project.pk).exists()
        last = SuggestionModel.objects.filter(project=project).aggregate(v=Max("version"))["v"] or 0
        SuggestionModel.objects.filter(project=project, is_current=True).update(is_current=False)
        return SuggestionModel.objects.create(
            project=project, version=last + 1, engine_version=ENGINE_VERSION,
            n_examples=len(examples), n_positive=sum(e.label for e in examples),
            cv_precision=figures.precision, cv_recall=figures.recall, cv_folds=figures.folds,
            cv_ap_engine=figures.ap_engine, cv_ap_model=figures.ap_model,
            params={"penalty": weights["penalty"], "vectorizer": weights["vectorizer"]},
            weights=weights, is_current=True, job=job,
        )


def _figures(model: SuggestionModel) -> dict:
    return {
        "version": model.version, "n_examples": model.n_examples, "n_positive": model.n_positive,
        "cv_precision": round(model.cv_precision, 4), "cv_recall": round(model.cv_recall, 4),
        "cv_folds": model.cv_folds,
        "cv_ap_engine": None if model.cv_ap_engine is None else round(model.cv_ap_engine, 4),
        "cv_ap_model": None if model.cv_ap_model is None else round(model.cv_ap_model, 4),
    }
