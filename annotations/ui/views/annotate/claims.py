"""Writes from the article page: thin POST views calling the claim and work services.

With htmx each returns the partials to swap (the claim panel, plus the claim's list row, or
the body and the whole list when claims appear or change status); without it, a redirect back
to the article page with a message. Refusals change nothing: a stale version shows the newer
values, a bad field its message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from ....access import Capability, StaleVersion, allow
from ....models import Annotation, Claim, ClaimStatus
from ....reading import LONG_CLAIM_CHARS, span_warnings
from ....selectors import article_get_for_user
from ....selectors.article_page import (
    article_page_for_user,
    claim_item_from_panel,
    claim_panel,
    claim_visible_to,
)
from ....selectors.visibility import (
    article_of_project,
    claim_of_project,
    evidence_get_for_user,
    relation_get_for_user,
)
from ....services import claims as claim_services
from ....services import work as work_services
from ....services.graph import relate_and_accept
from ...forms import (
    AnnotationForm,
    ClaimCreateForm,
    ClaimDecideForm,
    ClaimEditForm,
    EvidenceForm,
    RelationForm,
    UnrelateForm,
)
from ..common import AuthenticatedHttpRequest, member_view
from .article import TEMPLATES, article_url, page_context, panel_context
from .rows import render_rows


def error_lines(error: ValidationError | Form, form: Form | None = None) -> list[str]:
    """Lines "Field label: message" from a service's ValidationError or a form's errors."""
    items: Iterable[tuple[str, Iterable[object]]]
    if isinstance(error, Form):
        form = error
        items = error.errors.items()
    elif hasattr(error, "error_dict"):
        items = ((name, [m for e in errs for m in e.messages]) for name, errs in error.error_dict.items())
    else:
        return list(error.messages)
    fields = form.fields if form is not None else {}

    def label(name: str) -> str:
        # People read the field's label ("URL"), never its name in the code ("url").
        field = fields.get(name)
        return str(field.label) if field is not None and field.label else name

    return [
        f"{label(name)}{_(':')} {message}" if name != "__all__" else str(message)
        for name, msgs in items
        for message in msgs
    ]


# The fields whose errors a panel form's template shows beside them (None: every field): with
# htmx the panel's top repeats none of those (one message, where the problem is), only that
# nothing was saved, and the errors of fields it does not show.
_INLINE_ERRORS: dict[str, set[str] | None] = {
    "evidence_form": None,
    "annotation_form": {"verdict", "confidence", "rationale"},
    "edit_form": {"statement", "speaker", "statement_date"},
}


def _not_shown_beside(panel_kwargs: dict[str, Any], failed: list[str]) -> list[str]:
    """The panel's top errors once a re-shown form carries its own beside its fields."""
    for key, shown in _INLINE_ERRORS.items():
        form = panel_kwargs.get(key)
        if isinstance(form, Form) and form.errors:
            # Errors of the form as a whole stay at the top too: the form may not be shown at
            # all (no verdict form on a claim that is not accepted).
            beside = {name for name in form.errors if name != "__all__" and (shown is None or name in shown)}
            if not beside:
                return failed
            rest = [f"{form.fields[name].label or name if name in form.fields else name}{_(':')} {message}"
                    if name != "__all__" else str(message)
                    for name, errs in form.errors.items() if name not in beside for message in errs]
            return [_("Nothing was saved: see the form below."), *rest]
    return failed


def _span_warnings(body: str, start: int, end: int) -> list[str]:
    """Why the span looks like a stray drag (crossing paragraphs, too long); [] for a span
    outside the body, which the service refuses with its own message."""
    if not 0 <= start < end <= len(body):
        return []
    return span_warnings(body, start, end)


def add_service_errors(form: Form, error: ValidationError) -> None:
    """Put a service's field errors on the form's fields (unknown fields on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errs in error.error_dict.items():
        form.add_error(name if name in form.fields else None, [m for e in errs for m in e.messages])


def describe(current: Any) -> str:
    """The newer version's values in one line, for a refused save without htmx."""
    if isinstance(current, Annotation):
        return _("version %(v)s: verdict “%(verdict)s”, confidence %(c)s, rationale “%(r)s”") % {
            "v": current.version, "verdict": current.verdict.label if current.verdict else "—",
            "c": current.confidence or "—", "r": current.rationale[:200],
        }
    return _("version %(v)s: statement “%(s)s”, speaker “%(sp)s”, date %(d)s, status %(st)s") % {
        "v": current.version, "s": current.statement[:200], "sp": current.speaker,
        "d": current.statement_date or "—", "st": current.get_status_display(),
    }


