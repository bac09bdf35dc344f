"""The demo: seed corpus, demo project and one user per role. Loading twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from ..access import AuthUser
from ..models import Membership, Project, Role
from .imports import ImportReport, articles_import
from .projects import project_create

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "seeds" / "articles.jsonl"
PROJECT_SLUG = "anchorage-2025"
PROJECT_NAME = "Anchorage summit 2025"
GUIDELINES = """\
# Anchorage summit 2025

Mark every span a fact-checker would want to verify: stated as fact, verifiable, and of public
interest. Attributed statements, events, quantities, positions and causal claims count; opinion,
predictions, rhetorical questions and background boxes do not. One sentence by default; cut to
the clause that carries the claim. Give each claim a verdict with a rationale and at least one
evidence link, and link claims across articles (Vance's "importantes concessions" against
Lavrov's "position inchangée").
"""

# username → (role, is_staff): reviewers and managers also work in the Django admin.
DEMO_USERS: dict[str, tuple[str, bool]] = {
    "alice": (Role.ANNOTATOR, False),
    "bob": (Role.ANNOTATOR, False),
    "rita": (Role.REVIEWER, True),
    "max": (Role.MANAGER, True),
    "rhea": (Role.RESEARCHER, False),
}


@dataclass
class SeedReport:
    """What loading the seeds did."""

    users_created: list[str]
    project_created: bool
    articles: ImportReport


def _demo_user(username: str, is_staff: bool, password: str | None) -> tuple[AuthUser, bool]:
    """Get or create a demo user; an existing user's password is left alone."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username, defaults={"is_staff": is_staff, "email": f"{username}@example.org"}
    )
    if created:
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
    return user, created


@transaction.atomic
def seeds_load(*, password: str | None) -> SeedReport:
    """Create the demo users, the demo project with its members, and import the seed articles."""
    users: dict[str, AuthUser] = {}
    created_names = []
    for username, (_, is_staff) in DEMO_USERS.items():
        users[username], created = _demo_user(username, is_staff, password)
        if created:
            created_names.append(username)
    manager = users["max"]
    manager.user_permissions.add(
        Permission.objects.get(codename="add_project", content_type__app_label="annotations")
    )
    manager = type(manager).objects.get(pk=manager.pk)  # drop the cached permissions
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    project_created = project is None
    if project is None:
        project = project_create(
            name=PROJECT_NAME,
            slug=PROJECT_SLUG,
            created_by=manager,
            language="fr",
            overlap=2,
            guidelines=GUIDELINES,
            description="Five French articles on the August 2025 Trump–Putin summit in Anchorage.",
        )
        project.organisation = "Workbench demo desk"
        project.save(update_fields=["organisation"])
    for username, (role, _) in DEMO_USERS.items():
        Membership.objects.get_or_create(user=users[username], project=project, role=role)
    report = articles_import(project=project, path=SEED_FILE, by=manager)
    return SeedReport(created_names, project_created, report)
