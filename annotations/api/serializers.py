"""Serializers: the shapes of the API's requests and responses, and nothing else.

Reads are plain ModelSerializers over rows the selectors chose; writes are input-only
serializers whose validated data the views hand to a service. No serializer saves anything.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from ..access import AuthUser
from ..models import (
    OPPOSITE_ANSWERS,
    QUESTION_MAX_CHARS,
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Answer,
    Article,
    CandidateStatus,
    CheckQuestion,
    QuestionAnswer,
    RelationCandidate,
    Claim,
    ClaimKind,
    ClaimRelation,
    ClaimStatus,
    DatasetRelease,
    Evidence,
    Job,
    Membership,
    Outlet,
    Project,
    RelationKind,
    ReleaseFile,
    Role,
    Stance,
    SuggestionModel,
    TaskKind,
    Verdict,
    VerdictScheme,
)
from ..pseudonyms import pseudonym
from ..selectors.releases import RELEASE_FORMATS
from ..services.imports import SPANS_AS, format_for_upload, import_upload_validator

MAX_INT = 2**31 - 1  # PostgreSQL integer: bigger values are refused here, not by the database
MAX_ID = 2**63 - 1


def _no_nul(value: Any) -> Any:
    """Refuse NUL characters anywhere in a JSON value (PostgreSQL cannot store them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("NUL characters are not allowed.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key)
            _no_nul(item)
    elif isinstance(value, list):
        for item in value:
            _no_nul(item)
    return value


@extend_schema_field(OpenApiTypes.OBJECT)
class AnyObjectField(serializers.JSONField):
    """A JSON object whose keys depend on the data."""


class IdField(serializers.IntegerField):
    """The id of an object named in a request."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class VersionField(serializers.IntegerField):
    """The version an update was made against (or send it as If-Match)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_INT)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "The version you are changing, as last read; or send it in an If-Match header.",
        )
        super().__init__(**kwargs)


# --- projects and members -----------------------------------------------------------------------


class VerdictSerializer(serializers.ModelSerializer):
    class Meta:
        model = Verdict
        fields = [
            "code", "name", "description", "hotkey", "colour", "order", "fever_label",
            "averitec_label", "claimreview_rating", "claimreview_name_en", "claimreview_name_fr",
        ]


class SchemeSerializer(serializers.ModelSerializer):
    verdicts = VerdictSerializer(many=True, read_only=True)

    class Meta:
        model = VerdictScheme
        fields = ["slug", "name", "description", "verdicts"]


PROJECT_EXAMPLE = {
    "id": 1, "slug": "anchorage-2025", "name": "Anchorage summit 2025",
    "description": "Five French articles on the Trump–Putin summit.", "language": "fr",
    "guidelines": "# Guidelines\n\nMark every checkable statement.",
    "scheme": {"slug": "default", "name": "Default", "description": "",
               "verdicts": [{"code": "supported", "name": "Supported", "description": "", "hotkey": "1",
                             "colour": "#2ca02c", "order": 0, "fever_label": "SUPPORTS",
                             "averitec_label": "Supported", "claimreview_rating": 5,
                             "claimreview_name_en": "True", "claimreview_name_fr": "Vrai"}]},
    "task_kind": "both", "overlap": 2, "blind": True, "auto_accept_unanimous": True,
    "suggest_on_import": False, "suggest_threshold": None, "suggest_per_10k": 25,
    "show_annotator_names": False, "organisation": "Newsroom",
    "licence": "CC-BY-4.0", "public_base_url": "https://factcheck.example.org/checks/",
    "created_at": "2025-08-20T09:00:00Z", "my_roles": ["manager"],
}


@extend_schema_serializer(examples=[OpenApiExample("A project", value=PROJECT_EXAMPLE, response_only=True)])
class ProjectSerializer(serializers.ModelSerializer):
    scheme = SchemeSerializer(read_only=True)
    my_roles = serializers.SerializerMethodField(help_text="Your roles in this project.")

    class Meta:
        model = Project
        fields = [
            "id", "slug", "name", "description", "language", "guidelines", "scheme", "task_kind",
            "overlap", "blind", "auto_accept_unanimous", "suggest_on_import", "suggest_threshold",
            "suggest_per_10k", "show_annotator_names", "organisation", "licence", "public_base_url", "created_at",
            "my_roles",
        ]
        read_only_fields = fields

    def get_my_roles(self, project: Project) -> list[str]:
        return sorted(self.context["roles"].get(project.pk, ()))


@extend_schema_serializer(examples=[OpenApiExample(
    "Create a project", request_only=True,
    value={"name": "Anchorage summit 2025", "slug": "anchorage-2025", "language": "fr",
           "overlap": 2, "blind": True},
)])
class ProjectCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=80)
    language = serializers.CharField(max_length=12, required=False, default="fr")
    scheme = serializers.SlugField(
        max_length=80, required=False, help_text="Verdict scheme slug (default: the default scheme)."
    )
    overlap = serializers.IntegerField(min_value=1, max_value=100, required=False, default=2)
    blind = serializers.BooleanField(required=False, default=True)
    auto_accept_unanimous = serializers.BooleanField(required=False, default=True)
    guidelines = serializers.CharField(required=False, allow_blank=True, default="", max_length=200_000)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


