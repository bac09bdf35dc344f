"""Projects, their members and the verdict schemes they judge claims with."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.db.models import Q


class FeverLabel(models.TextChoices):
    SUPPORTS = "SUPPORTS", "SUPPORTS"
    REFUTES = "REFUTES", "REFUTES"
    NOT_ENOUGH_INFO = "NOT ENOUGH INFO", "NOT ENOUGH INFO"


class AveritecLabel(models.TextChoices):
    SUPPORTED = "Supported", "Supported"
    REFUTED = "Refuted", "Refuted"
    NOT_ENOUGH_EVIDENCE = "Not Enough Evidence", "Not Enough Evidence"
    CONFLICTING = "Conflicting Evidence/Cherrypicking", "Conflicting Evidence/Cherrypicking"


class VerdictScheme(models.Model):
    """An ordered set of verdicts; built-in schemes have no owning project."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # At most one scheme is the one new projects get.
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_scheme"
            ),
        ]

    def __str__(self) -> str:
        return self.name


colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #1f77b4.")


class Verdict(models.Model):
    """One label of a scheme with its mappings to FEVER, AVeriTeC and ClaimReview."""

    scheme = models.ForeignKey(VerdictScheme, on_delete=models.CASCADE, related_name="verdicts")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    hotkey = models.CharField(max_length=1, blank=True)
    colour = models.CharField(max_length=7, default="#777777", validators=[colour_validator])
    order = models.PositiveSmallIntegerField(default=0)
    fever_label = models.CharField(max_length=16, choices=FeverLabel.choices, blank=True)
    averitec_label = models.CharField(max_length=40, choices=AveritecLabel.choices, blank=True)
    claimreview_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    claimreview_name_en = models.CharField(max_length=80, blank=True)
    claimreview_name_fr = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["scheme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="verdict_code_unique"),
            models.UniqueConstraint(
                fields=["scheme", "hotkey"], condition=~Q(hotkey=""), name="verdict_hotkey_unique"
            ),
            models.CheckConstraint(
                condition=Q(claimreview_rating__isnull=True)
                | Q(claimreview_rating__gte=1, claimreview_rating__lte=5),
                name="verdict_claimreview_rating_1_5",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the user's language when the catalogue knows it (the default scheme's)."""
        return gettext(self.name)


# The default scheme's names (migration 0003), so makemessages puts them in the catalogue.
DEFAULT_VERDICT_NAMES = (
    gettext_noop("Supported"),
    gettext_noop("Refuted"),
    gettext_noop("Misleading (cherry-picking)"),
    gettext_noop("Conflicting evidence"),
    gettext_noop("Not enough evidence"),
    gettext_noop("Not a checkable claim"),
)


class TaskKind(models.TextChoices):
    FINDING = "finding", _("Finding claims")
    JUDGING = "judging", _("Judging claims")
    BOTH = "both", _("Finding and judging")


def new_pseudonym_salt() -> str:
    """A fresh random salt for a project's annotator pseudonyms."""
    return secrets.token_hex(16)


class Project(models.Model):
    """A body of articles worked under one scheme, overlap and set of guidelines."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    language = models.CharField(max_length=12, default="fr")
    guidelines = models.TextField(blank=True, help_text="Markdown shown to annotators.")
    scheme = models.ForeignKey(VerdictScheme, on_delete=models.PROTECT, related_name="projects")
    task_kind = models.CharField(max_length=10, choices=TaskKind.choices, default=TaskKind.BOTH)
    overlap = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Annotators per claim."
    )
    blind = models.BooleanField(default=True, help_text="Annotators never see each other's work.")
    auto_accept_unanimous = models.BooleanField(default=True)
    suggest_on_import = models.BooleanField(default=False)
    # Which spans are suggested: the engine's score they need, and at most this many per 10,000
    # characters, best first (annotations/suggest/budget.py; None: no cap).
    suggest_threshold = models.FloatField(
        null=True, blank=True, default=None, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Score a sentence needs to be suggested (0 to 1; empty: the default for its language).",
    )
    suggest_per_10k = models.PositiveSmallIntegerField(
        null=True, blank=True, default=25, validators=[MinValueValidator(1)],
        help_text="At most this many suggestions per 10,000 characters of an article (empty: no cap).",
    )
    show_annotator_names = models.BooleanField(
        default=False, help_text="Releases name annotators instead of stable pseudonyms."
    )
    # Secret per project, so annotators' pseudonyms are stable across releases yet cannot be
    # reversed by hashing user ids, and differ between projects.
    pseudonym_salt = models.CharField(max_length=32, default=new_pseudonym_salt, editable=False)
    organisation = models.CharField(max_length=200, blank=True)
    licence = models.CharField(max_length=100, default="CC-BY-4.0")
    # Where the project's fact checks are published: ClaimReview records link there, never to
    # the (login-protected) workbench. A claim's page is this address followed by its id, or the
    # address with {claim_id} where the id goes.
    public_base_url = models.URLField(
        max_length=500, blank=True,
        help_text="Public address of the published fact checks, e.g. https://factcheck.example.org/checks/ "
        "(a claim's page: this address and its id, or put {claim_id} where the id goes).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(overlap__gte=1), name="project_overlap_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ANNOTATOR = "annotator", _("Annotator")
    REVIEWER = "reviewer", _("Reviewer")
    MANAGER = "manager", _("Manager")
    RESEARCHER = "researcher", _("Researcher")


class Membership(models.Model):
    """A user's role in a project; a user may hold several roles in one project."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project", "role"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "project"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.project}"
