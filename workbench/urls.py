"""Top-level URLs: the admin, health check and the app's own routes."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.generic import RedirectView


def health(request: HttpRequest) -> JsonResponse:
    """Liveness probe for load balancers; reveals nothing."""
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
