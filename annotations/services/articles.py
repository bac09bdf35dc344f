"""Write paths for articles edited one at a time (imports have their own path)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from ..access import AuthUser, Capability, require
from ..importers.reader import normalise_body
from ..models import Article, body_hash


def article_save(*, article: Article, by: AuthUser) -> Article:
    """Save a new or edited article of a project; its body is frozen once a claim points into it."""
    require(by, article.project_id, Capability.MANAGE)
    article.body = normalise_body(article.body)
    if not article.body.strip():
        raise ValidationError({"body": gettext("An article needs its text.")})
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
