"""The cluster page: a claim beside every claim linked to it, across articles."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ....models import Answer, QuestionAnswer, RelationKind
from ....selectors.article_page import Cluster, claim_cluster_for_user, cluster_answers
from ...graph_layout import PALETTE, Edge, Node, layout
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
        **graph_context(cluster, cluster_answers(cluster)),
    }
    return render(request, TEMPLATES + "cluster.html", context)


def graph_context(cluster: Cluster, answers: list[QuestionAnswer]) -> dict:
    """The cluster as a laid-out graph: claims coloured by article, questions, links and answers."""
    articles: dict[int, dict] = {}
    nodes, edges = [], []
    for m in cluster.members:
        article = m.claim.article
        if article.pk not in articles:
            articles[article.pk] = {
                "article": article, "colour": PALETTE[len(articles) % len(PALETTE)],
            }
        nodes.append(Node(
            key=f"c{m.claim.pk}", kind="claim", text=m.claim.statement or m.claim.quote,
            href=reverse("ui:article", args=[m.claim.article_id]) + f"?claim={m.claim.pk}",
            depth=float(m.depth), colour=articles[article.pk]["colour"], root=m.claim.pk == cluster.root.pk,
            group=f"{article.pk:09d}",
        ))
        for kind, other, outgoing in m.links:
            if outgoing:
                edges.append(Edge(source=f"c{m.claim.pk}", target=f"c{other}", kind=kind, css=f"kind-{kind}"))
    depth_of = {m.claim.pk: m.depth for m in cluster.members}
    labels = dict(Answer.choices)
    questions: dict[int, Node] = {}
    for a in answers:
        depth = depth_of.get(a.claim_id, 0) + 0.5
        node = questions.get(a.question_id)
        if node is None:
            node = questions[a.question_id] = Node(
                key=f"q{a.question_id}", kind="question", text=a.question.text,
                href=reverse("ui:question", args=[a.question_id]), depth=depth,
            )
        node.depth = min(node.depth, depth)
        edges.append(Edge(
            source=f"c{a.claim_id}", target=f"q{a.question_id}", kind="answer",
            label=str(labels.get(a.answer, a.answer)), css=f"answer answer-{a.answer}",
        ))
    nodes.extend(questions.values())
    drawn = layout(nodes, edges) if len(nodes) > 1 else None
    return {"graph": drawn, "graph_articles": list(articles.values()), "graph_questions": len(questions)}
