"""The claim graph's pages: questions on a claim's panel, a question's page and the project's list,
related claims, the reviewers' queue of proposed relations, the relation job's button, links and
questions on the adjudication page, and the cluster as a graph.

Each URL: anonymous users are sent to the login page, outsiders get 404, researchers 403, those
who find claims (or review, for proposals) get the page; POSTs are refused the same way, need the
CSRF token, and bad input gets a message naming the problem and changes nothing.
"""

from __future__ import annotations

import importlib.util
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import (
    Answer,
    Article,
    CandidateOrigin,
    CandidateStatus,
    CheckQuestion,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Job,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
    body_hash,
)
from annotations.services import graph as graph_services
from annotations.ui.graph_layout import Edge, Node, label_box, layout
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db

QUESTION = "La Russie a-t-elle fait des concessions à Trump lors du sommet d'Anchorage ?"
VANCE_BODY = "Selon JD Vance, la Russie a fait d'importantes concessions au président Trump. Le reste suit."
HOSTILE = '<script>alert("q")</script><img src=x onerror=alert(1)>'
ENGINE = importlib.util.find_spec("annotations.graph.engine") is not None
needs_engine = pytest.mark.skipif(not ENGINE, reason="the retrieval engine (annotations/graph/engine.py) is not there yet")


@pytest.fixture
def vance(project, alice) -> Claim:
    """Vance's claim, in a second article of the project (the first holds Lavrov's)."""
    article = Article.objects.create(project=project, title="Vance à la télévision", body=VANCE_BODY,
                                     body_hash=body_hash(VANCE_BODY), language="fr")
    end = VANCE_BODY.index(" Le reste")
    return Claim.objects.create(article=article, start=0, end=end, quote=VANCE_BODY[:end],
                                origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED, created_by=alice)


@pytest.fixture
def question(project, vance, claim, alice) -> CheckQuestion:
    """The seed question: Vance answers yes, Lavrov no (a contradiction, and a proposal)."""
    q = graph_services.question_create(project=project, by=alice, text=QUESTION, claim=vance, answer=Answer.YES)
    graph_services.answer_set(question=q, claim=claim, answer=Answer.NO, by=alice)
    return q


@pytest.fixture
def proposal(question) -> RelationCandidate:
    return RelationCandidate.objects.get(question=question)


def anonymous_is_sent_to_login(response) -> bool:
    return response.status_code == 302 and "/login/" in response["Location"]


# --- who may see what -------------------------------------------------------------------------------


def get_urls(question, claim, project):
    return {
        "questions": reverse("ui:questions", args=[project.slug]),
        "question": reverse("ui:question", args=[question.pk]),
        "candidates": reverse("ui:question_candidates", args=[question.pk]),
        "question_search": reverse("ui:question_search", args=[claim.pk]) + "?q=Russie",
    }


@pytest.mark.parametrize("name", ["questions", "question", "question_search"])
def test_it_shows_the_graph_to_those_who_find_claims_only(name, question, claim, project, users, client_for):
    url = get_urls(question, claim, project)[name]
    assert anonymous_is_sent_to_login(Client().get(url))
    assert client_for(users["charlie"]).get(url).status_code == 404
    assert client_for(users["rhea"]).get(url).status_code == 403
    for who in ("alice", "rita", "max"):
        response = client_for(users[who]).get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, who
        assert QUESTION in unescape(response.content.decode())


def test_it_keeps_proposals_for_reviewers(project, proposal, users, client_for):
    url = reverse("ui:relation_candidates", args=[project.slug])
    assert anonymous_is_sent_to_login(Client().get(url))
    assert client_for(users["charlie"]).get(url).status_code == 404
    assert client_for(users["rhea"]).get(url).status_code == 403
    assert client_for(users["alice"]).get(url).status_code == 403
    for who in ("rita", "max"):
        html = unescape(client_for(users[who]).get(url).content.decode())
        assert "importantes concessions" in html and "inchangée" in html
        assert 'data-candidate-row' in html and "Opposite answers" in html
    # The decision is refused the same way, and needs the CSRF token.
    decide = reverse("ui:candidate_decide", args=[proposal.pk])
    data = {"status": "accepted", "version": proposal.version}
    assert anonymous_is_sent_to_login(Client().post(decide, data))
    assert client_for(users["charlie"]).post(decide, data).status_code == 404
    assert client_for(users["rhea"]).post(decide, data).status_code == 403
    assert client_for(users["alice"]).post(decide, data).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["rita"])
    assert strict.post(decide, data).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == CandidateStatus.PENDING