@extend_schema_serializer(examples=[OpenApiExample(
    "Change settings", request_only=True, value={"overlap": 3, "guidelines": "# Updated"},
)])
class ProjectUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    language = serializers.CharField(max_length=12, required=False)
    guidelines = serializers.CharField(max_length=200_000, required=False, allow_blank=True)
    scheme = serializers.SlugField(max_length=80, required=False, help_text="Verdict scheme slug.")
    task_kind = serializers.ChoiceField(choices=TaskKind.choices, required=False)
    overlap = serializers.IntegerField(min_value=1, max_value=100, required=False)
    blind = serializers.BooleanField(required=False)
    auto_accept_unanimous = serializers.BooleanField(required=False)
    suggest_on_import = serializers.BooleanField(required=False)
    suggest_threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, allow_null=True,
        help_text="Score a sentence needs to be suggested (null: the default for the article's language).",
    )
    suggest_per_10k = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True,
        help_text="At most this many suggestions per 10,000 characters, best first (null: no cap).",
    )
    show_annotator_names = serializers.BooleanField(required=False)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    licence = serializers.CharField(max_length=100, required=False, allow_blank=True)
    public_base_url = serializers.URLField(
        max_length=500, required=False, allow_blank=True,
        help_text="Public address of the published fact checks: a claim's page is this address and its id "
        "(or {claim_id} where the id goes). ClaimReview files need it.",
    )


@extend_schema_serializer(examples=[OpenApiExample(
    "A member", response_only=True,
    value={"id": 7, "project": "anchorage-2025", "user": 3, "username": "alice",
           "role": "annotator", "created_at": "2025-08-20T09:00:00Z"},
)])
class MembershipSerializer(serializers.ModelSerializer):
    """A member; researchers see annotators as pseudonyms unless the project shows names."""

    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    user = serializers.SerializerMethodField(help_text="User id (null when pseudonymised).")
    username = serializers.SerializerMethodField(help_text="Username, or a stable pseudonym.")

    class Meta:
        model = Membership
        fields = ["id", "project", "user", "username", "role", "created_at"]
        read_only_fields = fields

    def _hidden(self, membership: Membership) -> bool:
        """Whether the reader is only a researcher here and the member an annotator."""
        if self.context.get("is_admin"):
            return False
        roles = self.context["roles"].get(membership.project_id, frozenset())
        return (
            membership.role == Role.ANNOTATOR
            and roles <= {Role.RESEARCHER}
            and not membership.project.show_annotator_names
        )

    def get_user(self, membership: Membership) -> int | None:
        return None if self._hidden(membership) else membership.user_id

    def get_username(self, membership: Membership) -> str:
        if self._hidden(membership):
            return pseudonym(membership.project.pseudonym_salt, membership.user_id)
        return membership.user.get_username()


@extend_schema_serializer(examples=[OpenApiExample(
    "Add a member", request_only=True,
    value={"project": "anchorage-2025", "username": "alice", "role": "annotator"},
)])
class MembershipCreateSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


# --- articles -----------------------------------------------------------------------------------

