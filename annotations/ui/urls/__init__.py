"""Web UI routes, one module per area of work; all under the `ui` namespace."""

from django.urls import path

from ..views import auth, home
from . import account, annotate, collab, graph, manage, review

app_name = "ui"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    *account.urlpatterns,
    *annotate.urlpatterns,
    *manage.urlpatterns,
    *review.urlpatterns,
    *graph.urlpatterns,
    *collab.urlpatterns,
]
