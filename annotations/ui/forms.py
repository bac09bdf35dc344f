"""Forms of the annotate area: they parse and type the request; the services decide the rules."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ClaimStatus, RelationKind, Stance, Verdict

CONFIDENCE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ClaimCreateForm(forms.Form):
    """A span of the body in Python code points, with the text the browser saw there."""

    start = forms.IntegerField(min_value=0, label=_("Start"))
    end = forms.IntegerField(min_value=1, label=_("End"))
    # Never stripped: the service compares it with the body character for character.
    quote = forms.CharField(strip=False, label=_("Quote"))
    statement = forms.CharField(required=False, widget=forms.Textarea, label=_("Statement"))
    # Set when the annotator confirmed a span that crosses paragraphs or is very long.
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            self.add_error("end", _("The end must come after the start."))
        return data


class ClaimEditForm(forms.Form):
    """The normalised statement, the speaker and the date of a claim, at a known version."""

    statement = forms.CharField(required=False, widget=forms.Textarea, label=_("Statement"))
    speaker = forms.CharField(required=False, max_length=300, label=_("Speaker"))
    asserted_by_article = forms.BooleanField(
        required=False, label=_("The article itself asserts this claim")
    )
    statement_date = forms.DateField(required=False, label=_("Date of the statement"))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ClaimDecideForm(forms.Form):
    """Accept or reject a claim at a known version."""

    status = forms.ChoiceField(
        choices=[(ClaimStatus.ACCEPTED, _("Accept")), (ClaimStatus.REJECTED, _("Reject"))]
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class AnnotationForm(forms.Form):
    """A verdict from the project's scheme, a confidence, a rationale and the time spent."""

    verdict = forms.ModelChoiceField(
        queryset=Verdict.objects.none(), required=False, label=_("Verdict")
    )
    confidence = forms.TypedChoiceField(
        choices=CONFIDENCE_CHOICES, coerce=int, required=False, empty_value=None,
        label=_("Confidence"),
    )
    rationale = forms.CharField(required=False, widget=forms.Textarea, label=_("Rationale"))
    time_spent_seconds = forms.IntegerField(
        min_value=0, max_value=7 * 24 * 3600, required=False, widget=forms.HiddenInput
    )
    # Empty when the annotation does not exist yet.
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scheme_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["verdict"]).queryset = Verdict.objects.filter(scheme_id=scheme_id)


# A claim or article of the corpus, named by id or by the URL of its page.
CLAIM_REF = re.compile(r"^\s*(?:#|claim[: ]?)?\s*(\d+)\s*$", re.IGNORECASE)
CLAIM_URL = re.compile(r"[?&]claim=(\d+)|/claims/(\d+)/")
ARTICLE_URL = re.compile(r"/articles/(\d+)/")


def _reference(value: str, *, kind: str) -> int | None:
    """The id in "123", "#123" or a page URL of the Workbench; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    match = CLAIM_REF.match(value)
    if match:
        return int(match.group(1))
    found = (CLAIM_URL if kind == "claim" else ARTICLE_URL).search(value)
    if found:
        return int(next(g for g in found.groups() if g))
    raise forms.ValidationError(_("Give an id or the address of its page in the Workbench."))


class EvidenceForm(forms.Form):
    """One source: a web page (http/https), or a claim or article of the same project."""

    # Required, with no default: a stance recorded by default is a stance nobody chose.
    stance = forms.ChoiceField(
        choices=Stance.choices, label=_("Stance"),
        error_messages={"required": _("Choose a stance: supports, refutes or context.")},
    )
    url = forms.CharField(required=False, max_length=2000, label=_("URL"))
    title = forms.CharField(required=False, max_length=500, label=_("Title"))
    publisher = forms.CharField(required=False, max_length=300, label=_("Publisher"))
    published_on = forms.DateField(required=False, label=_("Date"))
    passage = forms.CharField(required=False, widget=forms.Textarea, label=_("Quoted passage"))
    question = forms.CharField(required=False, max_length=1000, label=_("Question it answers"))
    linked_claim = forms.CharField(required=False, label=_("Claim of the corpus"))
    linked_article = forms.CharField(required=False, label=_("Article of the corpus"))

    def clean_linked_claim(self) -> int | None:
        return _reference(self.cleaned_data.get("linked_claim", ""), kind="claim")

    def clean_linked_article(self) -> int | None:
        return _reference(self.cleaned_data.get("linked_article", ""), kind="article")


class RelationForm(forms.Form):
    """A link from the focused claim to another claim of the project."""

    target = forms.IntegerField(min_value=1, label=_("Claim"))
    kind = forms.ChoiceField(choices=RelationKind.choices, label=_("Kind"))
    note = forms.CharField(required=False, max_length=2000, label=_("Note"))


class UnrelateForm(forms.Form):
    """Which claim's panel to show after removing a link (either end of it)."""

    claim = forms.IntegerField(min_value=1, required=False)



class IdListField(forms.Field):
    """Ids sent as repeated values (ticked boxes); which ones exist is the service's question."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        out = []
        for item in values:
            text = str(item).strip()
            if not text.isdigit() or len(text) > 11:
                raise forms.ValidationError(_("“%(value)s” is not a claim id.") % {"value": text[:20]})
            out.append(int(text))
        return out


class BatchDecideForm(forms.Form):
    """Many suggestions at once: an action naming the decision and which suggestions it takes."""

    ACTIONS = {
        "accept_selected": (ClaimStatus.ACCEPTED, "selected"), "reject_selected": (ClaimStatus.REJECTED, "selected"),
        "accept_above": (ClaimStatus.ACCEPTED, "above"), "reject_below": (ClaimStatus.REJECTED, "below"),
        "accept_paragraph": (ClaimStatus.ACCEPTED, "paragraph"),
        "reject_paragraph": (ClaimStatus.REJECTED, "paragraph"),
    }
    action = forms.ChoiceField(choices=[(name, name) for name in ACTIONS], label=_("Action"))
    claim_ids = IdListField(required=False, label=_("Suggestions"))
    score = forms.FloatField(required=False, min_value=0, max_value=1, label=_("Score"))
    paragraph = forms.IntegerField(required=False, min_value=0, label=_("Paragraph"))

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        scope = self.ACTIONS.get(data.get("action", ""), ("", ""))[1]
        if scope == "selected" and not data.get("claim_ids"):
            self.add_error("claim_ids", _("Tick the suggestions to decide on first."))
        if scope in ("above", "below") and data.get("score") is None:
            self.add_error("score", _("Give a score between 0 and 1."))
        if scope == "paragraph" and data.get("paragraph") is None:
            self.add_error("paragraph", _("Open a suggestion, or put the caret in a paragraph, first."))
        return data

    def criteria(self) -> dict[str, Any]:
        """The service's keyword arguments for the action."""
        data = self.cleaned_data
        status, scope = self.ACTIONS[data["action"]]
        out: dict[str, Any] = {"status": status}
        if scope == "selected":
            out["claim_ids"] = data["claim_ids"]
        elif scope == "above":
            out["min_score"] = data["score"]
        elif scope == "below":
            out["below_score"] = data["score"]
        else:
            out["paragraph"] = data["paragraph"]
        return out
