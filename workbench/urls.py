"""Top-level URLs: the web UI, the REST API, the admin, language switching and a health check."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path


def health(request: HttpRequest) -> JsonResponse:
    """Liveness probe for load balancers; reveals nothing."""
    return JsonResponse({"status": "ok"})


# Refusals as pages of the app, with the reason the view gave (annotations/ui/views/errors.py).
handler403 = "annotations.ui.views.errors.permission_denied"
handler404 = "annotations.ui.views.errors.page_not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("annotations.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", health, name="health"),
    path("", include("annotations.ui.urls")),
]
