"""API routes: /api/v1/ resources, the token endpoint, the OpenAPI schema and Swagger UI."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views import auth, corpus, graph, jobs, projects, releases, work

app_name = "api"

router = SimpleRouter()
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("members", projects.MembershipViewSet, basename="member")
router.register("articles", corpus.ArticleViewSet, basename="article")
router.register("claims", corpus.ClaimViewSet, basename="claim")
router.register("claim-relations", corpus.RelationViewSet, basename="relation")
router.register("annotations", work.AnnotationViewSet, basename="annotation")
router.register("evidence", work.EvidenceViewSet, basename="evidence")
router.register("adjudications", work.AdjudicationViewSet, basename="adjudication")
router.register("questions", graph.QuestionViewSet, basename="question")
router.register("question-answers", graph.QuestionAnswerViewSet, basename="question-answer")
router.register("relation-candidates", graph.RelationCandidateViewSet, basename="relation-candidate")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("releases", releases.ReleaseViewSet, basename="release")
router.register("release-files", releases.ReleaseFileViewSet, basename="release-file")

urlpatterns = [
    path("v1/auth/token/", auth.TokenView.as_view(), name="auth-token"),
    re_path(r"^v1/claims/(?P<pk>[0-9]{1,18})/related/$",
            graph.ClaimRelatedViewSet.as_view({"get": "retrieve"}), name="claim-related"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, so the
    # Content-Security-Policy needs no exception for it.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="annotations/api/swagger_ui.html"), name="docs"),
]