def test_a_reviewer_accepts_a_proposal_and_the_claims_are_linked(project, proposal, rita, client_for):
    client = client_for(rita)
    url = reverse("ui:candidate_decide", args=[proposal.pk])
    bad = client.post(url, {"status": "maybe", "version": proposal.version, "at": "0"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()
    assert not ClaimRelation.objects.exists()
    response = client.post(url, {"status": "accepted", "version": proposal.version, "at": "0", "status_tab": "pending"})
    assert response.status_code == 302 and "at=0" in response["Location"]
    proposal.refresh_from_db()
    assert proposal.status == CandidateStatus.ACCEPTED and proposal.decided_by == rita
    relation = ClaimRelation.objects.get()
    assert relation.kind == RelationKind.CONTRADICTS
    # A stale decision changes nothing and says so.
    again = client.post(url, {"status": "rejected", "version": 1}, follow=True)
    assert "decided this proposal meanwhile" in again.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == CandidateStatus.ACCEPTED
    # The decided tab shows it.
    html = client.get(reverse("ui:relation_candidates", args=[project.slug]) + "?status=accepted").content.decode()
    assert f'id="candidate-{proposal.pk}"' in html


def test_the_queue_filters_by_kind(project, proposal, rita, client_for):
    url = reverse("ui:relation_candidates", args=[project.slug])
    html = client_for(rita).get(url + "?kind=same").content.decode()
    assert f'id="candidate-{proposal.pk}"' not in html
    html = client_for(rita).get(url + "?kind=contradicts").content.decode()
    assert f'id="candidate-{proposal.pk}"' in html
    assert client_for(rita).get(url + "?kind=bogus&status=bogus").status_code == 200  # falls back


# --- the claim panel -------------------------------------------------------------------------------


def panel(client, claim) -> str:
    return unescape(client.get(reverse("ui:claim_panel", args=[claim.pk]), HTTP_HX_REQUEST="true").content.decode())


def test_the_panel_lists_the_claims_questions_with_the_contradiction(question, vance, claim, alice, rhea, client_for):
    html = panel(client_for(alice), vance)
    assert QUESTION in html and 'data-hotkey="q"' in html and 'data-hotkey="f"' in html
    assert "Contradiction" in html and "restait inchangée" in html
    assert f'/articles/{claim.article_id}/?claim={claim.pk}' in html
    assert re.search(r'value="yes" class="small answer-yes"\s*aria-pressed="true"', html)
    # Researchers see no graph at all.
    article_page = client_for(rhea).get(reverse("ui:article", args=[vance.article_id]) + f"?claim={vance.pk}")
    assert QUESTION not in unescape(article_page.content.decode())


def test_a_question_is_written_on_a_claim_with_its_answer(project, vance, alice, client_for):
    client = client_for(alice)
    url = reverse("ui:question_create", args=[vance.pk])
    # No answer chosen, or no text: a message naming the problem, nothing made.
    for data, message in (({"text": QUESTION}, "Choose yes, no, partly or unclear."),
                          ({"text": "  ", "answer": "yes"}, "Write the question.")):
        html = unescape(client.post(url, data, HTTP_HX_REQUEST="true").content.decode())
        assert message in html
    assert not CheckQuestion.objects.exists()
    html = unescape(client.post(url, {"text": QUESTION, "text_en": "Concessions?", "answer": "yes"},
                                HTTP_HX_REQUEST="true").content.decode())
    assert "Question added." in html
    question = CheckQuestion.objects.get()
    assert (question.text, question.text_en, question.created_by) == (QUESTION, "Concessions?", alice)
    assert QuestionAnswer.objects.get(question=question).answer == Answer.YES
    # The same question twice is refused, naming why.
    html = unescape(client.post(url, {"text": QUESTION, "answer": "no"}, HTTP_HX_REQUEST="true").content.decode())
    assert "already has this question" in html
    assert QuestionAnswer.objects.get(question=question).answer == Answer.YES


def test_writes_from_the_panel_are_refused_to_others_and_need_csrf(question, vance, claim, users, client_for):
    answer = QuestionAnswer.objects.get(question=question, claim=vance)
    posts = {
        reverse("ui:question_create", args=[vance.pk]): {"text": "Autre question ?", "answer": "yes"},
        reverse("ui:answer_set", args=[vance.pk]): {"question": question.pk, "answer": "no"},
        reverse("ui:answer_remove", args=[answer.pk]): {},
        reverse("ui:related_link", args=[vance.pk]): {"target": claim.pk, "kind": "same"},
        reverse("ui:question_edit", args=[question.pk]): {"text": "Changée ?", "version": question.version},
        reverse("ui:question_delete", args=[question.pk]): {},
        reverse("ui:question_answer", args=[question.pk]): {"target": vance.pk, "answer": "no"},
    }
    for url, data in posts.items():
        assert anonymous_is_sent_to_login(Client().post(url, data)), url
        assert client_for(users["charlie"]).post(url, data).status_code == 404, url
        assert client_for(users["rhea"]).post(url, data).status_code == 403, url
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(users["alice"])
        assert strict.post(url, data).status_code == 403, url
    assert CheckQuestion.objects.count() == 1 and CheckQuestion.objects.get().text == QUESTION
    assert QuestionAnswer.objects.get(pk=answer.pk).answer == Answer.YES
    assert not ClaimRelation.objects.exists()


def test_answers_change_attach_and_detach_from_the_panel(project, question, vance, claim, bob, client_for):
    client = client_for(bob)
    url = reverse("ui:answer_set", args=[vance.pk])
    html = unescape(client.post(url, {"question": question.pk, "answer": "partly"}, HTTP_HX_REQUEST="true").content.decode())
    assert "Answer saved." in html
    assert QuestionAnswer.objects.get(question=question, claim=vance).answer == Answer.PARTLY
    # A question of another project, or a bad answer: refused, named, nothing changed.
    other = CheckQuestion.objects.create(project=project, text="Autre ?")
    other.project_id = project.pk
    html = unescape(client.post(url, {"question": 999999, "answer": "yes"}, HTTP_HX_REQUEST="true").content.decode())
    assert "No question 999999 in this project." in html
    html = unescape(client.post(url, {"question": question.pk, "answer": "perhaps"}, HTTP_HX_REQUEST="true").content.decode())
    assert "Select a valid choice" in html
    assert QuestionAnswer.objects.get(question=question, claim=vance).answer == Answer.PARTLY
    # The search over the project's questions offers attaching.
    results = client.get(reverse("ui:question_search", args=[vance.pk]) + "?q=Autre", HTTP_HX_REQUEST="true").content.decode()
    assert f'name="question" value="{other.pk}"' in results
    client.post(url, {"question": other.pk, "answer": "unclear"}, HTTP_HX_REQUEST="true")
    row = QuestionAnswer.objects.get(question=other, claim=vance)
    html = unescape(client.post(reverse("ui:answer_remove", args=[row.pk]), HTTP_HX_REQUEST="true").content.decode())
    assert "Answer removed." in html and not QuestionAnswer.objects.filter(pk=row.pk).exists()


def test_a_related_sentence_nobody_marked_becomes_a_claim_and_is_linked(project, vance, claim, alice, client_for):
    client = client_for(alice)
    body = claim.article.body
    start = body.index("JD Vance a affirmé")
    end = body.index("concessions.") + len("concessions.")
    url = reverse("ui:related_link", args=[vance.pk])
    # A span outside its article, or with the end first: refused, nothing made.
    for data in ({"article": claim.article_id, "start": 5, "end": 2, "kind": "same"},
                 {"article": 999999, "start": 0, "end": 5, "kind": "same"},
                 {"kind": "same"}):
        html = unescape(client.post(url, data, HTTP_HX_REQUEST="true").content.decode())
        assert 'class="msg error"' in html, data
    assert Claim.objects.count() == 2 and not ClaimRelation.objects.exists()
    html = unescape(client.post(url, {"article": claim.article_id, "start": start, "end": end, "kind": "same"},
                                HTTP_HX_REQUEST="true").content.decode())
    assert "Claims linked." in html
    made = Claim.objects.get(article=claim.article, start=start, end=end)
    assert made.status == ClaimStatus.ACCEPTED and made.created_by == alice
    assert ClaimRelation.objects.filter(kind=RelationKind.SAME).count() == 1
    # The panel comes back asking for the related list again.
    assert 'hx-trigger="load, click"' in html


def test_linking_to_a_suggestion_offers_to_accept_it(project, vance, claim, alice, client_for):
    claim.status = ClaimStatus.CANDIDATE
    claim.origin = ClaimOrigin.SUGGESTED
    claim.save()
    client = client_for(alice)
    results = client.get(reverse("ui:claim_search", args=[vance.pk]) + "?q=Lavrov", HTTP_HX_REQUEST="true").content.decode()
    assert f'name="accept_target" value="{claim.pk}" checked' in results
    assert "Also accept the suggestion" in results
    html = unescape(client.post(reverse("ui:claim_relate", args=[vance.pk]),
                                {"target": claim.pk, "kind": "contradicts", "accept_target": str(claim.pk)},
                                HTTP_HX_REQUEST="true").content.decode())
    assert "the suggestion is accepted" in html
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED
    assert ClaimRelation.objects.filter(kind=RelationKind.CONTRADICTS).count() == 1


def test_unticked_the_suggestion_stays_a_suggestion(project, vance, claim, alice, client_for):
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.CANDIDATE, origin=ClaimOrigin.SUGGESTED)
    client_for(alice).post(reverse("ui:claim_relate", args=[vance.pk]), {"target": claim.pk, "kind": "same"},
                           HTTP_HX_REQUEST="true")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CANDIDATE and ClaimRelation.objects.count() == 1


# --- the question's page and the list ---------------------------------------------------------------


def test_the_question_page_groups_claims_by_answer_and_shows_the_contradiction(question, vance, claim, alice, client_for):
    html = unescape(client_for(alice).get(reverse("ui:question", args=[question.pk])).content.decode())
    assert html.index('id="group-yes"') < html.index('id="group-no"')
    assert "importantes concessions" in html and "restait inchangée" in html
    assert 'class="card contradictions"' in html and "1 pair of claims answer this question oppositely" in html
    assert "Vance à la télévision" in html and "Lavrov et Vance" in html
    assert 'hx-get="/questions/%d/candidates/"' % question.pk in html
    assert 'data-hotkey="e"' in html  # alice wrote it: she may reword it
    assert "question_delete" not in html and f"/questions/{question.pk}/delete/" not in html  # not a reviewer


def test_the_question_list_counts_and_flags_contradictions(project, question, alice, client_for):
    CheckQuestion.objects.create(project=project, text="Le sommet a-t-il eu lieu le 15 août ?")
    client = client_for(alice)
    html = unescape(client.get(reverse("ui:questions", args=[project.slug])).content.decode())
    assert QUESTION in html and "15 août" in html
    assert html.count("contradiction-badge") == 1
    html = unescape(client.get(reverse("ui:questions", args=[project.slug]) + "?q=sommet+d'Anchorage").content.decode())
    assert QUESTION in html and "15 août" not in html
    project_page = client.get(reverse("ui:project", args=[project.slug])).content.decode()
    assert reverse("ui:questions", args=[project.slug]) in project_page


def test_the_question_is_reworded_by_its_author_and_deleted_by_a_reviewer(question, alice, bob, rita, client_for):
    url = reverse("ui:question_edit", args=[question.pk])
    assert client_for(bob).post(url, {"text": "Autre ?", "version": question.version}).status_code == 403
    bad = client_for(alice).post(url, {"text": "", "version": question.version})
    assert bad.status_code == 400 and "Write the question." in bad.content.decode()
    stale = client_for(alice).post(url, {"text": "Autre ?", "version": 99})
    assert stale.status_code == 409
    assert CheckQuestion.objects.get().text == QUESTION
    ok = client_for(alice).post(url, {"text": "La Russie a-t-elle cédé ?", "version": question.version})
    assert ok.status_code == 302 and CheckQuestion.objects.get().text == "La Russie a-t-elle cédé ?"
    delete = reverse("ui:question_delete", args=[question.pk])
    assert client_for(alice).post(delete).status_code == 403
    assert client_for(rita).post(delete).status_code == 302
    assert not CheckQuestion.objects.exists() and not QuestionAnswer.objects.exists()


def test_a_claim_is_attached_from_the_question_page(project, question, vance, claim, alice, client_for):
    client = client_for(alice)
    url = reverse("ui:question_answer", args=[question.pk])
    bad = client.post(url, {"target": 999999, "answer": "yes"})
    assert bad.status_code == 400 and "No claim 999999 in this project." in bad.content.decode()
    assert client.post(url, {"target": vance.pk, "answer": "no"}).status_code == 302
    assert QuestionAnswer.objects.get(question=question, claim=vance).answer == Answer.NO


def test_escaped_everywhere(project, vance, alice, rita, client_for):
    question = graph_services.question_create(project=project, by=alice, text=HOSTILE, text_en=HOSTILE,
                                              claim=vance, answer=Answer.YES)
    for client, url in (
        (client_for(alice), reverse("ui:question", args=[question.pk])),
        (client_for(alice), reverse("ui:questions", args=[project.slug])),
        (client_for(alice), reverse("ui:question_search", args=[vance.pk]) + "?q=script"),
        (client_for(alice), reverse("ui:cluster", args=[vance.pk])),
        (client_for(rita), reverse("ui:adjudicate", args=[vance.pk])),
    ):
        html = client.get(url, HTTP_HX_REQUEST="true" if "search" in url else "").content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html, url
    raw = client_for(alice).get(reverse("ui:claim_panel", args=[vance.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<script>alert" not in raw and "&lt;script&gt;alert" in raw


# --- the adjudication page, the jobs page, the cluster's graph ----------------------------------------


def test_the_adjudication_page_shows_links_and_questions(question, vance, claim, alice, rita, client_for):
    graph_services.relate_and_accept(source=vance, target=claim, kind=RelationKind.CONTRADICTS, by=alice)
    html = unescape(client_for(rita).get(reverse("ui:adjudicate", args=[vance.pk])).content.decode())
    section = html[html.index('class="card claim-graph"'):html.index('id="work-title"')]
    assert "Contradicts" in section and "restait inchangée" in section and "Lavrov et Vance" in section
    assert QUESTION in section and "Contradiction" in section and "Yes" in section


def test_managers_start_the_relation_job_from_the_jobs_page(project, max_, rita, client_for):
    html = client_for(max_).get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert reverse("ui:relations_start", args=[project.slug]) in html and "Find related claims" in html
    url = reverse("ui:relations_start", args=[project.slug])
    assert client_for(rita).post(url).status_code == 403
    if not ENGINE:
        return
    # Queued on commit: the test's transaction never commits, so no worker is needed.
    response = client_for(max_).post(url)
    assert response.status_code == 302
    job = Job.objects.get(kind="relations")
    html = client_for(max_).get(reverse("ui:jobs", args=[project.slug])).content.decode()
    assert "Find related claims" in html and f'href="/jobs/{job.pk}/"' in html


def test_the_cluster_is_drawn_as_a_graph_with_its_questions(question, vance, claim, alice, client_for):
    graph_services.relate_and_accept(source=vance, target=claim, kind=RelationKind.CONTRADICTS, by=alice)
    html = client_for(alice).get(reverse("ui:cluster", args=[vance.pk])).content.decode()
    svg = html[html.index("<svg class=\"claim-graph-svg\""):html.index("</svg>")]
    assert svg.count('class="node claim') == 2 and svg.count('class="node question') == 1
    assert 'class="edge kind-contradicts"' in svg and svg.count('class="edge answer') == 2
    assert ">Yes</text>" in svg and ">No</text>" in svg
    assert f'href="/questions/{question.pk}/"' in svg
    assert 'class="card cluster-card root"' in html  # the cards stay below


def test_a_fifty_node_graph_is_laid_out_without_overlapping_labels():
    nodes = [Node(key=f"c{i}", kind="claim", text=f"Claim number {i} " + "with a long quote " * 8,
                  href="#", depth=float(min(3, i // 10)) if i else 0.0, root=i == 0) for i in range(44)]
    nodes += [Node(key=f"q{i}", kind="question", text=f"Question {i} ?" * 6, href="#", depth=0.5 + i % 3) for i in range(6)]
    edges = [Edge(source=f"c{i // 3}", target=f"c{i}", kind="contradicts" if i % 4 == 0 else "same") for i in range(1, 44)]
    edges += [Edge(source=f"c{i}", target=f"q{i % 6}", kind="answer", label="yes") for i in range(0, 44, 4)]
    first = layout(nodes, edges)
    again = layout([Node(**{k: getattr(n, k) for k in ("key", "kind", "text", "href", "depth", "root")}) for n in nodes], edges)
    assert [(n.key, n.x, n.y) for n in first.nodes] == [(n.key, n.x, n.y) for n in again.nodes]  # deterministic
    boxes = [label_box(n) for n in first.nodes]
    assert len(first.nodes) == 50
    for i, a in enumerate(boxes):
        assert a[2] <= first.width and a[3] <= first.height
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # Labels are cut, with an ellipsis; the full text stays for the <title>.
    assert all(len(n.label) < len(n.text) and n.label.endswith("…") for n in first.nodes)
    # Readable: not taller than about 20 rows, so the page stays scannable.
    assert first.height < 800


def test_the_cluster_page_draws_fifty_claims(project, alice, client_for, make_articles):
    articles = make_articles(project, 10, claims=5)
    claims = list(Claim.objects.filter(article__in=articles).order_by("pk"))
    root = claims[0]
    for other in claims[1:]:
        ClaimRelation.objects.create(source=root if root.pk < other.pk else other, target=other if root.pk < other.pk else root,
                                     kind=RelationKind.SAME, created_by=alice)
    html = unescape(client_for(alice).get(reverse("ui:cluster", args=[root.pk])).content.decode())
    svg = html[html.index('<svg class="claim-graph-svg"'):html.index("</svg>")]
    assert svg.count('class="node claim') == 50
    titles = re.findall(r"<title>(.*?)</title>", svg)
    assert all(c.quote in titles for c in claims)
    ARTIFACTS.mkdir(exist_ok=True)  # kept, to look at: the graph of 50 claims as drawn
    (ARTIFACTS / "cluster-50.svg").write_text(svg + "</svg>")


@needs_engine
def test_the_related_list_is_refused_like_the_rest(question, vance, users, client_for):
    url = reverse("ui:related_list", args=[vance.pk])
    assert anonymous_is_sent_to_login(Client().get(url))
    assert client_for(users["charlie"]).get(url).status_code == 404
    assert client_for(users["rhea"]).get(url).status_code == 403
    response = client_for(users["alice"]).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Nothing related found yet" in response.content.decode()
    page = client_for(users["alice"]).get(url)  # without JavaScript: a page of its own
    assert page.status_code == 200 and "<html" in page.content.decode()


@needs_engine
def test_the_related_list_ranks_the_other_articles_passages(project, question, vance, claim, alice, client_for):
    from annotations.services.graph_jobs import index_articles

    index_articles(project, [vance.article_id, claim.article_id])
    html = unescape(client_for(alice).get(reverse("ui:related_list", args=[vance.pk]), HTTP_HX_REQUEST="true").content.decode())
    assert "data-related-item" in html and "Lavrov et Vance" in html
    assert 'data-related-key="x"' in html and 'data-related-key="n"' in html  # link, and answer the question
    assert f'<option value="{question.pk}">' in html


def test_proposals_of_the_origin_question_name_it(proposal):
    assert proposal.origin == CandidateOrigin.QUESTION


def test_linking_from_the_related_list_offers_to_accept_a_suggestion(project, vance, claim, alice, client_for):
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.CANDIDATE, origin=ClaimOrigin.SUGGESTED)
    html = unescape(client_for(alice).post(
        reverse("ui:related_link", args=[vance.pk]),
        {"target": claim.pk, "kind": "contradicts", "accept_target": "on"}, HTTP_HX_REQUEST="true",
    ).content.decode())
    assert "Claims linked." in html
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED and ClaimRelation.objects.get().kind == RelationKind.CONTRADICTS


def test_the_question_page_speaks_french(question, alice, client_for):
    client = client_for(alice)
    client.cookies["django_language"] = "fr"
    html = unescape(client.get(reverse("ui:question", args=[question.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Réponses candidates" in html and "Contradiction" in html and ">Oui<" in html and ">Non<" in html
    assert "1 paire d’affirmations répond à cette question de façon opposée" in html


@pytest.mark.parametrize("n", [2, 12])
def test_the_graph_pages_run_a_fixed_number_of_queries(n, project, alice, rita, client_for, make_articles,
                                                       django_assert_max_num_queries):
    articles = make_articles(project, n, claims=2)
    claims = list(Claim.objects.filter(article__in=articles).order_by("pk"))
    for i in range(n):
        q = graph_services.question_create(project=project, by=alice, text=f"Question {i} ?",
                                           claim=claims[2 * i], answer=Answer.YES)
        for other in claims[2 * i + 2::2][:3]:
            graph_services.answer_set(question=q, claim=other, answer=Answer.NO, by=alice)
    first = CheckQuestion.objects.order_by("pk").first()
    assert RelationCandidate.objects.count() >= n - 1
    pages = (
        (client_for(alice), reverse("ui:questions", args=[project.slug]), 12),
        (client_for(alice), reverse("ui:question", args=[first.pk]), 14),
        (client_for(rita), reverse("ui:relation_candidates", args=[project.slug]), 12),
    )
    for client, url, most in pages:
        client.get(url)
        with django_assert_max_num_queries(most):
            assert client.get(url).status_code == 200


def test_the_project_page_tells_reviewers_what_waits(project, proposal, alice, rita, client_for):
    url = reverse("ui:project", args=[project.slug])
    assert "1 proposed relation waits for a reviewer" in client_for(rita).get(url).content.decode()
    assert "proposed relation" not in client_for(alice).get(url).content.decode()


def test_candidate_answers_load_lazily_and_without_javascript(question, users, client_for):
    url = reverse("ui:question_candidates", args=[question.pk])
    assert anonymous_is_sent_to_login(Client().get(url))
    assert client_for(users["charlie"]).get(url).status_code == 404
    assert client_for(users["rhea"]).get(url).status_code == 403
    alice = client_for(users["alice"])
    partial = alice.get(url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    plain = alice.get(url)
    assert plain.status_code == 302 and plain["Location"].endswith(f"/questions/{question.pk}/?candidates=1#candidates")
    page = alice.get(reverse("ui:question", args=[question.pk]) + "?candidates=1").content.decode()
    assert 'id="candidate-list"' not in page and 'id="candidates"' in page
    assert client_for(users["alice"]).get(reverse("ui:question", args=[999999])).status_code == 404
