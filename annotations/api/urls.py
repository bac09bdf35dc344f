"""API routes: /api/v1/ resources, the token endpoint, the OpenAPI schema and Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views import archives
from .views import auth, batches, collab, corpus, factchecks, graph, jobs, projects, releases, root, work

app_name = "api"

router = SimpleRouter()
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("members", projects.MembershipViewSet, basename="member")
router.register("articles", corpus.ArticleViewSet, basename="article")
router.register("claims", corpus.ClaimViewSet, basename="claim")
router.register("claim-relations", corpus.RelationViewSet, basename="relation")
router.register("claim-batches", batches.ClaimBatchViewSet, basename="claim-batch")
router.register("annotations", work.AnnotationViewSet, basename="annotation")
router.register("evidence", work.EvidenceViewSet, basename="evidence")
router.register("adjudications", work.AdjudicationViewSet, basename="adjudication")
router.register("questions", graph.QuestionViewSet, basename="question")
router.register("question-answers", graph.QuestionAnswerViewSet, basename="question-answer")
router.register("relation-candidates", graph.RelationCandidateViewSet, basename="relation-candidate")
router.register("factchecks", factchecks.FactCheckViewSet, basename="factcheck")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("releases", releases.ReleaseViewSet, basename="release")
router.register("comments", collab.CommentViewSet, basename="comment")
router.register("notifications", collab.NotificationViewSet, basename="notification")
router.register("release-files", releases.ReleaseFileViewSet, basename="release-file")

urlpatterns = [
    path("v1/", root.ApiRootView.as_view(resources=root.collections(router.registry)), name="root"),
    path("v1/auth/token/", auth.TokenView.as_view(), name="auth-token"),
    re_path(r"^v1/claims/(?P<pk>[0-9]{1,18})/related/$",
            graph.ClaimRelatedViewSet.as_view({"get": "retrieve"}), name="claim-related"),
    re_path(r"^v1/claims/(?P<pk>[0-9]{1,18})/factchecks/$",
            factchecks.ClaimFactChecksViewSet.as_view({"get": "retrieve"}), name="claim-factchecks"),
    path("v1/project-archives/", archives.ProjectArchiveImportViewSet.as_view({"post": "create"}),
         name="project-archive-import"),
    re_path(r"^v1/projects/(?P<slug>[-a-zA-Z0-9_]{1,80})/archive/$",
            archives.ProjectArchiveViewSet.as_view({"get": "retrieve"}), name="project-archive"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, so the
    # Content-Security-Policy needs no exception for it.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="annotations/api/swagger_ui.html"), name="docs"),
]
