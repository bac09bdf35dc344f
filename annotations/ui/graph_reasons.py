"""The claim-graph engine's reasons in the reader's language.

The engine (annotations/graph/engine.py) is pure and its reasons are stored in English with each
proposal (and returned so by the API, as data); pages translate the known forms here, at display
time, their variable parts (quoted words, names, dates, numbers) put back unchanged. A form not
listed is shown as stored.
"""

from __future__ import annotations

import re

from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_noop

# (pattern of the English reason, its msgid); a pattern must match the whole reason.
FORMS: list[tuple[re.Pattern[str], str]] = [(re.compile(p + r"\Z", re.S), m) for p, m in [
    (r"shared words: (?P<value>.+)", gettext_noop("shared words: %(value)s")),
    (r"same entities: (?P<value>.+)", gettext_noop("same entities: %(value)s")),
    (r"same date: (?P<value>.+)", gettext_noop("same date: %(value)s")),
    (r"same numbers: (?P<value>.+)", gettext_noop("same numbers: %(value)s")),
    (r"conflicting dates: (?P<a>.+?) vs (?P<b>.+)", gettext_noop("conflicting dates: %(a)s vs %(b)s")),
    (r"different numbers: (?P<a>.+?) vs (?P<b>.+)", gettext_noop("different numbers: %(a)s vs %(b)s")),
    (r"opposite polarity: (?P<a>'.+?') vs (?P<b>'.+')", gettext_noop("opposite polarity: %(a)s vs %(b)s")),
    (r"similar meaning \((?P<score>[\d.]+)\)", gettext_noop("similar meaning (%(score)s)")),
]]


def translate_reason(reason: str) -> str:
    """One stored reason in the active language, or as stored when its form is unknown."""
    for pattern, msgid in FORMS:
        found = pattern.match(reason)
        if found:
            parts = found.groupdict()
            if "score" in parts:
                parts["score"] = number_format(float(parts["score"]), 2)
            return gettext(msgid) % parts
    return reason
