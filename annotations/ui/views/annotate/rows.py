"""The claims list's rows as HTML, built in Python: an article may carry hundreds of claims and
a template include per row costs a large share of the page's time (see bench/RESULTS.md).
Every user value is escaped (html.escape, quotes included: Django's escape does the same but its
lazy-string checks cost more than the rest of the row); the markup is what article.js reads.
"""

from __future__ import annotations

from collections.abc import Iterable

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from ....models import ClaimStatus
from ....selectors.article_page import ClaimItem

# Reversed once with a placeholder id, then filled per row: ids are integers, never text.
_PLACEHOLDER = 987654321


def _url_pattern(name: str) -> str:
    return reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


def _cut(text: str, limit: int = 140) -> str:
    """The text, shortened to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_rows(items: Iterable[ClaimItem], *, focus_id: int | None = None,
                oob: bool = False) -> SafeString:
    """The <li> rows of the claims list (or one row, swapped out of band with `oob`)."""
    e = escape  # every user-provided value below goes through it
    article_url = _url_pattern("ui:article")
    panel_url = _url_pattern("ui:claim_panel")
    speaker_label, score_label = e(gettext("Speaker")), e(gettext("Suggestion score"))
    mine_label, final_label = e(gettext("Your verdict")), e(gettext("Final verdict"))
    given_label = e(gettext("Verdicts given"))
    pick_label = e(gettext("Tick the suggestion"))
    own_label, own_title = e(gettext("the article itself")), e(gettext("The article itself asserts this claim"))
    oob_attr = ' hx-swap-oob="true"' if oob else ""
    out = []
    for item in items:
        claim = item.claim
        text = e(_cut(claim.statement)) if claim.statement else f"“{e(_cut(claim.quote))}”"
        meta = []
        if claim.speaker:
            meta.append(f'<span class="speaker" title="{speaker_label}">{e(claim.speaker)}</span>')
        if claim.asserted_by_article:
            meta.append(f'<span class="tag own-voice" title="{own_title}">{own_label}</span>')
        if claim.status == ClaimStatus.CANDIDATE:
            if claim.score is not None:
                meta.append(f'<span class="tag score" title="{score_label}">{claim.score:.2f}</span>')
            if claim.kind:
                meta.append(f'<span class="tag kind">{e(str(claim.get_kind_display()))}</span>')
        if item.my_verdict is not None:
            meta.append(
                f'<span class="verdict-chip" style="--c: {e(item.my_verdict.colour)}" '
                f'title="{mine_label}">{e(item.my_verdict.label)}</span>'
            )
        if item.n_annotations is not None:
            count = ngettext("%(n)s verdict", "%(n)s verdicts", item.n_annotations) % {
                "n": item.n_annotations}
            meta.append(f'<span class="tag" title="{given_label}">{e(count)}</span>')
        if item.final_verdict is not None:
            meta.append(
                f'<span class="verdict-chip final" style="--c: {e(item.final_verdict.colour)}" '
                f'title="{final_label}">{e(item.final_verdict.label)}</span>'
            )
        pk = int(claim.pk)
        pick = score_attr = ""
        if claim.status == ClaimStatus.CANDIDATE:
            # A tick box of the bulk form (form="bulk-form"): "Accept ticked" takes these.
            pick = (f'<input type="checkbox" class="pick" name="claim_ids" value="{pk}" form="bulk-form" '
                    f'aria-label="{pick_label} #{pk}">')
            if claim.score is not None:
                score_attr = f' data-score="{claim.score:.4f}"'
        out.append(
            f'<li id="claim-row-{pk}" class="claim-row {e(claim.status)}'
            f'{" focus" if pk == focus_id else ""}" data-claim-id="{pk}" '
            f'data-start="{int(claim.start)}" data-end="{int(claim.end)}"{score_attr}'
            f"{oob_attr}>{pick}"
            f'<a class="claim-link" href="{article_url.format(int(claim.article_id))}?claim={pk}" '
            f'hx-get="{panel_url.format(pk)}" hx-target="#claim-panel" hx-swap="outerHTML">{text}</a>'
            f'<span class="row-meta">{" ".join(meta)}</span></li>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - user values above all went through escape()
