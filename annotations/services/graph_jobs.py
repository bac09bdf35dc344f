"""The relation job: keep a project's vector index current and propose relations across articles.

The index (annotations/graph/index.py) holds one vector per candidate sentence of each article
(key `s<article>:<start>-<end>`) and per claim (key `c<claim id>`), in one directory per
project under GRAPH_INDEX_DIR. Only workers write it, one job per project at a time (a file
lock), with an atomic save; web requests read it. It is rebuilt incrementally: an import or a
suggest job queues a relation job for the articles it touched, and a job started by hand
re-indexes the articles whose claims changed since the last successful one.

With GRAPH_SECOND_EMBEDDER on, a second index of the same keys in the sub-folder `e5/` holds
multilingual-e5-small vectors (annotations/suggest/embeddings_e5.py): the engine's csls2 feature
when re-ranking a shortlist. The shortlist itself still comes from the first index. Where the
second index lacks a key (built before the setting was on), the first embedder's similarity
stands in for csls2 (engine.SECOND_SCALE) until the article is re-indexed.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from ..access import AuthUser, Capability, require
from ..graph import engine as graph_engine
from ..graph.index import MANIFEST, VectorIndex
from ..models import (
    Article,
    CandidateOrigin,
    CandidateStatus,
    Claim,
    ClaimStatus,
    Job,
    JobKind,
    JobStatus,
    Project,
    RelationCandidate,
    RelationModel,
)
from ..suggest.embeddings import Embedder, default_embedder
from .graph import PROPOSABLE_KINDS, candidate_propose
from .jobs import Progress, UserFacingError, job_create, job_enqueue

log = logging.getLogger(__name__)

# Nearest vectors re-ranked by the engine for each anchor: on the seed pairs, a cosine shortlist
# of 50 loses recall@10 (0.61) that 100 keeps (0.68, as ranking every passage); the re-ranking
# costs ~3 ms per 100, the search itself ~0.2 s at 800,000 vectors (bench/RESULTS.md).
SHORTLIST = 100
PER_ANCHOR = 10  # related passages kept per anchor
PER_ARTICLE_PROPOSALS = 20  # proposals kept per article and job, best first
SAVE_EVERY = 500  # articles indexed between two saves of the index
SECOND_DIR = "e5"  # the second embedder's index, a sub-folder of the project's
# A retrain needs this many decided proposals, with both answers among them.
MIN_DECISIONS = 20


class RelationsRefused(UserFacingError):
    """The relation job cannot run as asked (the reason is shown on the job's page)."""


# --- the index on disk -----------------------------------------------------------------------


def index_dir(project_id: int) -> Path:
    """Where the project's vector index lives."""
    return Path(settings.GRAPH_INDEX_DIR) / f"project-{project_id}"


@contextmanager
def _writing(project_id: int) -> Iterator[VectorIndex]:
    """The project's index, opened for one writer at a time and saved on success."""
    folder = index_dir(project_id)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            index = VectorIndex.open(folder, default_embedder().dim)
            yield index
            index.save()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# Indexes opened for reading, per folder, with the manifest's stamp they were read at: opening
# reads the whole key table (1–2 s at 100,000 articles), so a web process keeps it until a
# relation job commits a new manifest.
_readers: dict[Path, tuple[tuple[int, int], VectorIndex]] = {}
_readers_lock = threading.Lock()


def second_embedder() -> Embedder | None:
    """The second embedder when GRAPH_SECOND_EMBEDDER is on and its package installed."""
    from ..suggest.embeddings_e5 import e5_available, second_embedder as e5

    if not getattr(settings, "GRAPH_SECOND_EMBEDDER", False) or not e5_available():
        return None
    return e5()


def open_second_index(project_id: int) -> VectorIndex | None:
    """The project's second-embedder index for reading, or None (off, or never built)."""
    embedder = second_embedder()
    if embedder is None:
        return None
    return _open_reader(index_dir(project_id) / SECOND_DIR, embedder.dim)


def second_vectors(project_id: int, keys: Sequence[str]) -> np.ndarray | None:
    """The second embedder's rows for these keys, or None unless the second index has them all."""
    index = open_second_index(project_id)
    if index is None or not keys or any(key not in index for key in keys):
        return None
    return index.vectors(list(keys))


def open_index(project_id: int) -> VectorIndex | None:
    """The project's index for reading (shared, do not write), or None before the first job."""
    return _open_reader(index_dir(project_id), default_embedder().dim)


def _open_reader(folder: Path, dim: int) -> VectorIndex | None:
    """The index in `folder` for reading, kept until its manifest changes; None if absent."""
    manifest = folder / MANIFEST
    try:
        stat = manifest.stat()
    except FileNotFoundError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_ino)
    with _readers_lock:
        cached = _readers.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        index = VectorIndex.open(folder, dim)
        _readers[folder] = (stamp, index)
        return index