ARTICLE_EXAMPLE = {
    "id": 12, "project": "anchorage-2025", "outlet": "Le Monde", "external_id": "lm-2025-08-16",
    "title": "Sommet d'Anchorage : Lavrov et Vance", "author": "A. Dupont",
    "url": "https://example.org/anchorage", "published_on": "2025-08-16", "language": "fr",
    "created_at": "2025-08-20T09:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("An article", value=ARTICLE_EXAMPLE, response_only=True)])
class ArticleSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    outlet: serializers.SlugRelatedField[Outlet] = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Article
        fields = [
            "id", "project", "outlet", "external_id", "title", "author", "url", "published_on",
            "language", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "An article with its text", response_only=True,
    value={**ARTICLE_EXAMPLE, "body": "Le ministre russe des Affaires étrangères…",
           "body_hash": "9f2c…", "metadata": {"section": "International"}},
)])
class ArticleDetailSerializer(ArticleSerializer):
    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "body", "body_hash", "metadata"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Add an article", request_only=True,
    value={"project": "anchorage-2025", "title": "Sommet d'Anchorage",
           "body": "Le sommet a eu lieu le 15 août 2025 à Anchorage.", "language": "fr",
           "published_on": "2025-08-16", "url": "https://example.org/anchorage"},
)])
class ArticleWriteSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80, help_text="Project slug (when creating).")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    author = serializers.CharField(max_length=300, required=False, allow_blank=True)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    language = serializers.CharField(max_length=12, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(max_length=settings.ARTICLE_BODY_MAX_CHARS, trim_whitespace=False)
    metadata = serializers.JSONField(required=False, validators=[_no_nul])

    def validate_metadata(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("A JSON object is expected.")
        return value


class ArticleUpdateSerializer(ArticleWriteSerializer):
    project = None  # type: ignore[assignment]  # DRF drops a field set to None: an article stays in its project
    body = serializers.CharField(
        max_length=settings.ARTICLE_BODY_MAX_CHARS, trim_whitespace=False, required=False
    )


@extend_schema_serializer(examples=[OpenApiExample(
    "Import a file", request_only=True, media_type="multipart/form-data",
    value={"project": "anchorage-2025", "file": "articles.jsonl", "format": "jsonl"},
), OpenApiExample(
    "Import a French Excel CSV", request_only=True, media_type="multipart/form-data",
    value={"project": "anchorage-2025", "file": "articles.csv", "separator": ";", "encoding": "windows-1252"},
)])
class ArticleImportSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    file = serializers.FileField(
        help_text=(
            "JSONL, CSV, a .txt or .html article, a .zip of any of these, a doccano JSONL "
            "export (format doccano), a Label Studio JSON/JSON_MIN export (.json), a list of "
            "URLs (format urls), a Workbench release's zip (its claims and articles files, found by "
            "content; claims become claims, verdicts are kept in the article's metadata), "
            "or a fact-check feed (ClaimReview JSON-LD, .json or .jsonld: a "
            "DataFeed, a list, one ClaimReview, or Google Fact Check Tools' claims:search "
            "response), which becomes the project's reference fact checks. A file whose first "
            "bytes show it cannot be imported is refused at once (400 naming file, line and field)."
        ),
        validators=[import_upload_validator],
    )
    format = serializers.ChoiceField(
        choices=["jsonl", "csv", "txt", "zip", "doccano", "labelstudio", "html", "urls", "claimreview", "release"],
        required=False,
        help_text=(
            "Defaults to the file name's extension (.html: html, .jsonld: claimreview) and, for "
            ".json, to its content (claimreview or labelstudio), for .zip and .jsonl to whether "
            "they hold a Workbench release (release); urls: a text file of URLs, one a line, "
            "fetched by the worker."
        ),
    )
    separator = serializers.CharField(
        required=False, max_length=20,
        help_text="The CSV's separator (a character, or comma, semicolon, tab), instead of sniffing it.",
    )
    encoding = serializers.CharField(
        required=False, max_length=40,
        help_text="The CSV's encoding (utf-8, windows-1252, latin-1...), instead of sniffing it.",
    )
    spans_as = serializers.ChoiceField(
        choices=list(SPANS_AS), required=False,
        help_text=(
            "What the spans of a doccano or Label Studio export, or a release's claims, become: candidate claims to "
            "accept or reject (suggestions, the default) or accepted claims."
        ),
    )
    day_first = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text=(
            "Dates are DD/MM/YYYY (25/09/2025). Default: yes when the project's language is French."
        ),
    )

    def validate(self, data: dict) -> dict:
        if not data.get("format"):
            try:
                data["format"] = format_for_upload(data["file"])
            except ValueError as exc:
                raise serializers.ValidationError({"file": [str(exc)]}) from None
        return data


# --- claims -------------------------------------------------------------------------------------

ASSERTED_HELP = (
    "True when the article itself asserts the claim (its own voice, no quoted source): the speaker is then the article's author, else its outlet."
)

CLAIM_EXAMPLE = {
    "id": 41, "article": 12, "start": 57, "end": 131,
    "quote": "Sergueï Lavrov, a déclaré que la position de la Russie restait inchangée.",
    "statement": "Russia's position is unchanged.", "speaker": "Sergueï Lavrov",
    "asserted_by_article": False,
    "statement_date": "2025-08-16", "kind": "attributed_statement", "origin": "suggested",
    "status": "accepted", "score": 0.87, "engine_version": "rules-fr-en-1.0", "version": 2,
    "created_at": "2025-08-20T09:00:00Z", "updated_at": "2025-08-20T09:05:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("A claim", value=CLAIM_EXAMPLE, response_only=True)])
class ClaimSerializer(serializers.ModelSerializer):
    article: serializers.PrimaryKeyRelatedField[Article] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "article", "start", "end", "quote", "statement", "speaker",
            "asserted_by_article", "statement_date", "kind", "origin", "status", "score",
            "engine_version", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"asserted_by_article": {"help_text": ASSERTED_HELP}}


class SimilarClaimSerializer(serializers.Serializer):
    claim = serializers.IntegerField(source="claim_id")
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField()
    quote = serializers.CharField()
    similarity = serializers.FloatField(help_text="Cosine of the two quotes' sentence embeddings.")


class SuggestionReasonsSerializer(serializers.Serializer):
    cues = serializers.ListField(child=serializers.CharField(), help_text="The engine's strongest cues.")
    similar = SimilarClaimSerializer(
        many=True, help_text="Up to two accepted claims of other articles of the project that read like it."
    )


@extend_schema_serializer(examples=[OpenApiExample("A suggested claim", response_only=True, value={
    **CLAIM_EXAMPLE, "status": "candidate",
    "reasons": {"cues": ["reported speech", "a stated position"], "similar": [
        {"claim": 58, "article": 14, "article_title": "Lavrov : rien n'a changé",
         "quote": "Lavrov a souligné que la position russe restait inchangée.", "similarity": 0.774}]},
})])
class ClaimDetailSerializer(ClaimSerializer):
    """A claim read alone: with, for a suggestion, why it was suggested."""

    reasons = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "reasons"]
        read_only_fields = fields

    @extend_schema_field(SuggestionReasonsSerializer(allow_null=True))
    def get_reasons(self, claim: Claim) -> dict | None:
        """The reasons the view put in the context (None: not a suggestion)."""
        reasons = self.context.get("reasons")
        return None if reasons is None else SuggestionReasonsSerializer(reasons).data


