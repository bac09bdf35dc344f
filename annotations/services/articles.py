"""Write paths for articles and outlets edited one at a time (imports have their own path)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..importers.reader import normalise_body
from ..models import Article, Outlet, body_hash
from ..suggest.language import detect_language


def article_save(*, article: Article, by: AuthUser) -> Article:
    """Save a new or edited article of a project; its body is frozen once a claim points into it."""
    require(by, article.project_id, Capability.MANAGE)
    article.body = normalise_body(article.body)
    if not article.body.strip():
        raise ValidationError({"body": gettext("An article needs its text.")})
    limit = settings.ARTICLE_BODY_MAX_CHARS
    if len(article.body) > limit:
        message = gettext("The text is %(n)s characters; an article is at most %(max)s.")
        raise ValidationError({"body": message % {"n": f"{len(article.body):,}", "max": f"{limit:,}"}})
    if article.outlet_id is not None and (
        Outlet.objects.filter(pk=article.outlet_id).values_list("project_id", flat=True).first()
        != article.project_id
    ):
        raise ValidationError({"outlet": gettext("This outlet belongs to another project.")})
    if not article.language.strip():
        # Unsure stays blank: readers then use the project's language, as they always did.
        article.language = detect_language(article.body) or ""
    article.body_hash = body_hash(article.body)
    if article.pk is not None:
        stored = Article.objects.filter(pk=article.pk).values_list("body_hash", flat=True).first()
        if stored != article.body_hash and article.claims.exists():
            raise ValidationError({"body": gettext("The text is frozen: claims point into it.")})
    twins = Article.objects.filter(project_id=article.project_id, body_hash=article.body_hash)
    if twins.exclude(pk=article.pk).exists():
        raise ValidationError({"body": gettext("Another article of this project has exactly this text.")})
    article.full_clean(exclude=["body_hash"], validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError:
        # A claim or a twin text arrived between the checks and the write; the database refused.
        raise ValidationError(
            {"body": gettext("The text cannot be saved: a claim now points into it, or another "
                              "article of the project has the same text.")}
        ) from None
    return article


def outlet_save(*, outlet: Outlet, by: AuthUser) -> Outlet:
    """Save a new or edited outlet of a project; managers of that project only, and it stays there."""
    require(by, outlet.project_id, Capability.MANAGE)
    if outlet.pk is not None:
        stored = Outlet.objects.filter(pk=outlet.pk).values_list("project_id", flat=True).first()
        if stored is not None and stored != outlet.project_id:
            # Its articles are in that project: moving it would make them point across projects.
            raise ValidationError({"project": gettext("An outlet stays in its project.")})
    outlet.full_clean()
    try:
        with transaction.atomic():
            outlet.save()
    except IntegrityError:
        # Another outlet of that name arrived in the project between the check and the write.
        raise ValidationError(
            {"name": gettext("The project already has an outlet with this name.")}
        ) from None
    return outlet