def claim_key(claim_id: int) -> str:
    return f"c{claim_id}"


def sentence_key(article_id: int, start: int, end: int) -> str:
    return f"s{article_id}:{start}-{end}"


def parse_key(key: str) -> tuple[str, int, int, int]:
    """('c', claim id, 0, 0) or ('s', article id, start, end)."""
    if key.startswith("c"):
        return "c", int(key[1:]), 0, 0
    article, span = key[1:].split(":")
    start, end = span.split("-")
    return "s", int(article), int(start), int(end)


def article_passages(article: Article, claims: Sequence[Claim]) -> list[graph_engine.Passage]:
    """The article's claims (not rejected) and its candidate sentences no claim covers exactly."""
    lang = article.language or article.project.language
    doc = str(article.pk)
    spans = {(c.start, c.end) for c in claims}
    out = [
        graph_engine.Passage(key=claim_key(c.pk), doc=doc, start=c.start, end=c.end, text=c.quote, lang=lang)
        for c in claims
    ]
    for p in graph_engine.passages_of(doc, article.body, lang):
        if (p.start, p.end) not in spans:
            out.append(graph_engine.Passage(
                key=sentence_key(article.pk, p.start, p.end), doc=doc, start=p.start, end=p.end,
                text=p.text, lang=lang,
            ))
    return out


def index_articles(project: Project, article_ids: Iterable[int], progress: Progress | None = None) -> int:
    """(Re)index the articles' passages; returns how many passages were written."""
    ids = sorted(set(article_ids))
    embedder, embedder2 = default_embedder(), second_embedder()
    written = 0
    with _writing(project.pk) as index:
        # Under the same lock; saved before the first index commits (a reader seeing the new
        # first index finds the second one's rows, or ranks without them).
        second_dir = index_dir(project.pk) / SECOND_DIR
        second = VectorIndex.open(second_dir, embedder2.dim) if embedder2 else None
        if second is None and (second_dir / MANIFEST).exists():
            # The setting is off but a second index exists: drop these articles' rows from it
            # rather than leave them stale (missing rows make the job fill them in when it is on).
            from ..suggest.embeddings_e5 import E5_SMALL_DIM

            stale = VectorIndex.open(second_dir, E5_SMALL_DIM)
            stale.remove_docs([str(i) for i in ids])
            stale.save()
        indexes = [index] if second is None else [index, second]
        present = set(Article.objects.filter(project=project, pk__in=ids).values_list("pk", flat=True))
        gone = [str(i) for i in ids if i not in present]
        if gone:
            for each in indexes:
                each.remove_docs(gone)
        for done, article in enumerate(
            Article.objects.filter(pk__in=sorted(present)).select_related("project").order_by("pk").iterator(chunk_size=50), 1
        ):
            claims = list(article.claims.exclude(status=ClaimStatus.REJECTED).order_by("start", "end"))
            passages = article_passages(article, claims)
            for each in indexes:
                each.remove_docs([str(article.pk)])
            if passages:
                keys, docs, texts = [p.key for p in passages], [p.doc for p in passages], [p.text for p in passages]
                index.add(keys, docs, embedder.embed(texts))
                if second is not None and embedder2 is not None:
                    second.add(keys, docs, embedder2.embed(texts))
            written += len(passages)
            if done % SAVE_EVERY == 0:
                for each in reversed(indexes):
                    each.save()  # a long job keeps what it did, and its unsaved tail stays small
            if progress is not None:
                progress("indexing", done, len(present))
        if second is not None:
            second.save()
    return written


# --- turning index hits back into passages ---------------------------------------------------


def passages_for_keys(project: Project, keys: Sequence[str]) -> dict[str, graph_engine.Passage]:
    """The passages behind index keys, read from the database as they are now (gone ones dropped)."""
    claim_ids, article_ids = [], set()
    parsed = {}
    for key in keys:
        kind, a, s, e = parse_key(key)
        parsed[key] = (kind, a, s, e)
        if kind == "c":
            claim_ids.append(a)
        else:
            article_ids.add(a)
    claims = {
        c.pk: c for c in Claim.objects.filter(pk__in=claim_ids, article__project=project)
        .exclude(status=ClaimStatus.REJECTED).select_related("article")
    }
    articles = {a.pk: a for a in Article.objects.filter(project=project, pk__in=article_ids)}
    out = {}
    for key, (kind, a, s, e) in parsed.items():
        if kind == "c" and a in claims:
            c = claims[a]
            lang = c.article.language or project.language
            out[key] = graph_engine.Passage(key=key, doc=str(c.article_id), start=c.start, end=c.end, text=c.quote, lang=lang)
        elif kind == "s" and a in articles:
            art = articles[a]
            out[key] = graph_engine.Passage(
                key=key, doc=str(a), start=s, end=e, text=art.body[s:e], lang=art.language or project.language,
            )
    return out