def _respond(
    request: AuthenticatedHttpRequest,
    claim: Claim,
    *,
    structural: bool = False,
    done: str = "",
    failed: list[str] | None = None,
    conflict: Any = None,
    **panel_kwargs: Any,
) -> HttpResponse:
    """The htmx partials for the claim's panel, or a redirect back with a message."""
    if not request.htmx:
        if conflict is not None:
            messages.warning(
                request, _("Not saved: this was changed by someone else (%(newer)s). Nothing was "
                           "overwritten.") % {"newer": describe(conflict)},
            )
        for line in failed or []:
            messages.error(request, line)
        if done and conflict is None and not failed:
            messages.success(request, done)
        return redirect(article_url(claim.article_id, claim.pk))
    if failed:
        failed = _not_shown_beside(panel_kwargs, failed)
    kwargs = dict(panel_kwargs, conflict=conflict, notice=done if not failed else "",
                  errors=failed or [])
    if conflict is not None:
        kwargs["conflict_kind"] = "annotation" if isinstance(conflict, Annotation) else "claim"
    if structural:
        page = article_page_for_user(request.user, claim.article_id, focus_claim_id=claim.pk)
        context = page_context(page, **kwargs)
        context["structural"] = True
    else:
        panel = claim_panel(request.user, claim)
        context = panel_context(panel, user_id=request.user.pk, **kwargs)
        context["row_html"] = render_rows([claim_item_from_panel(panel)], oob=True)
    return render(request, TEMPLATES + "_update.html", context)


@member_view
@require_POST
def claim_create(request: AuthenticatedHttpRequest, article_id: int) -> HttpResponse:
    """Make the selected span a claim (offsets in code points, checked against the quote)."""
    article = article_get_for_user(request.user, article_id)
    form = ClaimCreateForm(request.POST)
    failed: list[str] = []
    claim = None
    if form.is_valid():
        data = form.cleaned_data
        warnings = _span_warnings(article.body, data["start"], data["end"])
        if request.htmx and warnings and not data["confirm"]:
            # Nothing is made yet: the annotator confirms (the same form, confirm=1) or cancels.
            response = render(request, TEMPLATES + "_claim_warning.html", {
                "warnings": warnings, "length": data["end"] - data["start"], "limit": LONG_CLAIM_CHARS,
            })
            return reswap(retarget(response, "#selection-flash"), "innerHTML")
        try:
            claim = claim_services.claim_create(
                article=article, start=data["start"], end=data["end"], quote=data["quote"],
                statement=data["statement"].strip(), by=request.user,
            )
        except ValidationError as exc:
            failed = error_lines(exc)
    else:
        failed = error_lines(form)
    if claim is not None:
        return _respond(request, claim, structural=True, done=_("Claim created."))
    if not request.htmx:
        for line in failed:
            messages.error(request, _("Could not make a claim: %(error)s") % {"error": line})
        return redirect(article_url(article.pk))
    response = render(request, TEMPLATES + "_flash.html", {"errors": failed})
    # The panel stays as it was; the message goes next to the selection bar.
    return reswap(retarget(response, "#selection-flash"), "innerHTML")


@member_view
@require_POST
def claim_update(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Save the claim's statement, speaker and date at the version the editor started from."""
    claim, _perms = claim_visible_to(request.user, claim_id)
    form = ClaimEditForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), edit_form=form)
    data = form.cleaned_data
    try:
        claim = claim_services.claim_update(
            claim=claim, by=request.user, version=data["version"],
            statement=data["statement"].strip(), speaker=data["speaker"].strip(),
            asserted_by_article=data["asserted_by_article"], statement_date=data["statement_date"],
        )
    except StaleVersion as exc:
        # Keep the editor's text, at the newer version: saving again is a deliberate choice.
        retry = ClaimEditForm({**request.POST.dict(), "version": exc.current.version})
        retry.is_valid()
        current = exc.current
        current.article = claim.article
        return _respond(request, current, conflict=current, edit_form=retry)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _respond(request, claim, failed=error_lines(exc, form), edit_form=form)
    return _respond(request, claim, done=_("Claim saved."))


