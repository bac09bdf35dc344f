"""Read paths of claim batches (undoable decisions and deletions)."""

from __future__ import annotations

from ..access import Capability, NotFound, User, require
from ..models import ClaimBatch


def batch_get_for_user(user: User, batch_id: int) -> ClaimBatch:
    """A batch of the user's project with its article, for those who find claims there."""
    batch = ClaimBatch.objects.select_related("article").defer("article__body").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("No such change.")
    require(user, batch.article.project_id, Capability.FIND)
    return batch


def undoable_batch(user: User, batch_id: int, article_id: int) -> ClaimBatch | None:
    """The user's own change on this article, if it can still be undone (else None, silently:
    the id comes from a URL)."""
    if not user.is_authenticated:
        return None
    return ClaimBatch.objects.filter(
        pk=batch_id, article_id=article_id, created_by=user, undone_at__isnull=True
    ).first()