def current_weights(project: Project) -> graph_engine.PairWeights | None:
    """The project's fitted pair weights, if a retrain produced some."""
    model = RelationModel.objects.filter(project=project, is_current=True).first()
    if model is None:
        return None
    try:
        return graph_engine.PairWeights.from_json(model.weights)
    except (KeyError, TypeError, ValueError):
        log.warning("relation model %s does not fit this engine; using the defaults", model.pk)
        return None


def rank_related(
    project: Project, anchor: graph_engine.Passage, vec: np.ndarray, index: VectorIndex, *,
    k: int = PER_ANCHOR, shortlist: int = SHORTLIST, weights: graph_engine.PairWeights | None = None,
    exclude_doc: str | None = None, vec2: np.ndarray | None = None,
) -> list[graph_engine.Related]:
    """The anchor's related passages from other articles: nearest vectors, re-ranked by the engine
    (with the second embedder's rows of the shortlist when the second index has them; `vec2` is
    the anchor's, looked up by key when not given)."""
    hits = index.search(vec, shortlist, exclude_doc=exclude_doc if exclude_doc is not None else anchor.doc)
    passages = passages_for_keys(project, [key for key, _, _ in hits])
    pool = [passages[key] for key, _, _ in hits if key in passages]
    if not pool:
        return []
    pool_vecs = index.vectors([p.key for p in pool])
    pool_vecs2 = second_vectors(project.pk, [p.key for p in pool])
    if pool_vecs2 is not None and vec2 is None:
        found = second_vectors(project.pk, [anchor.key])
        embedder2 = second_embedder()
        if found is not None:
            vec2 = found[0]
        elif embedder2 is not None:
            vec2 = embedder2.embed([anchor.text])[0]  # one text: ~0.05-0.1 s
    return graph_engine.related(anchor, vec, pool, pool_vecs, k=k, weights=weights,
                                anchor_vec2=vec2 if pool_vecs2 is not None else None, pool_vecs2=pool_vecs2)


# --- the job ---------------------------------------------------------------------------------


def relations_job_start(*, project: Project, by: AuthUser, article_ids: Iterable[int] | None = None) -> Job:
    """Queue a relation job (managers only): all changed articles, or the ones given."""
    require(by, project, Capability.MANAGE)
    params = {"article_ids": sorted(set(article_ids)) if article_ids is not None else None}
    with transaction.atomic():
        job = job_create(project=project, kind=JobKind.RELATIONS, by=by, params=params)
        from ..tasks import find_relations_task

        job_enqueue(job, find_relations_task)
    return job


def relations_job_after(*, job: Job, article_ids: Iterable[int]) -> Job | None:
    """Queue a relation job for the articles an import or a suggest job touched (once per job).

    Only in projects whose graph is on, i.e. that have an index: a manager's first "Find related
    claims" (or load_seeds, for the seed project) builds it; from then on it keeps itself current.
    """
    ids = sorted(set(article_ids))
    if not ids or job.created_by_id is None or not index_dir(job.project_id).exists():
        return None
    existing = Job.objects.filter(project_id=job.project_id, kind=JobKind.RELATIONS, params__after_job=job.pk).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        follow = job_create(
            project=job.project, kind=JobKind.RELATIONS, by=job.created_by,
            params={"article_ids": ids, "after_job": job.pk},
        )
        from ..tasks import find_relations_task

        job_enqueue(follow, find_relations_task)
    return follow


def _changed_articles(job: Job) -> list[int]:
    """Articles to (re)index when none were named: all at first, then those whose claims changed."""
    last = (
        Job.objects.filter(project_id=job.project_id, kind=JobKind.RELATIONS, status=JobStatus.SUCCEEDED)
        .exclude(pk=job.pk).order_by("-finished_at").values_list("started_at", flat=True).first()
    )
    articles = Article.objects.filter(project_id=job.project_id)
    first = open_index(job.project_id)
    if last is None or first is None:
        return list(articles.values_list("pk", flat=True))
    if second_embedder() is not None:
        second = open_second_index(job.project_id)
        if second is None or len(second) < len(first):
            # The second embedder was turned on after the index was built: fill it in once.
            return list(articles.values_list("pk", flat=True))
    return list(
        articles.filter(Q(created_at__gte=last) | Q(claims__updated_at__gte=last))
        .distinct().values_list("pk", flat=True)
    )