@extend_schema_serializer(examples=[OpenApiExample(
    "Mark a claim", request_only=True,
    value={"article": 12, "start": 57, "end": 131, "speaker": "Sergueï Lavrov",
           "statement": "Russia's position is unchanged."},
)])
class ClaimCreateSerializer(serializers.Serializer):
    article = IdField()
    start = serializers.IntegerField(min_value=0, max_value=MAX_INT, help_text="Code-point offset.")
    end = serializers.IntegerField(min_value=1, max_value=MAX_INT, help_text="Code-point offset.")
    quote = serializers.CharField(
        required=False, trim_whitespace=False, max_length=1_000_000,
        help_text="If given, must equal the article's text between start and end.",
    )
    statement = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    speaker = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    asserted_by_article = serializers.BooleanField(required=False, default=False, help_text=ASSERTED_HELP)
    statement_date = serializers.DateField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=ClaimKind.choices, required=False, allow_blank=True, default="")


@extend_schema_serializer(examples=[OpenApiExample(
    "Edit a claim", request_only=True,
    value={"statement": "Russia's position is unchanged.", "speaker": "Lavrov", "version": 2},
)])
class ClaimUpdateSerializer(serializers.Serializer):
    statement = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    speaker = serializers.CharField(required=False, allow_blank=True, max_length=300)
    asserted_by_article = serializers.BooleanField(required=False, help_text=ASSERTED_HELP)
    statement_date = serializers.DateField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ClaimKind.choices, required=False, allow_blank=True)
    start = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False,
                                     help_text="Reviewers and managers only.")
    end = serializers.IntegerField(min_value=1, max_value=MAX_INT, required=False,
                                   help_text="Reviewers and managers only.")
    version = VersionField()


@extend_schema_serializer(examples=[OpenApiExample(
    "Accept a suggestion", request_only=True, value={"status": "accepted", "version": 1},
)])
class ClaimDecideSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[ClaimStatus.ACCEPTED, ClaimStatus.REJECTED])
    version = VersionField()


