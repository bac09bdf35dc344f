"""Forms of the manager's pages: they parse and check input; the services decide and write."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ..access import AuthUser
from ..exporters.licences import LICENCES, OTHER, licence_of
from ..importers.reader import FORMATS, format_for_name
from ..models import Project, Role, TaskKind, Verdict, VerdictScheme
from ..services.imports import import_upload_validator
from .import_messages import translate_job_error, translate_problem
from ..services.projects import LANGUAGE_RE, schemes_available_to, settings_version

# A folder exists only on a worker's disk; an upload is one file.
UPLOAD_FORMATS = tuple(f for f in FORMATS if f != "folder")
FORMAT_NAMES = {
    "doccano": "doccano (JSONL)", "labelstudio": "Label Studio (JSON, JSON_MIN)",
    "html": "HTML", "urls": _("List of URLs (.txt, one a line)"),
    "claimreview": _("Fact-check feed (ClaimReview JSON-LD, Google Fact Check Tools)"),
    "release": _("Workbench release (its zip: claims and articles files)"),
}
MAX_OVERLAP = 20  # more annotators per claim than any team has is a typo, not a setting

language_validator = RegexValidator(LANGUAGE_RE, _("Use a language code such as fr, en or pt-BR."))


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has it, else on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class _ProjectFields(forms.Form):
    """Fields a project is created and edited with."""

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    language = forms.CharField(
        label=_("Language"), max_length=12, initial="fr", validators=[language_validator],
        help_text=_("The language of the articles, as a code: fr, en, de…"),
    )
    scheme: forms.ModelChoiceField[VerdictScheme] = forms.ModelChoiceField(label=_("Verdict scheme"), queryset=None, empty_label=None)
    task_kind = forms.ChoiceField(label=_("Work asked of annotators"), choices=TaskKind.choices, initial=TaskKind.BOTH)
    overlap = forms.IntegerField(
        label=_("Annotators per claim"), min_value=1, max_value=MAX_OVERLAP, initial=2,
    )
    blind = forms.BooleanField(
        label=_("Blind: annotators never see each other's work"), required=False, initial=True
    )
    auto_accept_unanimous = forms.BooleanField(
        label=_("Accept unanimous verdicts without a reviewer"), required=False, initial=True
    )
    guidelines = forms.CharField(
        label=_("Guidelines (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 14}),
    )

    def __init__(self, *args: Any, user: AuthUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["scheme"]).queryset = schemes_available_to(user).order_by("-is_default", "name")

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError(_("A project needs a name."))
        return name


class ProjectCreateForm(_ProjectFields):
    """A new project; the slug is made from the name when left empty."""

    slug = forms.SlugField(
        label=_("Short name in addresses"), max_length=80, required=False,
        help_text=_("Letters, digits and hyphens; made from the name when left empty."),
    )
    field_order = [
        "name", "slug", "description", "language", "scheme", "task_kind", "overlap", "blind",
        "auto_accept_unanimous", "guidelines",
    ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "name" in cleaned and not cleaned.get("slug") and "slug" not in self.errors:
            cleaned["slug"] = slugify(cleaned["name"])[:80].strip("-")
            if not cleaned["slug"]:
                self.add_error("slug", _("Give a short name: the name has no letters to make one from."))
        slug = cleaned.get("slug")
        if slug and Project.objects.filter(slug=slug).exists():
            self.add_error("slug", _("Another project already uses this short name."))
        return cleaned


class ProjectSettingsForm(_ProjectFields):
    """Every setting of an existing project."""

    suggest_on_import = forms.BooleanField(label=_("Suggest claims in newly imported articles"), required=False)
    suggest_threshold = forms.FloatField(
        label=_("Suggestion threshold"), min_value=0.0, max_value=1.0, required=False,
        help_text=_("The score a sentence needs to be suggested (0 to 1); empty for the default of its language."),
    )
    suggest_per_10k = forms.IntegerField(
        label=_("Suggestions per 10,000 characters"), min_value=1, max_value=1000, required=False,
        help_text=_("At most this many per article length, best first; empty for no cap."),
    )
    show_annotator_names = forms.BooleanField(
        label=_("Releases name annotators (instead of stable pseudonyms)"), required=False
    )
    organisation = forms.CharField(
        label=_("Organisation"), max_length=200, required=False,
        help_text=_("Named as the author of ClaimReview records in releases."),
    )
    licence = forms.ChoiceField(
        label=_("Licence of releases"), initial="CC-BY-4.0",
        choices=[(lic.spdx, f"{lic.name} ({lic.spdx})") for lic in LICENCES] + [(OTHER, _("Other (name it below)"))],
        help_text=_("Dataset hubs and fact-check feeds read it from the release."),
    )
    licence_name = forms.CharField(
        label=_("Name of the other licence"), max_length=100, required=False,
    )
    public_base_url = forms.URLField(
        label=_("Public address of the fact checks"), max_length=500, required=False, assume_scheme="https",
        help_text=_("Where the project's fact checks are published, e.g. https://factcheck.example.org/checks/: "
                    "a claim's page is this address followed by its id (or put {claim_id} where the id goes). "
                    "ClaimReview files link there; without it, releases have no ClaimReview file."),
    )
    # The settings as the editor saw them (services.projects.settings_version): optimistic locking.
    version = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    field_order = [
        "name", "description", "language", "organisation", "licence", "licence_name", "public_base_url",
        "scheme", "task_kind",
        "overlap", "blind", "auto_accept_unanimous", "suggest_on_import", "suggest_threshold",
        "suggest_per_10k", "show_annotator_names",
        "guidelines",
    ]

    @classmethod
    def initial_for(cls, project: Project) -> dict[str, Any]:
        """The form's initial values: the project as it is."""
        fields = [name for name in cls.base_fields if name not in ("scheme", "version", "licence_name")]
        known = licence_of(project.licence)
        return {name: getattr(project, name) for name in fields} | {
            "scheme": project.scheme_id, "version": settings_version(project),
            "licence": known.spdx if known else OTHER, "licence_name": "" if known else project.licence,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # The project stores one licence text: a listed licence's SPDX id, or the other's name.
        name = (cleaned.pop("licence_name", "") or "").strip()
        if cleaned.get("licence") == OTHER:
            if not name:
                self.add_error("licence_name", _("Name the licence, or choose one from the list."))
            else:
                cleaned["licence"] = name
        return cleaned


class MemberAddForm(forms.Form):
    """Give a role to a user named by username (a select of every account would not scale)."""

    username = forms.CharField(
        label=_("Username"), max_length=150,
        widget=forms.TextInput(attrs={"data-hotkey": "a", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.ANNOTATOR)

    def clean_username(self) -> AuthUser:
        username = self.cleaned_data["username"].strip()
        user = get_user_model()._default_manager.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(_("No active user has this username."))
        return user


class MemberRemoveForm(forms.Form):
    """Take one role away from one member."""

    user = forms.IntegerField(min_value=1)
    role = forms.ChoiceField(choices=Role.choices)


# Pasted URLs: a list this long is better uploaded as a file.
MAX_PASTED_URLS_CHARS = 200_000


def _upload_size_validator(upload: Any) -> None:
    """import_upload_validator, its refusal in the reader's language."""
    try:
        import_upload_validator(upload)
    except ValidationError as exc:
        raise ValidationError([translate_job_error(message) for message in exc.messages]) from None


class ImportForm(forms.Form):
    """A file of articles (or pasted URLs) and, when its name does not tell, its format."""

    file = forms.FileField(
        required=False,
        label=_("File of articles"),
        help_text=_(
            "JSON Lines or CSV (one article per line or row), a .txt or .html file (one article), "
            "a .zip of them, a doccano or Label Studio export, a Workbench release's zip, a list "
            "of URLs, or a fact-check feed (ClaimReview); UTF-8. Nothing is imported if any line "
            "is bad."
        ),
        validators=[_upload_size_validator],
    )
    urls = forms.CharField(
        label=_("Or paste URLs, one a line"),
        help_text=_("The worker fetches each page and imports its article."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_PASTED_URLS_CHARS,
        required=False,
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Tell from the file name"))] + [(f, FORMAT_NAMES.get(f, f.upper())) for f in UPLOAD_FORMATS],
        required=False,
    )
    spans_as = forms.ChoiceField(
        label=_("Spans of a doccano or Label Studio export, or a release's claims, become"),
        choices=[
            ("suggestions", _("Suggested claims, to accept or reject")),
            ("accepted", _("Accepted claims, ready to judge")),
        ],
        initial="suggestions",
        required=False,
    )
    day_first = forms.BooleanField(
        label=_("Dates are day first (25/09/2025)"),
        help_text=_("Always the case for a project in French."),
        required=False,
    )
    separator = forms.ChoiceField(
        label=_("CSV separator"),
        choices=[("", _("Detect it")), (",", _("Comma")), (";", _("Semicolon")), ("\t", _("Tab")),
                 ("|", _("Vertical bar"))],
        required=False,
    )
    encoding = forms.ChoiceField(
        label=_("CSV encoding"),
        choices=[("", _("Detect it")), ("utf-8", "UTF-8"), ("cp1252", "Windows-1252"),
                 ("iso8859-1", "ISO-8859-1 (Latin-1)"), ("iso8859-15", "ISO-8859-15 (Latin-9)"),
                 ("mac-roman", "Mac Roman")],
        required=False,
    )
    suggest = forms.BooleanField(label=_("Suggest claims after import"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        upload = cleaned.get("file")
        pasted = (cleaned.get("urls") or "").strip()
        if upload is None and not pasted:
            if "file" not in self.errors:  # a file is needed unless URLs are pasted
                self.add_error("file", forms.ValidationError(
                    self.fields["file"].error_messages["required"], code="required"))
        elif upload is not None and pasted:
            self.add_error("urls", _("Upload a file or paste URLs, not both."))
        elif pasted:
            cleaned["format"] = "urls"
        if upload is not None and not cleaned.get("format"):
            try:
                detected = format_for_name(upload.name)
            except ValueError as exc:
                self.add_error("file", translate_problem(str(exc)))
            else:
                if detected not in UPLOAD_FORMATS:
                    self.add_error("file", _("Upload a file, not a folder."))
        return cleaned


class VerdictsField(forms.ModelMultipleChoiceField):
    """Verdicts shown by their label, in the reader's language."""

    def label_from_instance(self, obj: Verdict) -> str:
        return obj.label


class ReleaseForm(forms.Form):
    """A new dataset release: its version, formats and which claims it holds."""

    version = forms.CharField(
        label=_("Version"), max_length=40,
        widget=forms.TextInput(attrs={"data-hotkey": "n", "autocomplete": "off", "placeholder": "1.0"}),
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Letters, digits, dots, hyphens and underscores, such as 1.0 or 2025-08."))],
    )
    formats = forms.MultipleChoiceField(label=_("Formats"), choices=(), widget=forms.CheckboxSelectMultiple)
    adjudicated_only = forms.BooleanField(label=_("Adjudicated claims only"), required=False, initial=True)
    min_agreement = forms.FloatField(
        label=_("Minimum agreement"), required=False, min_value=0, max_value=1,
        help_text=_("Leave out claims whose annotators agreed less than this (0 to 1)."),
    )
    verdicts = VerdictsField(
        label=_("Verdicts"), queryset=Verdict.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, to_field_name="code",
        help_text=_("None ticked: every verdict."),
    )
    date_from = forms.DateField(
        label=_("Claim date from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The statement's date, else its article's publication date."),
    )
    date_to = forms.DateField(
        label=_("Claim date until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Inclusive."),
    )

    def __init__(
        self, *args: Any, project: Project, formats: tuple[str, ...],
        labels: Mapping[str, Any] | None = None, initial_formats: list[str] | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        labels = labels or {}
        cast(forms.MultipleChoiceField, self.fields["formats"]).choices = [(f, labels.get(f, f)) for f in formats]
        self.fields["formats"].initial = list(formats) if initial_formats is None else initial_formats
        cast(VerdictsField, self.fields["verdicts"]).queryset = (
            Verdict.objects.filter(scheme_id=project.scheme_id).order_by("order")
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range comes before its start."))
        return cleaned