@member_view
@require_POST
def claim_decide(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Accept or reject the claim (a suggestion, usually)."""
    claim, _perms = claim_visible_to(request.user, claim_id)
    form = ClaimDecideForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form))
    try:
        claim = claim_services.claim_decide(
            claim=claim, by=request.user, status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
        )
    except StaleVersion as exc:
        exc.current.article = claim.article
        return _respond(request, exc.current, structural=True, conflict=exc.current)
    except ValidationError as exc:
        return _respond(request, claim, failed=error_lines(exc))
    done = _("Claim accepted.") if claim.status == "accepted" else _("Claim rejected.")
    return _respond(request, claim, structural=True, done=done)


@member_view
@require_POST
def annotation_save(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Save the user's verdict, confidence, rationale and time spent on the claim."""
    claim, _perms = claim_visible_to(request.user, claim_id)
    form = AnnotationForm(request.POST, scheme_id=claim.article.project.scheme_id)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), annotation_form=form)
    data = form.cleaned_data
    try:
        work_services.annotation_save(
            claim=claim, annotator=request.user, verdict=data["verdict"],
            version=data["version"], confidence=data["confidence"],
            rationale=data["rationale"].strip(),
            time_spent_seconds=data["time_spent_seconds"] or 0,
        )
    except StaleVersion as exc:
        retry = AnnotationForm(
            {**request.POST.dict(), "version": exc.current.version},
            scheme_id=claim.article.project.scheme_id,
        )
        retry.is_valid()
        return _respond(request, claim, conflict=exc.current, annotation_form=retry)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _respond(request, claim, failed=error_lines(exc, form), annotation_form=form)
    return _respond(request, claim, done=_("Verdict saved."))


@member_view
@require_POST
def evidence_add(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Attach a web page, or a claim or article of the project, as evidence for the claim."""
    claim, perms = claim_visible_to(request.user, claim_id)
    # The role before the linked claim or article is looked up, so their ids tell nothing.
    allow(request.user, perms.roles, Capability.FIND)
    form = EvidenceForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), evidence_form=form)
    data = form.cleaned_data
    project_id = claim.article.project_id
    try:
        linked_claim = (
            claim_of_project(project_id, data["linked_claim"], field="linked_claim")
            if data["linked_claim"] else None
        )
        linked_article = (
            article_of_project(project_id, data["linked_article"], field="linked_article")
            if data["linked_article"] else None
        )
        work_services.evidence_add(
            claim=claim, by=request.user, stance=data["stance"], url=data["url"].strip(),
            title=data["title"].strip(), publisher=data["publisher"].strip(),
            published_on=data["published_on"], passage=data["passage"].strip(),
            question=data["question"].strip(),
            linked_claim=linked_claim, linked_article=linked_article,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _respond(request, claim, failed=error_lines(exc, form), evidence_form=form)
    return _respond(request, claim, done=_("Evidence added."))


@member_view
@require_POST
def evidence_delete(request: AuthenticatedHttpRequest, evidence_id: int) -> HttpResponse:
    """Remove evidence (its author, or a reviewer); others' evidence in a blind project is 404."""
    evidence = evidence_get_for_user(request.user, evidence_id)
    claim, _perms = claim_visible_to(request.user, evidence.claim_id)
    work_services.evidence_delete(evidence=evidence, by=request.user)
    return _respond(request, claim, done=_("Evidence removed."))


@member_view
@require_POST
def claim_relate(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """Link the claim to another claim of the project."""
    claim, perms = claim_visible_to(request.user, claim_id)
    # The role before the target is looked up: a researcher could otherwise test candidates' ids.
    allow(request.user, perms.roles, Capability.FIND)
    form = RelationForm(request.POST)
    if not form.is_valid():
        return _respond(request, claim, failed=error_lines(form), relation_form=form)
    data = form.cleaned_data
    try:
        target = claim_of_project(claim.article.project_id, data["target"], field="target")
        # A suggestion linked to stays unjudged and unreleased unless accepted: the results offer
        # it ticked, one box per suggested claim, whose value names the claim it is about.
        accept = str(target.pk) in request.POST.getlist("accept_target")
        relate_and_accept(
            source=claim, target=target, kind=data["kind"], note=data["note"].strip(),
            by=request.user, accept_target=accept,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _respond(request, claim, failed=error_lines(exc, form), relation_form=form)
    if accept and target.status == ClaimStatus.CANDIDATE:
        return _respond(request, claim, structural=True, done=_("Claims linked; the suggestion is accepted."))
    return _respond(request, claim, done=_("Claims linked."))


@member_view
@require_POST
def claim_unrelate(request: AuthenticatedHttpRequest, relation_id: int) -> HttpResponse:
    """Remove a link; the panel shown afterwards is the claim it was removed from."""
    relation = relation_get_for_user(request.user, relation_id)
    form = UnrelateForm(request.POST)
    shown = relation.source_id
    if form.is_valid() and form.cleaned_data["claim"] in (relation.source_id, relation.target_id):
        shown = form.cleaned_data["claim"]
    claim_services.claim_unrelate(relation=relation, by=request.user)
    claim, _perms = claim_visible_to(request.user, shown)
    return _respond(request, claim, done=_("Link removed."))

