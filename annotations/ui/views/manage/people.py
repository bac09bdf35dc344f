"""A manager brings a new person in: an account with a password they hand over, or an e-mailed invitation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ....models import Role
from ....services.people import person_add
from ..annotate.claims import add_service_errors
from ..common import AuthenticatedHttpRequest, member_view
from .base import page_context, project_for

TEMPLATES = "annotations/ui/manage/"


class PersonForm(forms.Form):
    """Who to create; the service checks the rest (taken names, password rules, e-mail)."""

    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail address"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.ANNOTATOR)
    password = forms.CharField(
        label=gettext_lazy("Initial password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave it empty to e-mail an invitation to choose one."),
    )


@member_view
@require_http_methods(["GET", "POST"])
def person_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Create an account with a role in the project, or invite by e-mail. Managers only."""
    project, roles = project_for(request, slug)
    form = PersonForm(request.POST if request.method == "POST" else None)
    if not settings.EMAIL_ENABLED:
        form.fields["password"].help_text = _("This Workbench sends no e-mail: give a password and hand it over yourself.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, invited = person_add(
                project=project, by=request.user, username=data["username"], email=data["email"],
                role=data["role"], password=data["password"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            role = Role(data["role"]).label.lower()
            if invited:
                messages.success(request, _("%(user)s is now %(role)s; an invitation went to %(email)s.") % {
                    "user": user.get_username(), "role": role, "email": user.email,
                })
            else:
                messages.success(request, _("%(user)s is now %(role)s; hand them their password.") % {
                    "user": user.get_username(), "role": role,
                })
            return redirect("ui:members", slug=project.slug)
    context = page_context(project, roles, request.user, "members", form=form, email_enabled=settings.EMAIL_ENABLED)
    return render(request, TEMPLATES + "person_new.html", context, status=400 if form.errors else 200)