@extend_schema_serializer(examples=[OpenApiExample(
    "A relation", response_only=True,
    value={"id": 3, "source": 41, "target": 58, "kind": "contradicts", "note": "Lavrov vs Vance",
           "created_at": "2025-08-20T09:00:00Z"},
)])
class RelationSerializer(serializers.ModelSerializer):
    # Not Field.source, which the stubs see here: DRF takes declared fields off the class.
    source: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        read_only=True
    )
    target: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ClaimRelation
        fields = ["id", "source", "target", "kind", "note", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Link two claims", request_only=True,
    value={"source": 41, "target": 58, "kind": "contradicts", "note": "Lavrov vs Vance"},
)])
class RelationCreateSerializer(serializers.Serializer):
    # Not Field.source, which the stubs see here: DRF takes declared fields off the class.
    source = IdField()  # type: ignore[assignment]
    target = IdField()
    kind = serializers.ChoiceField(choices=RelationKind.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


# --- annotations, evidence, adjudications ------------------------------------------------------


class VerdictCodeField(serializers.SlugRelatedField):
    """A verdict by its code (the project's scheme is checked by the view)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", read_only=True, **kwargs)


ANNOTATION_EXAMPLE = {
    "id": 90, "claim": 41, "annotator": "alice", "verdict": "refuted", "confidence": 4,
    "rationale": "Contradicted by the joint statement.", "time_spent_seconds": 95, "version": 3,
    "created_at": "2025-08-20T09:00:00Z", "updated_at": "2025-08-20T09:12:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("An annotation", value=ANNOTATION_EXAMPLE, response_only=True)])
class AnnotationSerializer(serializers.ModelSerializer):
    annotator: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    verdict = VerdictCodeField(allow_null=True)
    claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Annotation
        fields = [
            "id", "claim", "annotator", "verdict", "confidence", "rationale",
            "time_spent_seconds", "version", "created_at", "updated_at",
        ]
        read_only_fields = fields


class AnnotationFieldsSerializer(serializers.Serializer):
    verdict = serializers.CharField(
        max_length=40, allow_null=True, required=False, default=None,
        help_text="Verdict code of the project's scheme (null: not decided yet).",
    )
    confidence = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, required=False,
                                          default=None)
    rationale = serializers.CharField(allow_blank=True, required=False, default="", max_length=50_000)
    time_spent_seconds = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False,
                                                  default=0)


@extend_schema_serializer(examples=[OpenApiExample(
    "Give a verdict", request_only=True,
    value={"claim": 41, "verdict": "refuted", "confidence": 4,
           "rationale": "Contradicted by the joint statement.", "time_spent_seconds": 95},
)])
class AnnotationCreateSerializer(AnnotationFieldsSerializer):
    claim = IdField()


@extend_schema_serializer(examples=[OpenApiExample(
    "Change a verdict", request_only=True,
    value={"verdict": "misleading", "confidence": 3, "rationale": "Partly true.", "version": 3},
)])
class AnnotationUpdateSerializer(AnnotationFieldsSerializer):
    version = VersionField()


EVIDENCE_EXAMPLE = {
    "id": 5, "claim": 41, "added_by": "alice", "url": "https://example.org/statement",
    "title": "Joint statement", "publisher": "Kremlin", "published_on": "2025-08-16",
    "passage": "…", "question": "Did Russia's position change after Anchorage?", "stance": "refutes",
    "linked_claim": None, "linked_article": None,
    "created_at": "2025-08-20T09:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("Evidence", value=EVIDENCE_EXAMPLE, response_only=True)])
class EvidenceSerializer(serializers.ModelSerializer):
    added_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(read_only=True)
    linked_claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(read_only=True)
    linked_article: serializers.PrimaryKeyRelatedField[Article] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id", "claim", "added_by", "url", "title", "publisher", "published_on", "passage",
            "question", "stance", "linked_claim", "linked_article", "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Cite a web page", request_only=True,
    value={"claim": 41, "stance": "refutes", "url": "https://example.org/statement",
           "title": "Joint statement", "publisher": "Kremlin", "published_on": "2025-08-16"},
)])
class EvidenceCreateSerializer(serializers.Serializer):
    claim = IdField()
    stance = serializers.ChoiceField(choices=Stance.choices)
    url = serializers.URLField(max_length=2000, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    passage = serializers.CharField(max_length=50_000, required=False, allow_blank=True, default="")
    question = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="",
        help_text="The question this source answers; AVeriTeC releases export it as question/answer.",
    )
    linked_claim = IdField(required=False, allow_null=True, default=None)
    linked_article = IdField(required=False, allow_null=True, default=None)


ADJUDICATION_EXAMPLE = {
    "id": 8, "claim": 41, "verdict": "refuted", "method": "adjudicated", "adjudicator": "rita",
    "agrees_with": ["alice"], "gold_evidence": [5], "notes": "Bob missed the statement.",
    "decided_at": "2025-08-21T10:00:00Z", "version": 1,
}


@extend_schema_serializer(examples=[OpenApiExample("An adjudication", value=ADJUDICATION_EXAMPLE, response_only=True)])
class AdjudicationSerializer(serializers.ModelSerializer):
    claim: serializers.PrimaryKeyRelatedField[Claim] = serializers.PrimaryKeyRelatedField(read_only=True)
    verdict = VerdictCodeField()
    adjudicator: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    # With many=True these are ManyRelatedFields, which the stubs type as the field they wrap.
    agrees_with: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    gold_evidence: serializers.PrimaryKeyRelatedField[Evidence] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Adjudication
        fields = [
            "id", "claim", "verdict", "method", "adjudicator", "agrees_with", "gold_evidence",
            "notes", "decided_at", "version",
        ]
        read_only_fields = fields


class AdjudicationFieldsSerializer(serializers.Serializer):
    verdict = serializers.CharField(max_length=40, help_text="Verdict code of the project's scheme.")
    method = serializers.ChoiceField(
        choices=[AdjudicationMethod.ADJUDICATED, AdjudicationMethod.MAJORITY],
        required=False, default=AdjudicationMethod.ADJUDICATED,
    )
    notes = serializers.CharField(max_length=50_000, required=False, allow_blank=True, default="")
    gold_evidence = serializers.ListField(
        child=IdField(), required=False, default=list, max_length=200,
        help_text="Ids of this claim's evidence chosen as gold.",
    )


@extend_schema_serializer(examples=[OpenApiExample(
    "Adjudicate", request_only=True,
    value={"claim": 41, "verdict": "refuted", "notes": "Bob missed the statement.", "gold_evidence": [5]},
)])
class AdjudicationCreateSerializer(AdjudicationFieldsSerializer):
    claim = IdField()


@extend_schema_serializer(examples=[OpenApiExample(
    "Change the final verdict", request_only=True,
    value={"verdict": "misleading", "notes": "On second reading.", "gold_evidence": [5],
           "reason": "The joint statement was misquoted.", "version": 1},
)])
class AdjudicationUpdateSerializer(AdjudicationFieldsSerializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Why the decision changes; required to override an automatic (unanimous) one.",
    )
    version = VersionField()


# --- jobs ---------------------------------------------------------------------------------------

JOB_EXAMPLE = {
    "id": 17, "project": "anchorage-2025", "kind": "import", "status": "running",
    "phase": "importing", "progress_done": 2000, "progress_total": 5000, "percent": 40,
    "params": {"format": "jsonl"}, "result": {}, "error": "", "created_by": "max",
    "created_at": "2025-08-20T09:00:00Z", "started_at": "2025-08-20T09:00:01Z",
    "finished_at": None, "attempts": 1, "heartbeat_at": "2025-08-20T09:00:41Z",
    "cancel_requested": False,
}


@extend_schema_serializer(examples=[OpenApiExample(
    "A job", value=JOB_EXAMPLE, response_only=True, status_codes=["200", "202"],
)])
class JobSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    percent = serializers.IntegerField(read_only=True)
    params = serializers.JSONField(read_only=True)
    result = serializers.JSONField(read_only=True)
    cancel_requested = serializers.SerializerMethodField(
        help_text="A manager asked to cancel this job; a running one stops at its next step "
        "(undoing its partial work) and ends `cancelled`.",
    )

    class Meta:
        model = Job
        fields = [
            "id", "project", "kind", "status", "phase", "progress_done", "progress_total",
            "percent", "params", "result", "error", "created_by", "created_at", "started_at",
            "finished_at", "attempts", "heartbeat_at", "cancel_requested",
        ]
        extra_kwargs = {
            "attempts": {"help_text": "How many runs took the job (more than 1: a worker was lost)."},
            "heartbeat_at": {"help_text": "The running job's last sign of life (null when not running)."},
        }
        read_only_fields = fields

    def get_cancel_requested(self, job: Job) -> bool:
        return job.cancel_requested_at is not None


@extend_schema_serializer(examples=[OpenApiExample(
    "Suggest claims in two articles", request_only=True,
    value={"project": "anchorage-2025", "article_ids": [12, 13]},
)])
class SuggestJobSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    article_ids = serializers.ListField(
        child=IdField(), required=False, allow_null=True, default=None, max_length=10_000,
        help_text="Articles to suggest claims in (omit or null: every article of the project).",
    )
    threshold = serializers.FloatField(
        min_value=0.0, max_value=1.0, required=False, default=None, allow_null=True,
        help_text="This job's suggestion threshold (omit: the project's).",
    )
    per_10k = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, default=None, allow_null=True,
        help_text="This job's budget: at most this many suggestions per 10,000 characters (omit: the project's).",
    )
    no_cap = serializers.BooleanField(
        required=False, default=False, help_text="This job suggests every span over the threshold, uncapped.",
    )


@extend_schema_serializer(examples=[OpenApiExample(
    "Retrain the model", request_only=True, value={"project": "anchorage-2025"},
)])
class ProjectRefSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)


# --- releases -----------------------------------------------------------------------------------

RELEASE_FILE_EXAMPLE = {
    "id": 31, "format": "jsonl", "name": "anchorage-2025-v1.0.jsonl", "size": 183422,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "download_url": "https://workbench.example.org/api/v1/release-files/31/download/",
}
RELEASE_EXAMPLE = {
    "id": 4, "project": "anchorage-2025", "version": "v1.0", "filters": {"min_agreement": 0.5},
    "counts": {"claims": 212}, "agreement": {"alpha": 0.71}, "created_by": "max",
    "created_at": "2025-09-01T12:00:00Z", "job": 40, "files": [RELEASE_FILE_EXAMPLE],
}


class ReleaseFileSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField(help_text="The file's name in the release.")
    download_url = serializers.SerializerMethodField(help_text="Streams the file (GET).")

    class Meta:
        model = ReleaseFile
        fields = ["id", "format", "name", "size", "sha256", "download_url"]
        read_only_fields = fields

    def get_name(self, item: ReleaseFile) -> str:
        return (item.file.name or "").rsplit("/", 1)[-1]

    def get_download_url(self, item: ReleaseFile) -> str:
        path = reverse("api:release-file-download", args=[item.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema_serializer(examples=[OpenApiExample("A release", value=RELEASE_EXAMPLE, response_only=True)])
class ReleaseSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField[Project] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    job: serializers.PrimaryKeyRelatedField[Job] = serializers.PrimaryKeyRelatedField(read_only=True)
    files = ReleaseFileSerializer(many=True, read_only=True)
    filters = AnyObjectField(read_only=True)
    counts = AnyObjectField(read_only=True)
    agreement = AnyObjectField(read_only=True)

    class Meta:
        model = DatasetRelease
        fields = ["id", "project", "version", "filters", "counts", "agreement", "created_by",
                  "created_at", "job", "files"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "A release with its dataset card", response_only=True,
    value={**RELEASE_EXAMPLE, "card": "# anchorage-2025 v1.0\n\n212 adjudicated claims…"},
)])
class ReleaseDetailSerializer(ReleaseSerializer):
    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "card"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Release the adjudicated claims", request_only=True,
    value={"project": "anchorage-2025", "version": "v1.0", "formats": ["jsonl", "csv", "fever"],
           "filters": {"min_agreement": 0.5, "since": "2025-08-01"}},
)])
class ReleaseCreateSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    version = serializers.CharField(max_length=40, help_text="e.g. v1.0: letters, digits, . _ -")
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=list(RELEASE_FORMATS)), required=False,
        allow_null=True, default=None, max_length=len(RELEASE_FORMATS),
        help_text="Omit for every format the project can make (ClaimReview needs the project's "
        "public_base_url; asking for it without one is refused). jsonl and parquet bring the "
        "articles, relations and pairs tables.",
    )
    filters = AnyObjectField(
        required=False, default=dict, validators=[_no_nul],
        help_text="include_unadjudicated (bool), min_agreement (0..1), verdicts (codes), "
        "since / until (YYYY-MM-DD). Default: adjudicated claims only.",
    )

    def validate_filters(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise serializers.ValidationError("A JSON object is expected.")
        return value


# --- auth ---------------------------------------------------------------------------------------


@extend_schema_serializer(examples=[OpenApiExample(
    "Log in", request_only=True, value={"username": "rhea", "password": "…"},
)])
class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


@extend_schema_serializer(examples=[OpenApiExample(
    "A token", response_only=True,
    value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b0d2a1c7e", "created": "2025-08-20T09:00:00Z"},
)])
class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Token <token>`. Shown once: only its hash is kept."
    )
    created = serializers.DateTimeField(read_only=True)


class StaleSerializer(serializers.Serializer):
    """The body of a 409/412: the version is stale and nothing was changed."""

    detail = serializers.CharField()
    code = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)
    current = serializers.DictField(allow_null=True, help_text="The object as it is now.")


# --- agreement ----------------------------------------------------------------------------------


class AgreementQuerySerializer(serializers.Serializer):
    fresh = serializers.BooleanField(required=False, default=False)


class AgreementSerializer(serializers.Serializer):
    """The agreement report (see annotations.selectors.agreement); figures carry intervals."""

    project = serializers.CharField()
    available = serializers.BooleanField(help_text="False while a big project has no finished job.")
    annotators = serializers.ChoiceField(choices=["usernames", "pseudonyms"], required=False)
    level = serializers.CharField(required=False)
    n_boot = serializers.IntegerField(required=False)
    seed = serializers.IntegerField(required=False)
    ci_level = serializers.FloatField(required=False)
    n_annotations = serializers.IntegerField(required=False)
    labels = serializers.ListField(child=AnyObjectField(), required=False)
    overall = AnyObjectField(required=False)
    per_verdict = serializers.ListField(child=AnyObjectField(), required=False)
    per_pair = serializers.ListField(child=AnyObjectField(), required=False)
    coincidence = AnyObjectField(required=False)
    spans = AnyObjectField(required=False, allow_null=True)
    # Not Field.source, which the stubs see here: DRF takes declared fields off the class.
    source = AnyObjectField(help_text="inline, job (with its id and time) or none.")  # type: ignore[assignment]
    big = serializers.BooleanField()
    inline_limit = serializers.IntegerField()
    n_annotations_now = serializers.IntegerField()


class SuggestionModelSerializer(serializers.ModelSerializer):
    """One fitted version of the project's suggestion model and its cross-validated figures."""

    class Meta:
        model = SuggestionModel
        fields = [
            "version", "is_current", "engine_version", "n_examples", "n_positive", "cv_precision",
            "cv_recall", "cv_folds", "cv_ap_engine", "cv_ap_model", "job", "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "cv_ap_engine": {"help_text": "Out-of-fold average precision of the engine alone."},
            "cv_ap_model": {"help_text": "…and of the model: above cv_ap_engine, it ranks better."},
        }


class CueWeightSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = serializers.FloatField(help_text="The model's change to the engine's weight for this cue.")


class SuggestionOverviewSerializer(serializers.Serializer):
    """The current model, its strongest cue corrections, its history and the suggestion counts."""

    current = SuggestionModelSerializer(allow_null=True)
    in_use = serializers.BooleanField(
        source="current_usable", help_text="False when the model was fitted on an older engine.",
    )
    text_features = serializers.IntegerField(help_text="Character n-grams the model knows.")
    cues = CueWeightSerializer(many=True)
    models = SuggestionModelSerializer(many=True, help_text="The last 20 versions, newest first.")
    candidates = serializers.IntegerField(help_text="Suggestions waiting for a decision.")
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()


# --- the claim graph: questions, answers, proposed relations ------------------------------------

QUESTION_EXAMPLE = {
    "id": 7, "project": "anchorage-summit",
    "text": "La Russie a-t-elle fait des concessions à Trump lors du sommet d'Anchorage ?",
    "text_en": "Did Russia make concessions to Trump at the Anchorage summit?",
    "created_by": "alice", "answers": {"yes": [41], "no": [58], "partly": [], "unclear": []},
    "contradictions": [[41, 58]], "version": 1,
    "created_at": "2025-10-22T09:00:00Z", "updated_at": "2025-10-22T09:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("A check question", value=QUESTION_EXAMPLE, response_only=True)])
class QuestionSerializer(serializers.ModelSerializer):
    project: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    answers = serializers.SerializerMethodField(help_text="Claim ids by answer.")
    contradictions = serializers.SerializerMethodField(
        help_text="Pairs of claims (of different articles) answering yes and no."
    )

    class Meta:
        model = CheckQuestion
        fields = ["id", "project", "text", "text_en", "created_by", "answers", "contradictions",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields

    def _rows(self, obj: CheckQuestion) -> list[tuple[int, str, int]]:
        cache = getattr(obj, "_answer_rows", None)
        if cache is None:
            # The view prefetches answers with their claims: no query per question in a list.
            cache = [(a.claim_id, a.answer, a.claim.article_id) for a in obj.answers.all()]
            obj._answer_rows = cache  # type: ignore[attr-defined]
        return cache

    def get_answers(self, obj: CheckQuestion) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {value: [] for value in Answer.values}
        for claim_id, answer, _ in self._rows(obj):
            out[answer].append(claim_id)
        return out

    def get_contradictions(self, obj: CheckQuestion) -> list[list[int]]:
        rows = self._rows(obj)
        return [
            sorted([a, b]) for i, (a, x, art_a) in enumerate(rows) for (b, y, art_b) in rows[i + 1:]
            if (x, y) in OPPOSITE_ANSWERS and art_a != art_b
        ]


@extend_schema_serializer(examples=[OpenApiExample(
    "Ask a question on a claim", request_only=True,
    value={"project": "anchorage-summit", "text": "La Russie a-t-elle fait des concessions ?",
           "text_en": "Did Russia make concessions?", "claim": 41, "answer": "yes"},
)])
class QuestionCreateSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    text = serializers.CharField(max_length=QUESTION_MAX_CHARS)
    text_en = serializers.CharField(max_length=QUESTION_MAX_CHARS, required=False, allow_blank=True, default="")
    claim = IdField(required=False, allow_null=True, default=None, help_text="A claim that answers it.")
    answer = serializers.ChoiceField(choices=Answer.choices, required=False, default=Answer.UNCLEAR)


@extend_schema_serializer(examples=[OpenApiExample(
    "Reword", request_only=True, value={"text": "La Russie a-t-elle fait des concessions ?", "version": 1},
)])
class QuestionUpdateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=QUESTION_MAX_CHARS, required=False)
    text_en = serializers.CharField(max_length=QUESTION_MAX_CHARS, required=False, allow_blank=True)
    version = IdField(required=False)


@extend_schema_serializer(examples=[OpenApiExample("An answer", response_only=True, value={
    "id": 30, "question": 7, "claim": 58, "answer": "no", "answered_by": "bob", "version": 1,
    "created_at": "2025-10-22T09:05:00Z", "updated_at": "2025-10-22T09:05:00Z",
})])
class QuestionAnswerSerializer(serializers.ModelSerializer):
    answered_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = QuestionAnswer
        fields = ["id", "question", "claim", "answer", "answered_by", "version", "created_at", "updated_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Lavrov's statement answers no", request_only=True, value={"question": 7, "claim": 58, "answer": "no"},
)])
class QuestionAnswerCreateSerializer(serializers.Serializer):
    question = IdField()
    claim = IdField()
    answer = serializers.ChoiceField(choices=Answer.choices)


class CandidateSideSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    claim = serializers.IntegerField(allow_null=True, help_text="The claim at this span (null: none yet).")


@extend_schema_field(CandidateSideSerializer)
class CandidateSideField(serializers.Field):
    """One side of a proposed relation: its article, span, quote and claim (if any)."""

    def __init__(self, side: str, **kwargs: Any) -> None:
        self.side = side
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj: RelationCandidate) -> dict:
        article = getattr(obj, f"{self.side}_article")
        start, end = getattr(obj, f"{self.side}_start"), getattr(obj, f"{self.side}_end")
        return {
            "article": article.pk, "start": start, "end": end, "quote": article.body[start:end],
            "claim": getattr(obj, f"{self.side}_claim_id"),
        }


CANDIDATE_EXAMPLE = {
    "id": 12, "kind": "contradicts",
    "a": {"article": 3, "start": 412, "end": 598, "claim": 41,
          "quote": "le vice-président américain JD Vance vient de révéler que la Russie a fait d'importantes concessions"},
    "b": {"article": 4, "start": 1020, "end": 1190, "claim": None,
          "quote": "Lavrov a souligné que la position de la Russie [...] restait totalement inchangée."},
    "score": 0.82, "reasons": ["opposite polarity: 'concessions' vs 'inchangée'", "same entities: Russie"],
    "origin": "engine", "question": None, "status": "pending", "decided_by": None, "decided_at": None,
    "relation": None, "version": 1, "created_at": "2025-10-22T09:00:00Z",
}


