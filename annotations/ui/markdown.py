"""Markdown written by project members (guidelines, descriptions), rendered and sanitised."""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

# What guidelines need: structure, emphasis, lists, tables, code, links and images. No forms,
# no scripts, no styles, no event handlers; links only to the web or to an e-mail address.
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre",
    "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> SafeString:
    """HTML for the markdown `text`; safe to insert in a page, whatever the text contains."""
    return _rendered(text or "")


# The same guidelines are shown on every visit of a project's pages, and a long text costs
# milliseconds to parse and clean: kept per text (the output depends on nothing else).
@lru_cache(maxsize=32)
def _rendered(text: str) -> SafeString:
    """render_markdown's work, done once per distinct text."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 has just removed everything unsafe
