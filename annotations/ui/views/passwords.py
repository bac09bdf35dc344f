"""Passwords in the app, with Django's own views: change it, and reset it by e-mail where e-mail works."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

TEMPLATE = "annotations/registration/password.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (the current one is asked); other sessions stay valid only here."""

    template_name = TEMPLATE
    success_url = reverse_lazy("ui:password_change_done")
    extra_context = {"title": _("Change your password"), "submit": _("Change password")}


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = TEMPLATE
    extra_context = {"title": _("Password changed"), "done": _("Your password was changed.")}


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by e-mail; without e-mail configured the page says whom to ask."""

    template_name = TEMPLATE
    email_template_name = "annotations/registration/password_reset_email.txt"
    subject_template_name = "annotations/registration/password_reset_subject.txt"
    success_url = reverse_lazy("ui:password_reset_done")
    extra_context = {
        "title": _("Reset your password"), "submit": _("Send me a link"),
        "intro": _("Give the e-mail address of your account: a link to choose a new password is sent to it."),
    }

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.EMAIL_ENABLED:
            return self.render_to_response({
                "title": _("Reset your password"),
                "done": _("This Workbench sends no e-mail: ask a manager of your project to set a new password for you."),
            }, status=200 if request.method == "GET" else 409)
        return super().dispatch(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = TEMPLATE
    extra_context = {
        "title": _("Check your e-mail"),
        "done": _("If an account has this address, a link to choose a new password is on its way."),
    }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choose a new password from the e-mailed link (also how an invited person sets theirs)."""

    template_name = TEMPLATE
    success_url = reverse_lazy("ui:password_reset_complete")
    extra_context = {"title": _("Choose a new password"), "submit": _("Set password")}


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = TEMPLATE
    extra_context = {"title": _("Password set"), "done": _("Your password is set: you can log in now."), "login": True}
