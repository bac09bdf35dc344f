"""Admin for the claim graph: check questions with their answers, proposed relations."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from ..access import Capability
from ..models import CandidateStatus, CheckQuestion, QuestionAnswer, RelationCandidate, RelationModel
from ..services.graph import answer_remove, candidate_decide, question_create, question_delete, question_update
from .base import ReadOnlyInline, ScopedAdmin, ScopedHistoryAdmin, VersionedForm, adopt, refusals, staff_user
from .claims import claim_link
from .filters import ProjectFilter


class AnswerInline(ReadOnlyInline):
    model = QuestionAnswer
    project_path = "question__project"
    fields = ("claim_quote", "answer", "answered_by", "updated_at")
    readonly_fields = fields

    @admin.display(description="claim")
    def claim_quote(self, obj: QuestionAnswer) -> str:
        return claim_link(obj.claim)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("claim__article", "answered_by")


class QuestionForm(VersionedForm):
    class Meta:
        model = CheckQuestion
        fields = ["project", "text", "text_en"]


@admin.register(CheckQuestion)
class CheckQuestionAdmin(ScopedHistoryAdmin):
    form = QuestionForm
    add_capability = Capability.FIND
    change_capability = Capability.FIND
    delete_capability = Capability.REVIEW
    list_display = ("text", "project", "answer_count", "created_by", "updated_at")
    list_select_related = ("project", "created_by")
    list_filter = (ProjectFilter,)
    search_fields = ("text", "text_en")
    inlines = [AnswerInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("project", "created_by") if obj is not None else ("created_by",)

    @admin.display(description="answers")
    def answer_count(self, obj: CheckQuestion) -> int:
        return obj.answers.count()

    def save_model(self, request: HttpRequest, obj: CheckQuestion, form: Any, change: bool) -> None:
        data = form.cleaned_data
        with refusals():
            if change:
                saved = question_update(
                    question=obj, by=staff_user(request), version=data["expected_version"],
                    text=data["text"], text_en=data.get("text_en", ""),
                )
            else:
                saved = question_create(
                    project=data["project"], by=staff_user(request), text=data["text"], text_en=data.get("text_en", ""),
                )
        adopt(obj, saved)

    def delete_model(self, request: HttpRequest, obj: CheckQuestion) -> None:
        with refusals():
            question_delete(question=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(request, queryset, lambda q: question_delete(question=q, by=staff_user(request)))


@admin.register(QuestionAnswer)
class QuestionAnswerAdmin(ScopedHistoryAdmin):
    project_path = "question__project"
    delete_capability = Capability.FIND
    list_display = ("question", "claim", "answer", "answered_by", "updated_at")
    list_select_related = ("question__project", "claim", "answered_by")
    list_filter = ("answer",)
    search_fields = ("question__text", "claim__quote")
    readonly_fields = ("question", "claim", "answer", "answered_by", "created_at", "updated_at", "version")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # answers are recorded on the claim's panel or through the API

    def delete_model(self, request: HttpRequest, obj: QuestionAnswer) -> None:
        with refusals():
            answer_remove(answer=obj, by=staff_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self.delete_each(request, queryset, lambda a: answer_remove(answer=a, by=staff_user(request)))


@admin.register(RelationCandidate)
class RelationCandidateAdmin(ScopedHistoryAdmin):
    list_display = ("pair", "kind", "score", "origin", "status", "decided_by", "project")
    list_select_related = ("project", "a_article", "b_article", "decided_by")
    list_filter = (ProjectFilter, "status", "kind", "origin")
    search_fields = ("reasons",)
    actions = ["accept", "reject"]
    fields = ("project", "kind", "a_article", "a_start", "a_end", "a_claim", "b_article", "b_start",
              "b_end", "b_claim", "score", "reasons", "origin", "question", "status", "decided_by",
              "decided_at", "relation", "job")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposals come from the relation job and from answers

    @admin.display(description="pair")
    def pair(self, obj: RelationCandidate) -> str:
        a = obj.a_article.body[obj.a_start:obj.a_end]
        b = obj.b_article.body[obj.b_start:obj.b_end]
        return format_html("«{}» ↔ «{}»", a[:70], b[:70])

    def _decide(self, request: HttpRequest, queryset: QuerySet, status: str) -> None:
        done = 0
        with refusals():
            for candidate in queryset.filter(status=CandidateStatus.PENDING):
                candidate_decide(candidate=candidate, by=staff_user(request), status=status, version=candidate.version)
                done += 1
        self.message_user(request, f"{done} proposal(s) {status}.", messages.SUCCESS)

    @admin.action(description="Accept the selected proposals (link the claims)")
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, CandidateStatus.ACCEPTED)

    @admin.action(description="Reject the selected proposals")
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, CandidateStatus.REJECTED)


@admin.register(RelationModel)
class RelationModelAdmin(ScopedAdmin):
    """What each relation job learnt from the reviewers' decisions on proposals (read only)."""

    view_capability = Capability.MANAGE
    list_display = ("__str__", "project", "is_current", "decisions", "positives", "created_at")
    list_select_related = ("project",)
    list_filter = (ProjectFilter, "is_current")
    fields = ("project", "is_current", "decisions", "positives", "weights", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the relation job writes them
