"""Forms of the claim graph's pages: they parse and type the request; the services decide the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import QUESTION_MAX_CHARS, Answer, CandidateStatus, RelationKind

LINK_KINDS = [
    (RelationKind.SAME, _("Same claim")),
    (RelationKind.CONTRADICTS, _("Contradicts")),
    (RelationKind.SUPPORTS, _("Supports")),
]


class SpanForm(forms.Form):
    """The other side of an action from the related list: a claim, or a sentence nobody marked."""

    target = forms.IntegerField(min_value=1, required=False, label=_("Claim"))
    article = forms.IntegerField(min_value=1, required=False, label=_("Article"))
    start = forms.IntegerField(min_value=0, required=False, label=_("Start"))
    end = forms.IntegerField(min_value=1, required=False, label=_("End"))
    side_required = True  # False: none named means the focused claim itself

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        span = (data.get("article"), data.get("start"), data.get("end"))
        if data.get("target") is None and span == (None, None, None) and not self.side_required:
            return data
        if data.get("target") is None and None in span:
            raise forms.ValidationError(_("Name the claim, or the article and the span of the sentence."))
        if data.get("target") is None and span[2] <= span[1]:  # type: ignore[operator]
            self.add_error("end", _("The end must come after the start."))
        return data


class RelatedLinkForm(SpanForm):
    """Link the focused claim to a related claim or sentence."""

    kind = forms.ChoiceField(choices=LINK_KINDS, label=_("Kind of link"))
    accept_target = forms.BooleanField(required=False, label=_("Also accept the suggestion"))


class AnswerForm(SpanForm):
    """What a claim (the focused one, or a related one) answers to a question of the project."""

    side_required = False

    question = forms.IntegerField(min_value=1, label=_("Question"))
    answer = forms.ChoiceField(choices=Answer.choices, label=_("Answer"),
                               error_messages={"required": _("Choose yes, no, partly or unclear.")})


class QuestionAttachForm(SpanForm):
    """A claim or sentence of the project answering the question of the page."""

    answer = forms.ChoiceField(choices=Answer.choices, label=_("Answer"),
                               error_messages={"required": _("Choose yes, no, partly or unclear.")})


class QuestionCreateForm(forms.Form):
    """A new check question on the focused claim, with the claim's answer to it."""

    text = forms.CharField(max_length=QUESTION_MAX_CHARS, label=_("Question"),
                           error_messages={"required": _("Write the question.")})
    text_en = forms.CharField(max_length=QUESTION_MAX_CHARS, required=False, label=_("In English (optional)"))
    answer = forms.ChoiceField(choices=Answer.choices, label=_("This claim’s answer"),
                               error_messages={"required": _("Choose yes, no, partly or unclear.")})


class QuestionEditForm(forms.Form):
    """A question's wording, at the version the editor started from."""

    text = forms.CharField(max_length=QUESTION_MAX_CHARS, label=_("Question"),
                           error_messages={"required": _("Write the question.")})
    text_en = forms.CharField(max_length=QUESTION_MAX_CHARS, required=False, label=_("In English (optional)"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CandidateDecideForm(forms.Form):
    """A reviewer's decision on a proposed relation, at a known version."""

    status = forms.ChoiceField(
        choices=[(CandidateStatus.ACCEPTED, _("Accept")), (CandidateStatus.REJECTED, _("Reject"))],
        label=_("Decision"),
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
