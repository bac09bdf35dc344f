"""Write paths for a project's verdict scheme: labels, colours, hotkeys and mappings, edited before annotation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..models import Adjudication, Annotation, Project, Verdict, VerdictScheme

VERDICT_FIELDS = (
    "code", "name", "description", "hotkey", "colour", "fever_label", "averitec_label",
    "claimreview_rating", "claimreview_name_en", "claimreview_name_fr",
)
MIN_VERDICTS = 2


def scheme_locked_reason(project: Project) -> str:
    """Why the project's scheme can no longer be edited, or "" while it can."""
    if Annotation.objects.filter(claim__article__project=project, verdict__isnull=False).exists() or (
        Adjudication.objects.filter(claim__article__project=project).exists()
    ):
        return gettext(
            "Annotation has started: verdicts were given with this scheme, so its labels can no longer change."
        )
    return ""


def _own_scheme(project: Project) -> VerdictScheme:
    """The project's scheme if no other project uses it; else a copy that becomes the project's."""
    scheme = project.scheme
    if not scheme.is_default and not Project.objects.filter(scheme=scheme).exclude(pk=project.pk).exists():
        return scheme
    base = slugify(f"{project.slug}-scheme")[:70]
    slug, n = base, 1
    while VerdictScheme.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    own = VerdictScheme.objects.create(
        name=gettext("%(project)s verdicts") % {"project": project.name}, slug=slug,
        description=scheme.description,
    )
    project.scheme = own
    project.save(update_fields=["scheme"])
    return own


@transaction.atomic
def project_scheme_update(*, project: Project, by: AuthUser, rows: Sequence[dict[str, Any]]) -> VerdictScheme:
    """Replace the project's verdicts with `rows` (in order); refused once annotation has started.

    A scheme shared with other projects (or the default) is copied first, so they keep theirs.
    Errors name the row and the field; nothing changes on any error.
    """
    require(by, project, Capability.MANAGE)
    project = Project.objects.select_for_update().get(pk=project.pk)
    reason = scheme_locked_reason(project)
    if reason:
        raise ValidationError({"__all__": [reason]})
    errors: list[str] = []
    verdicts: list[Verdict] = []
    seen_codes: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for i, row in enumerate(rows, start=1):
        values = {name: row.get(name) for name in VERDICT_FIELDS}
        for name in VERDICT_FIELDS:
            if values[name] is None:
                values[name] = None if name == "claimreview_rating" else ""
        values["hotkey"] = str(values["hotkey"]).strip().lower()
        verdict = Verdict(order=i, **values)
        try:
            verdict.full_clean(exclude=["scheme"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors += [gettext("Row %(row)d, %(field)s: %(message)s") % {"row": i, "field": name, "message": m}
                           for m in messages]
        rating = values["claimreview_rating"]
        if rating is not None and not 1 <= int(rating) <= 5:
            errors.append(gettext("Row %(row)d, claimreview_rating: use 1 to 5.") % {"row": i})
        code = str(values["code"])
        if code and code in seen_codes:
            errors.append(gettext("Row %(row)d, code: “%(code)s” is already row %(other)d.")
                          % {"row": i, "code": code, "other": seen_codes[code]})
        seen_codes.setdefault(code, i)
        key = str(values["hotkey"])
        if key and key in seen_keys:
            errors.append(gettext("Row %(row)d, hotkey: “%(key)s” is already row %(other)d.")
                          % {"row": i, "key": key, "other": seen_keys[key]})
        seen_keys.setdefault(key, i)
        verdicts.append(verdict)
    if len(rows) < MIN_VERDICTS:
        errors.append(gettext("A scheme needs at least %(n)d verdicts.") % {"n": MIN_VERDICTS})
    if errors:
        raise ValidationError({"__all__": errors})
    scheme = _own_scheme(project)
    # No verdict of the scheme is used (checked above, and the scheme is this project's alone).
    scheme.verdicts.all().delete()
    for verdict in verdicts:
        verdict.scheme = scheme
    Verdict.objects.bulk_create(verdicts)
    return scheme
