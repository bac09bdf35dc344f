"""Write paths for people: a manager creates an account for someone, or invites them by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..models import Project, Role
from .projects import membership_add


@transaction.atomic
def person_add(
    *, project: Project, by: AuthUser, username: str, role: str, email: str = "", password: str = "",
) -> tuple[AuthUser, bool]:
    """Create an account with a role in the project; (user, invited by e-mail). Managers only.

    With a password the manager hands it over themselves; without one, the person gets an
    e-mail with a link to choose theirs (only where e-mail is configured).
    """
    require(by, project, Capability.MANAGE)
    User = get_user_model()
    username, email = username.strip(), email.strip()
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        errors["role"] = [gettext("Choose a role.")]
    if User._default_manager.filter(username__iexact=username).exists():
        errors["username"] = [gettext("This username is taken: add the existing person by username instead.")]
    if not password and not email:
        errors["password"] = [gettext("Give a password, or an e-mail address to send an invitation to.")]
    elif not password and not settings.EMAIL_ENABLED:
        errors["password"] = [gettext("This Workbench sends no e-mail: give a password and hand it over yourself.")]
    user = User(username=username, email=email, is_active=True)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            if name not in errors:
                errors.setdefault(name, []).extend(messages)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()  # until they choose one from the invitation
    user.save()
    membership_add(project=project, user=user, role=role, by=by)
    invited = not password
    if invited:
        transaction.on_commit(lambda: invitation_send(user=user, project=project, by=by, role=role))
    return user, invited


def invitation_send(*, user: AuthUser, project: Project, by: AuthUser, role: str) -> int:
    """E-mail the person a link to choose their password (the password-reset link, valid once)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = settings.WORKBENCH_URL.rstrip("/") + reverse("ui:password_reset_confirm", args=[uid, token])
    body = render_to_string("annotations/registration/invitation_email.txt", {
        "user": user, "by": by.get_username(), "project": project.name, "role": Role(role).label.lower(), "link": link,
    })
    subject = gettext("You are invited to %(project)s") % {"project": project.name}
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
