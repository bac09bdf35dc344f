"""What a project archive holds: its tables in insertion order, and how each is scoped to a project.

The order is the order of dependencies (a row only refers to rows of tables before it), so an
import can insert table by table and remap every reference as it goes. Models of the app that are
not in the archive are listed in EXCLUDED with the reason; a test holds that every model is one
or the other, so a new model cannot be silently left out of a move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q, QuerySet

from ..models import Project

Scope = Callable[[Project], QuerySet]


@dataclass(frozen=True)
class Table:
    """One JSONL member of the archive: the rows of `label` that belong to the project."""

    member: str
    label: str
    scope: Scope
    # For a history table: the model whose history it is (its `id` column is that model's pk).
    history_of: str | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


def _m(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _articles(p: Project) -> QuerySet:
    return _m("annotations.Article")._default_manager.filter(project=p).values("pk")


def _claim_ids_ever(p: Project) -> list[QuerySet]:
    return [
        _m("annotations.Claim")._default_manager.filter(article__project=p).values("pk"),
        _m("annotations.HistoricalClaim")._default_manager.filter(article_id__in=_articles(p)).values("id"),
    ]


def _history(label: str, condition: Callable[[Project], Q]) -> Scope:
    def scope(p: Project) -> QuerySet:
        return _m(label)._default_manager.filter(condition(p))
    return scope


def _ever_claim(field: str) -> Callable[[Project], Q]:
    def condition(p: Project) -> Q:
        current, gone = _claim_ids_ever(p)
        return Q(**{f"{field}__in": current}) | Q(**{f"{field}__in": gone})
    return condition


def _filter(label: str, **lookups: str) -> Scope:
    """Rows of `label` whose lookup (a path to the project) is the project."""
    def scope(p: Project) -> QuerySet:
        return _m(label)._default_manager.filter(**{path: p for path in lookups.values()})
    return scope


def _pk_of_project(p: Project) -> QuerySet:
    return Project.objects.filter(pk=p.pk)


def _scheme(p: Project) -> QuerySet:
    return _m("annotations.VerdictScheme")._default_manager.filter(pk=p.scheme_id)


def _verdicts(p: Project) -> QuerySet:
    return _m("annotations.Verdict")._default_manager.filter(scheme_id=p.scheme_id)


def _adjudication_history(p: Project) -> QuerySet:
    return _m("annotations.HistoricalAdjudication")._default_manager.filter(_ever_claim("claim_id")(p))


def _gold_history(p: Project) -> QuerySet:
    return _m("annotations.HistoricalAdjudication_gold_evidence")._default_manager.filter(
        history_id__in=_adjudication_history(p).values("pk"))


def _question_answer_history(p: Project) -> QuerySet:
    questions = _m("annotations.HistoricalCheckQuestion")._default_manager.filter(project_id=p.pk).values("id")
    return _m("annotations.HistoricalQuestionAnswer")._default_manager.filter(question_id__in=questions)


def _mention_history(p: Project) -> QuerySet:
    comments = _m("annotations.HistoricalComment")._default_manager.filter(project_id=p.pk).values("pk")
    return _m("annotations.HistoricalComment_mentions")._default_manager.filter(history_id__in=comments)


def _relation_history(p: Project) -> QuerySet:
    return _m("annotations.HistoricalClaimRelation")._default_manager.filter(_ever_claim("source_id")(p))


# Members every archive of this version has; later tables are optional so an archive written
# before a model existed still imports.
SCHEME_TABLES = [
    Table("scheme.jsonl", "annotations.VerdictScheme", _scheme),
    Table("verdicts.jsonl", "annotations.Verdict", _verdicts),
]
PROJECT_TABLE = Table("project.jsonl", "annotations.Project", _pk_of_project)

TABLES: list[Table] = [
    *SCHEME_TABLES,
    PROJECT_TABLE,
    Table("memberships.jsonl", "annotations.Membership", _filter("annotations.Membership", p="project")),
    Table("jobs.jsonl", "annotations.Job", _filter("annotations.Job", p="project")),
    Table("outlets.jsonl", "annotations.Outlet", _filter("annotations.Outlet", p="project")),
    Table("articles.jsonl", "annotations.Article", _filter("annotations.Article", p="project")),
    Table("claims.jsonl", "annotations.Claim", _filter("annotations.Claim", p="article__project")),
    Table("claim_relations.jsonl", "annotations.ClaimRelation",
          _filter("annotations.ClaimRelation", p="source__article__project")),
    Table("annotations.jsonl", "annotations.Annotation",
          _filter("annotations.Annotation", p="claim__article__project")),
    Table("evidence.jsonl", "annotations.Evidence", _filter("annotations.Evidence", p="claim__article__project")),
    Table("adjudications.jsonl", "annotations.Adjudication",
          _filter("annotations.Adjudication", p="claim__article__project")),
    Table("adjudication_gold_evidence.jsonl", "annotations.Adjudication_gold_evidence",
          _filter("annotations.Adjudication_gold_evidence", p="adjudication__claim__article__project")),
    Table("adjudication_agrees_with.jsonl", "annotations.Adjudication_agrees_with",
          _filter("annotations.Adjudication_agrees_with", p="adjudication__claim__article__project")),
    Table("assignments.jsonl", "annotations.Assignment", _filter("annotations.Assignment", p="project")),
    Table("check_questions.jsonl", "annotations.CheckQuestion", _filter("annotations.CheckQuestion", p="project")),
    Table("question_answers.jsonl", "annotations.QuestionAnswer",
          _filter("annotations.QuestionAnswer", p="question__project")),
    Table("relation_candidates.jsonl", "annotations.RelationCandidate",
          _filter("annotations.RelationCandidate", p="project")),
    Table("relation_models.jsonl", "annotations.RelationModel", _filter("annotations.RelationModel", p="project")),
    Table("suggestion_models.jsonl", "annotations.SuggestionModel",
          _filter("annotations.SuggestionModel", p="project")),
    Table("releases.jsonl", "annotations.DatasetRelease", _filter("annotations.DatasetRelease", p="project")),
    Table("release_files.jsonl", "annotations.ReleaseFile", _filter("annotations.ReleaseFile", p="release__project")),
    Table("reference_factchecks.jsonl", "annotations.ReferenceFactCheck",
          _filter("annotations.ReferenceFactCheck", p="project")),
    Table("comments.jsonl", "annotations.Comment", _filter("annotations.Comment", p="project")),
    Table("comment_mentions.jsonl", "annotations.Comment_mentions",
          _filter("annotations.Comment_mentions", p="comment__project")),
    Table("notifications.jsonl", "annotations.Notification", _filter("annotations.Notification", p="project")),
    # History (django-simple-history), after every table it points into.
    Table("history/claims.jsonl", "annotations.HistoricalClaim",
          _history("annotations.HistoricalClaim", lambda p: Q(article_id__in=_articles(p))), "annotations.Claim"),
    Table("history/claim_relations.jsonl", "annotations.HistoricalClaimRelation", _relation_history,
          "annotations.ClaimRelation"),
    Table("history/annotations.jsonl", "annotations.HistoricalAnnotation",
          _history("annotations.HistoricalAnnotation", _ever_claim("claim_id")), "annotations.Annotation"),
    Table("history/evidence.jsonl", "annotations.HistoricalEvidence",
          _history("annotations.HistoricalEvidence", _ever_claim("claim_id")), "annotations.Evidence"),
    Table("history/adjudications.jsonl", "annotations.HistoricalAdjudication", _adjudication_history,
          "annotations.Adjudication"),
    Table("history/adjudication_gold_evidence.jsonl", "annotations.HistoricalAdjudication_gold_evidence",
          _gold_history, "annotations.Adjudication_gold_evidence"),
    Table("history/check_questions.jsonl", "annotations.HistoricalCheckQuestion",
          _history("annotations.HistoricalCheckQuestion", lambda p: Q(project_id=p.pk)), "annotations.CheckQuestion"),
    Table("history/question_answers.jsonl", "annotations.HistoricalQuestionAnswer", _question_answer_history,
          "annotations.QuestionAnswer"),
    Table("history/relation_candidates.jsonl", "annotations.HistoricalRelationCandidate",
          _history("annotations.HistoricalRelationCandidate", lambda p: Q(project_id=p.pk)),
          "annotations.RelationCandidate"),
    Table("history/reference_factchecks.jsonl", "annotations.HistoricalReferenceFactCheck",
          _history("annotations.HistoricalReferenceFactCheck", lambda p: Q(project_id=p.pk)),
          "annotations.ReferenceFactCheck"),
    Table("history/comments.jsonl", "annotations.HistoricalComment",
          _history("annotations.HistoricalComment", lambda p: Q(project_id=p.pk)), "annotations.Comment"),
    Table("history/comment_mentions.jsonl", "annotations.HistoricalComment_mentions", _mention_history,
          "annotations.Comment_mentions"),
]

# Models of the app an archive leaves out, and why.
EXCLUDED = {
    "annotations.ApiToken": "a user's secret, not the project's; members make new tokens",
    # Its items hold claim ids inside JSON that no import can remap; an undo does not survive a move.
    "annotations.ClaimBatch": "the undo journal of claim decisions",
}


def _registered(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


def archive_tables() -> list[Table]:
    """The tables of this Workbench's models, in insertion order (a model not installed is skipped)."""
    return [t for t in TABLES if _registered(t.label)]
