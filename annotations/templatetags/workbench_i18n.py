"""Template filters that put messages recorded in English (by workers) into the reader's language."""

from __future__ import annotations

from django import template

from ..ui.import_messages import translate_job_error

register = template.Library()


@register.filter
def job_error(error: str) -> str:
    """A job's recorded failure reason, translated when its form is known."""
    return translate_job_error(error or "")
