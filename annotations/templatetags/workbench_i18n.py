"""Template filters that put messages recorded in English (by workers) into the reader's language."""

from __future__ import annotations

from django import template

from ..ui.graph_reasons import translate_reason
from ..ui.import_messages import translate_job_error

register = template.Library()


@register.filter
def job_error(error: str) -> str:
    """A job's recorded failure reason, translated when its form is known."""
    return translate_job_error(error or "")


@register.filter
def graph_reasons(reasons: list[str] | tuple[str, ...] | None) -> list[str]:
    """The claim-graph engine's stored reasons, each translated when its form is known."""
    return [translate_reason(str(r)) for r in reasons or ()]
