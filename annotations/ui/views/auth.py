"""Log in and out with Django's own views and our templates."""

from __future__ import annotations

from django.contrib.auth import views as auth_views


class LoginView(auth_views.LoginView):
    """The login page; already logged-in users go straight to their projects."""

    template_name = "annotations/registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Log out (POST only, so a link cannot log anyone out)."""