@extend_schema_serializer(examples=[OpenApiExample("A proposed contradiction", value=CANDIDATE_EXAMPLE, response_only=True)])
class RelationCandidateSerializer(serializers.ModelSerializer):
    a = CandidateSideField("a")
    b = CandidateSideField("b")
    decided_by: serializers.SlugRelatedField[AuthUser] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = RelationCandidate
        fields = ["id", "kind", "a", "b", "score", "reasons", "origin", "question", "status",
                  "decided_by", "decided_at", "relation", "version", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(examples=[OpenApiExample(
    "Accept a proposal", request_only=True, value={"status": "accepted", "version": 1},
)])
class CandidateDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[CandidateStatus.ACCEPTED, CandidateStatus.REJECTED])
    version = IdField(required=False)


@extend_schema_serializer(examples=[OpenApiExample("A related statement", response_only=True, value=[{
    "article": 4, "article_title": "Lavrov : la position de la Russie reste inchangée", "start": 1020, "end": 1190,
    "quote": "Lavrov a souligné que la position de la Russie [...] restait totalement inchangée.", "claim": None,
    "score": 0.82, "relation": "contradicts",
    "reasons": ["opposite polarity: 'concessions' vs 'inchangée'", "same entities: Russie"], "linked": [],
}])])
class RelatedSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="article_id")
    article_title = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    quote = serializers.CharField()
    claim = serializers.SerializerMethodField()
    score = serializers.FloatField()
    relation = serializers.CharField(help_text="The engine's guess: same, contradicts, supports or related.")
    reasons = serializers.ListField(child=serializers.CharField())
    linked = serializers.ListField(child=serializers.CharField(), help_text="Kinds of the links already made.")

    def get_claim(self, obj: Any) -> int | None:
        return obj.claim.pk if obj.claim is not None else None


@extend_schema_serializer(examples=[OpenApiExample(
    "Index and propose", request_only=True, value={"project": "anchorage-summit"},
)])
class RelationsJobSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=80)
    article_ids = serializers.ListField(
        child=IdField(), required=False, allow_null=True, default=None, max_length=100_000,
        help_text="Articles to index and propose from; none: every article changed since the last run.",
    )
