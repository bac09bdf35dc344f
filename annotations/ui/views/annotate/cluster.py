"""The cluster page: a claim beside every claim linked to it, across articles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ....models import RelationKind
from ....selectors.article_page import claim_cluster_for_user
from ..common import member_view
from .article import TEMPLATES, web_link


@member_view
@require_GET
def cluster_page(request: HttpRequest, claim_id: int) -> HttpResponse:
    """Show the claim and the claims linked to it, with verdicts only where the user may see them."""
    cluster = claim_cluster_for_user(request.user, claim_id)
    project = cluster.root.article.project
    by_id = {m.claim.pk: m.claim for m in cluster.members}
    labels = dict(RelationKind.choices)
    supported_by = _("Supported by")
    cards = [
        {
            "member": m,
            "source_url": web_link(m.claim.article.url),
            "links": [
                {
                    "kind": kind,
                    # "supports" reads one way: seen from its target it is "supported by".
                    "label": labels.get(kind, kind) if outgoing or kind != RelationKind.SUPPORTS
                    else supported_by,
                    "other": by_id[other],
                }
                for kind, other, outgoing in m.links
                if other in by_id
            ],
        }
        for m in cluster.members
    ]
    context = {
        "cluster": cluster, "cards": cards, "project": project,
        "perms": cluster.perms, "roles": cluster.perms.roles,
    }
    return render(request, TEMPLATES + "cluster.html", context)
