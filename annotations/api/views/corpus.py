"""Articles (with import), claims and the relations between claims."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ... import selectors
from ...access import Capability
from ...models import Article, Claim, ClaimRelation, Job
from ...selectors import article_page, visibility
from ...services import articles as article_services
from ...services import claim_batches
from ...services import claims as claim_services
from ...services import imports
from .. import serializers as s
from ..serializers_batches import ClaimBatchSerializer
from ..filters import ArticleFilter, ClaimFilter, RelationFilter
from .common import ApiViewSet, AuthenticatedRequest, requested_version, stale_as_conflict
from .docs import ERRORS, IF_MATCH, JOB_START_ERRORS, READ_ERRORS, VERSIONED_ERRORS, WRITE_ERRORS


def job_accepted(view: ApiViewSet, job: Job) -> Response:
    """202 with the queued job and where to watch it."""
    location = reverse("api:job-detail", args=[job.pk], request=view.request)
    return view.respond(s.JobSerializer, job, status.HTTP_202_ACCEPTED, {"Location": location})


@extend_schema_view(
    list=extend_schema(
        summary="List articles",
        description="Articles of your projects, without their text. Cursor-paginated.",
        responses={200: s.ArticleSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read an article", description="An article with its text. Any member.",
        responses={200: s.ArticleDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Add an article",
        description="Managers only. A text already in the project is refused (400, `body`).",
        request=s.ArticleWriteSerializer,
        responses={201: s.ArticleDetailSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit an article",
        description="Managers only. The text is frozen once a claim points into it.",
        request=s.ArticleUpdateSerializer,
        responses={200: s.ArticleDetailSerializer, **WRITE_ERRORS},
    ),
    import_file=extend_schema(
        summary="Import articles from a file",
        description=(
            "Managers only. Queues an import job (202, `Location` = the job); the whole file is "
            "checked first and a file with bad lines imports nothing (see the job's result). What "
            "its first bytes show cannot be imported (not a zip, not gzip, undecodable, no body "
            "column, bad JSON, a bad line) is refused at once: 400 naming file, line and field."
        ),
        request={"multipart/form-data": s.ArticleImportSerializer},
        responses={202: s.JobSerializer, **JOB_START_ERRORS},
    ),
)
class ArticleViewSet(ApiViewSet):
    queryset = Article.objects.none()
    serializer_class = s.ArticleSerializer
    filterset_class = ArticleFilter
    ordering_fields = ("id", "published_on", "created_at", "title")

    def get_queryset(self) -> QuerySet[Article]:
        # The project by a second query, not a join: joined, SQLite reads the project first and
        # sorts every article of it for page 1 (8 ms at 50,000) instead of walking (project, id).
        return (
            visibility.articles_listable(self.scope)
            .select_related("outlet")
            .prefetch_related("project")
            .defer("body", "metadata")
        )

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(s.ArticleDetailSerializer, selectors.article_get_for_user(request.user, int(pk)))

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ArticleWriteSerializer)
        project = selectors.project_get_for_user(request.user, slug=data.pop("project"))
        article = Article(project=project, created_by=request.user, **data)
        article = article_services.article_save(article=article, by=request.user)
        return self.respond(s.ArticleDetailSerializer, article, status.HTTP_201_CREATED)

    def partial_update(self, request: AuthenticatedRequest, pk: str) -> Response:
        article = selectors.article_get_for_user(request.user, int(pk))
        data = self.input(s.ArticleUpdateSerializer, partial=True)
        for name, value in data.items():
            setattr(article, name, value)
        article = article_services.article_save(article=article, by=request.user)
        return self.respond(s.ArticleDetailSerializer, article)

    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ArticleImportSerializer)
        project = selectors.project_get_for_user(request.user, slug=data["project"])
        job = imports.import_job_start(
            project=project, by=request.user, upload=data["file"], format=data.get("format"),
            spans_as=data.get("spans_as"), day_first=data.get("day_first"),
            separator=data.get("separator"), encoding=data.get("encoding"),
        )
        return job_accepted(self, job)


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description=(
            "Claims of your projects; researchers do not see candidate suggestions. Filters "
            "`verdict`, `adjudicated` and `disagreement` only reach projects you review or "
            "manage. Cursor-paginated (ordering by `id` by default)."
        ),
        responses={200: s.ClaimSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a claim",
        description=(
            "A claim; `ETag` carries its version. For a suggestion, `reasons` says why: the "
            "engine's cues, and accepted claims of other articles that read like it."
        ),
        responses={200: s.ClaimDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Mark a claim",
        description="Annotators, reviewers, managers. The span is in code points of the article's text.",
        request=s.ClaimCreateSerializer,
        responses={201: s.ClaimSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a claim",
        description=(
            "Statement, speaker, date, kind (those who find claims); start/end too for reviewers "
            "and managers. Send `version` or If-Match: a stale one gets 409/412 and changes nothing."
        ),
        parameters=[IF_MATCH], request=s.ClaimUpdateSerializer,
        responses={200: s.ClaimSerializer, **VERSIONED_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete your claim",
        description=(
            "The claim's author, while nobody else has worked on it (another annotator's verdict, "
            "evidence or links by others, an adjudication: 400 saying which; reject it instead). "
            "Answers the change, whose `undo` restores the claim with its own work."
        ),
        responses={200: ClaimBatchSerializer, **WRITE_ERRORS},
    ),
    decide=extend_schema(
        summary="Accept or reject a claim",
        description="Decide on a (suggested) claim, at its version.",
        parameters=[IF_MATCH], request=s.ClaimDecideSerializer,
        responses={200: s.ClaimSerializer, **VERSIONED_ERRORS},
    ),
)
class ClaimViewSet(ApiViewSet):
    queryset = Claim.objects.none()
    serializer_class = s.ClaimSerializer
    filterset_class = ClaimFilter
    ordering_fields = ("id", "start", "created_at", "updated_at", "score")

    def get_queryset(self) -> QuerySet[Claim]:
        return visibility.claims_listable(self.scope)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _claim(self, pk: str) -> Claim:
        return visibility.claim_get_visible(self.request.user, int(pk))

    def retrieve(self, request: Request, pk: str) -> Response:
        claim = self._claim(pk)
        reasons = article_page.suggestion_reasons(request.user, claim)
        return self.respond(s.ClaimDetailSerializer, claim, context={"reasons": reasons})

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.ClaimCreateSerializer)
        article = selectors.article_get_for_user(request.user, data.pop("article"))
        claim = claim_services.claim_create(article=article, by=request.user, **data)
        return self.respond(s.ClaimSerializer, claim, status.HTTP_201_CREATED)

    def _represent(self, claim: Claim) -> dict:
        return s.ClaimSerializer(claim).data

    def partial_update(self, request: AuthenticatedRequest, pk: str) -> Response:
        claim = self._claim(pk)
        data = self.input(s.ClaimUpdateSerializer, partial=True)
        version, from_header = requested_version(request, data)
        with stale_as_conflict(self._represent, from_header=from_header):
            claim = claim_services.claim_update(claim=claim, by=request.user, version=version, **data)
        return self.respond(s.ClaimSerializer, claim)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        batch = claim_batches.claim_delete(claim=self._claim(pk), by=request.user)
        return self.respond(ClaimBatchSerializer, batch)

    @action(detail=True, methods=["post"])
    def decide(self, request: AuthenticatedRequest, pk: str) -> Response:
        claim = self._claim(pk)
        data = self.input(s.ClaimDecideSerializer)
        version, from_header = requested_version(request, data)
        with stale_as_conflict(self._represent, from_header=from_header):
            claim = claim_services.claim_decide(
                claim=claim, by=request.user, status=data["status"], version=version
            )
        return self.respond(s.ClaimSerializer, claim)


@extend_schema_view(
    list=extend_schema(
        summary="List relations between claims",
        description=(
            "Same claim / contradicts / supports / related links: all of them for those who find "
            "claims; for researchers, the links between two adjudicated claims."
        ),
        responses={200: s.RelationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="Read a relation",
        description="One link between two claims (researchers: between two adjudicated claims, else 404).",
        responses={200: s.RelationSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Link two claims",
        description="Both claims in one project; symmetric kinds are stored lower id first. Idempotent.",
        request=s.RelationCreateSerializer,
        responses={201: s.RelationSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Remove a relation", description="Those who find claims.",
        responses={204: OpenApiResponse(description="Removed."), **ERRORS},
    ),
)
class RelationViewSet(ApiViewSet):
    queryset = ClaimRelation.objects.none()
    serializer_class = s.RelationSerializer
    filterset_class = RelationFilter
    # Every role reads some links: all of them where it finds claims, and researchers those
    # between adjudicated claims (visibility.relations_listable).
    list_capability = Capability.VIEW
    ordering_fields = ("id", "created_at")

    def get_queryset(self) -> QuerySet[ClaimRelation]:
        return visibility.relations_listable(self.scope)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        relation = visibility.relation_get_for_user(request.user, int(pk), capability=Capability.RELEASES)
        return self.respond(s.RelationSerializer, relation)

    def create(self, request: AuthenticatedRequest) -> Response:
        data = self.input(s.RelationCreateSerializer)
        # Visibility, then the role, then the target: a researcher learns nothing of candidates.
        source = visibility.claim_get_visible(request.user, data["source"], capability=Capability.FIND)
        target = visibility.claim_of_project(source.article.project_id, data["target"], field="target")
        relation = claim_services.claim_relate(
            source=source, target=target, kind=data["kind"], note=data["note"], by=request.user
        )
        return self.respond(s.RelationSerializer, relation, status.HTTP_201_CREATED)

    def destroy(self, request: AuthenticatedRequest, pk: str) -> Response:
        relation = visibility.relation_get_for_user(request.user, int(pk))
        claim_services.claim_unrelate(relation=relation, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