def retrain_pair_weights(project: Project) -> RelationModel | None:
    """Fit the pair weights on the project's decided proposals, when there are enough new ones."""
    decided = list(
        RelationCandidate.objects.filter(project=project, origin=CandidateOrigin.ENGINE)
        .exclude(status=CandidateStatus.PENDING).exclude(features={})
        .values_list("features", "status", "kind")
    )
    labels = [1 if status == CandidateStatus.ACCEPTED else 0 for _, status, _ in decided]
    current = RelationModel.objects.filter(project=project, is_current=True).first()
    if len(decided) < MIN_DECISIONS or len(set(labels)) < 2 or (current and current.decisions == len(decided)):
        return None
    # Decisions on proposed contradictions train the contradiction head, the others relatedness.
    weights = graph_engine.fit_pair_weights(
        [f for f, _, _ in decided], labels, base=graph_engine.default_weights(),
        relations=[kind for _, _, kind in decided],
    )
    with transaction.atomic():
        RelationModel.objects.filter(project=project, is_current=True).update(is_current=False)
        return RelationModel.objects.create(
            project=project, weights=weights.to_json(), decisions=len(decided), positives=sum(labels),
        )


def relations_job_work(job: Job, progress: Progress) -> dict:
    """Index the job's articles, retrain on decisions, then propose relations from those articles."""
    if job.created_by is None:
        raise RelationsRefused("The person who started this job no longer exists.")
    require(job.created_by, job.project_id, Capability.FIND)
    project = job.project
    ids = job.params.get("article_ids") or _changed_articles(job)
    written = index_articles(project, ids, progress)
    model = retrain_pair_weights(project)
    proposed = propose_relations(project, ids, job_id=job.pk, progress=progress)
    index = open_index(project.pk)
    return {
        "articles": len(ids), "passages_indexed": written, "proposed": proposed,
        "retrained": model is not None, "index_size": len(index) if index is not None else 0,
    }


def relations_build(project: Project) -> dict:
    """Index every article of the project and propose relations, in this process (load_seeds)."""
    ids = list(Article.objects.filter(project=project).values_list("pk", flat=True))
    written = index_articles(project, ids)
    return {"articles": len(ids), "passages_indexed": written, "proposed": propose_relations(project, ids)}


def propose_relations(
    project: Project, article_ids: Sequence[int], *, job_id: int | None = None, progress: Progress | None = None,
) -> int:
    """Propose relations between each article's passages and the rest; returns how many are new.

    Article by article, as the engine is meant to run at scale: the article's passages and their
    index shortlists go to engine.propose, which keeps each passage's best pair per other
    article and kind of conflict. A pair between two articles of the same job is proposed when
    the first of them is processed only.
    """
    weights = current_weights(project)
    index = open_index(project.pk)
    if index is None or not len(index):
        return 0
    proposed = 0
    done: set[str] = set()
    ids = sorted(set(article_ids))
    for step, article_id in enumerate(ids, 1):
        doc = str(article_id)
        anchors = passages_for_keys(project, index.keys_of([doc]))
        if anchors:
            vecs = index.vectors(list(anchors))
            hits = index.search_many(vecs, SHORTLIST, exclude_docs=[doc] * len(anchors))
            others = [key for row in hits for key, other, _ in row if other not in done]
            pool = passages_for_keys(project, list(dict.fromkeys(others)))
            passages = [*anchors.values(), *pool.values()]
            keys = [p.key for p in passages]
            found = graph_engine.propose(
                passages, index.vectors(keys), limit=PER_ARTICLE_PROPOSALS,
                weights=weights, relations=tuple(sorted(PROPOSABLE_KINDS)),
                vecs2=second_vectors(project.pk, keys),
            )
            for item in found:
                if doc not in (item.a.doc, item.b.doc) or {item.a.doc, item.b.doc} & done:
                    continue
                made = candidate_propose(
                    project_id=project.pk, kind=item.relation, a=_side(item.a), b=_side(item.b),
                    score=item.score, reasons=list(item.reasons), origin=CandidateOrigin.ENGINE,
                    # The values it was scored with: what a retrain learns from once decided.
                    features=dict(item.features), job_id=job_id,
                )
                proposed += made is not None
        done.add(doc)
        if progress is not None:
            progress("proposing", step, len(ids))
    return proposed


def _side(passage: graph_engine.Passage) -> Claim | tuple[int, int, int]:
    kind, a, s, e = parse_key(passage.key)
    if kind == "c":
        claim = Claim.objects.filter(pk=a).first()
        if claim is not None:
            return claim
    return (int(passage.doc), passage.start, passage.end)
