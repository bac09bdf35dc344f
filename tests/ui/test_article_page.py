"""The article page: who may see it, what it shows, nested claims, blindness, escaping and a
query count that does not depend on the number of claims."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from annotations.models import (
    Annotation,
    Assignment,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Evidence,
    Outlet,
    Stance,
)
from annotations.selectors.article_page import assign_lanes, split_segments
from tests.ui import fixtures_article
from tests.ui.fixtures_article import HOSTILE, assert_no_live_markup, claim_on

pytestmark = pytest.mark.django_db

# Fixtures shared by the article page's tests (assigned, so pytest finds them here).
busy_article = fixtures_article.busy_article
hostile_article = fixtures_article.hostile_article


def page_url(article, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("ui:article", args=[article.pk]) + (f"?{query}" if query else "")


LAYOUT_TAGS = {"mark", "p", "h2", "h3", "h4", "h5", "h6", "span", "em", "strong"}


class BodyReader(HTMLParser):
    """The text of #article-body, and for each claim the text inside its marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # element depth inside the body; 0 = outside
        self.marks: list[str | None] = []
        self.text: list[str] = []
        self.by_claim: dict[str, list[str]] = defaultdict(list)
        self.classes: dict[str, set[str]] = defaultdict(set)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.depth == 0 and values.get("id") == "article-body":
            self.depth = 1
            return
        if self.depth:
            self.depth += 1
            # Claims are marks; the reading layout wraps text in blocks and styles, adding none.
            assert tag in LAYOUT_TAGS, f"only marks and layout inside the body, not <{tag}>"
            self.marks.append(values.get("data-claim") if tag == "mark" else None)
            if tag == "mark":
                self.classes[values["data-claim"]].update(values["class"].split())

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1
            if self.depth:
                self.marks.pop()

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)
            for claim_id in self.marks:
                if claim_id is not None:
                    self.by_claim[claim_id].append(data)


def read_body(html: str) -> BodyReader:
    reader = BodyReader()
    reader.feed(html)
    return reader


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["alice", "bob", "rita", "max", "rhea"])
def test_every_member_may_read_the_article(name, users, article, claim, client_for):
    response = client_for(users[name]).get(page_url(article))
    assert response.status_code == 200
    assert read_body(response.content.decode()).by_claim[str(claim.pk)]


def test_an_outsider_gets_404_and_an_anonymous_visitor_the_login_page(
    article, charlie, client_for, client
):
    assert client_for(charlie).get(page_url(article)).status_code == 404
    response = client.get(page_url(article))
    assert response.status_code == 302
    assert response.url.startswith(reverse("ui:login"))
    assert client_for(charlie).get(reverse("ui:article", args=[99999])).status_code == 404


def test_the_page_is_read_only_for_get(article, alice, client_for):
    assert client_for(alice).post(page_url(article)).status_code == 405


def test_claim_panel_partial_roles(article, claim, users, client_for, client):
    url = reverse("ui:claim_panel", args=[claim.pk])
    for name in ("alice", "rita", "rhea"):
        response = client_for(users[name]).get(url, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert f'data-claim-id="{claim.pk}"' in response.content.decode()
        assert "<html" not in response.content.decode()
    assert client_for(users["charlie"]).get(url, HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(url).status_code == 302
    # Without htmx the panel's address leads to the article page, focused on the claim.
    response = client_for(users["alice"]).get(url)
    assert response.status_code == 302 and response.url == page_url(article, claim=claim.pk)


def test_a_researcher_does_not_see_suggestions_even_by_id(article, rhea, alice, client_for):
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin=ClaimOrigin.SUGGESTED, score=0.9)
    html = client_for(rhea).get(page_url(article, claim=candidate.pk)).content.decode()
    assert f'data-claim="{candidate.pk}"' not in html and "Suggestions" not in html
    assert client_for(rhea).get(
        reverse("ui:claim_panel", args=[candidate.pk]), HTTP_HX_REQUEST="true"
    ).status_code == 404
    html = client_for(alice).get(page_url(article)).content.decode()
    assert f'data-claim="{candidate.pk}"' in html


# --- what the page shows ------------------------------------------------------------------------


def test_the_article_is_shown_with_its_metadata_and_exact_body(article, claim, alice, client_for):
    article.outlet = Outlet.objects.create(project=article.project, name="Le Monde", domain="lemonde.fr")
    article.author = "Jeanne Dupont"
    article.published_on = dt.date(2025, 8, 17)
    article.url = "https://www.lemonde.fr/a/1"
    article.save()
    html = client_for(alice).get(page_url(article)).content.decode()
    assert "Le Monde" in html and "Jeanne Dupont" in html
    assert 'datetime="2025-08-17"' in html and '<span title="Language">fr</span>' in html
    assert 'href="https://www.lemonde.fr/a/1" rel="noopener noreferrer nofollow"' in html
    body = read_body(html)
    # The DOM text is the stored body exactly: what selection.js counts offsets in.
    assert "".join(body.text) == article.body
    assert f'data-length="{len(article.body)}"' in html
    assert "".join(body.by_claim[str(claim.pk)]) == claim.quote


def test_a_non_web_article_url_is_never_a_link(article, alice, client_for):
    article.url = "ftp://example.org/x"
    article.save()
    html = client_for(alice).get(page_url(article)).content.decode()
    assert 'href="ftp:' not in html and "ftp://example.org/x" in html


def test_nested_and_overlapping_claims_each_keep_their_exact_text(
    project, alice, busy_article, client_for
):
    article = busy_article(project, 40)
    claims = list(article.claims.all())
    html = client_for(alice).get(page_url(article, claim=claims[0].pk)).content.decode()
    body = read_body(html)
    assert "".join(body.text) == article.body
    for claim in claims:
        assert "".join(body.by_claim[str(claim.pk)]) == claim.quote, claim.pk
    # Suggestions are styled apart, the focused claim is emphasised, lanes keep claims apart.
    candidate = next(c for c in claims if c.status == ClaimStatus.CANDIDATE)
    assert "candidate" in body.classes[str(candidate.pk)]
    assert "focus" in body.classes[str(claims[0].pk)]
    assert {"l0", "l1", "l2"} <= set().union(*body.classes.values())


def test_lanes_never_put_two_overlapping_claims_on_one_line():
    def c(pk, start, end):
        return Claim(pk=pk, start=start, end=end)

    claims = [c(1, 0, 10), c(2, 2, 5), c(3, 4, 12), c(4, 10, 20), c(5, 12, 14)]
    lanes = assign_lanes(claims)
    for a in claims:
        for b in claims:
            if a.pk != b.pk and a.start < b.end and b.start < a.end:
                assert lanes[a.pk] != lanes[b.pk], (a.pk, b.pk)
    assert lanes[4] == 0  # a lane is reused once its claim has ended
    segments = split_segments("x" * 25, claims, lanes)
    assert "".join(s.text for s in segments) == "x" * 25
    assert [s.start for s in segments] == [0, 2, 4, 5, 10, 12, 14, 20]
    assert {cl.pk for cl in segments[2].claims} == {1, 2, 3}


def test_claims_list_puts_suggestions_apart_with_score_kind_and_speaker(
    article, claim, alice, client_for
):
    candidate = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                         origin=ClaimOrigin.SUGGESTED, score=0.83, kind="event",
                         speaker="Un porte-parole")
    rejected = claim_on(article, "JD Vance a affirmé", status=ClaimStatus.REJECTED)
    html = client_for(alice).get(page_url(article, claim=candidate.pk)).content.decode()
    accepted_list = html.split('<ol class="claims accepted">')[1].split("</ol>")[0]
    suggestions = html.split('<ol class="claims candidates">')[1].split("</ol>")[0]
    assert f'id="claim-row-{claim.pk}"' in accepted_list
    assert f'id="claim-row-{candidate.pk}"' in suggestions
    assert "0.83" in suggestions and "Event" in suggestions and "Un porte-parole" in suggestions
    assert "1 rejected claim" in html
    assert f'data-claim="{rejected.pk}"' not in html  # not highlighted in the text
    panel = html.split('id="claim-panel"')[1].split("</section>")[0]
    assert 'data-hotkey="a"' in panel and 'data-hotkey="r"' in panel  # accept / reject
    assert "Score" in panel and "0.83" in panel


def test_a_claim_the_article_asserts_shows_its_voice_and_the_flag_in_both_languages(
    article, alice, client_for
):
    own = claim_on(article, "Le sommet a eu lieu", status=ClaimStatus.CANDIDATE,
                   origin=ClaimOrigin.SUGGESTED, score=0.7, speaker="Le Monde",
                   asserted_by_article=True)
    client = client_for(alice)
    html = client.get(page_url(article, claim=own.pk)).content.decode()
    suggestions = html.split('<ol class="claims candidates">')[1].split("</ol>")[0]
    assert "Le Monde" in suggestions and 'class="tag own-voice"' in suggestions
    assert ">the article itself<" in suggestions
    panel = html.split('id="claim-panel"')[1].split("</section>")[0]
    assert "<strong>Le Monde</strong>" in panel and ">the article itself<" in panel
    editor = html.split('class="claim-edit"')[1].split("</details>")[0]
    assert 'name="asserted_by_article" value="on" checked' in editor
    french = client.get(page_url(article, claim=own.pk), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    french = unescape(french)
    assert "l'article lui-même" in french and "L'article lui-même avance cette affirmation" in french
    assert "the article itself" not in french


def test_an_annotator_can_say_the_article_asserts_a_claim(article, claim, alice, client_for):
    client = client_for(alice)
    response = client.post(
        reverse("ui:claim_update", args=[claim.pk]),
        {"statement": "", "speaker": "", "asserted_by_article": "on", "version": claim.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.asserted_by_article is True
    client.post(
        reverse("ui:claim_update", args=[claim.pk]),
        {"statement": "", "speaker": "Lavrov", "version": claim.version}, HTTP_HX_REQUEST="true",
    )
    claim.refresh_from_db()
    assert (claim.speaker, claim.asserted_by_article) == ("Lavrov", False)  # unchecked: cleared


def test_the_verdict_form_offers_the_schemes_verdicts_with_their_hotkeys(
    article, claim, alice, verdicts, client_for
):
    html = client_for(alice).get(page_url(article, claim=claim.pk)).content.decode()
    for verdict in verdicts.values():
        assert f'value="{verdict.pk}"' in html
        assert f'data-hotkey="{verdict.hotkey}"' in html
    assert 'name="confidence" value="5"' in html and 'name="rationale"' in html
    help_box = html.split('id="help"')[1]
    for key in "123456":
        assert f"<kbd>{key}</kbd></dt>" in help_box


def test_reviewers_and_researchers_get_no_verdict_form(article, claim, rita, rhea, client_for):
    for user in (rita, rhea):
        html = client_for(user).get(page_url(article, claim=claim.pk)).content.decode()
        assert 'id="annotation-form"' not in html
    html = client_for(rhea).get(page_url(article, claim=claim.pk)).content.decode()
    assert 'id="claim-create-form"' not in html and 'id="evidence-form"' not in html


def test_every_hotkey_on_the_page_is_listed_in_the_help(
    project, article, claim, alice, client_for, make_articles
):
    assignment = Assignment.objects.create(
        project=project, article=article, annotator=alice, slot=0
    )
    html = client_for(alice).get(
        page_url(article, claim=claim.pk, assignment=assignment.pk)
    ).content.decode()
    hotkeys = set(re.findall(r'data-hotkey="([^"]+)"', html))
    assert {"c", "j", "k", "e", "l", "s", "v", "g g", "n", "S", "D", "1"} <= hotkeys
    assert "r" not in hotkeys  # an accepted claim is not rejected by one stray key
    help_box = html.split('id="help"')[1]
    listed = set(re.findall(r"<kbd>([^<]+)</kbd>", help_box))
    for hotkey in hotkeys:
        for key in hotkey.split(" "):
            assert key in listed, f"hotkey {hotkey!r} is not in the help overlay"


def test_guidelines_are_one_key_away_and_sanitised(project, article, alice, client_for):
    project.guidelines = "## Règle\n\nUne *phrase*. <script>alert(1)</script>"
    project.save()
    html = client_for(alice).get(page_url(article)).content.decode()
    overlay = html.split('id="guidelines"')[1]
    assert "<h2>Règle</h2>" in overlay and "<em>phrase</em>" in overlay
    assert 'data-guidelines-toggle data-hotkey="g g"' in html
    assert_no_live_markup(html)


def test_the_work_bar_shows_only_the_users_own_assignment(
    project, article, claim, alice, bob, client_for
):
    mine = Assignment.objects.create(project=project, article=article, claim=claim,
                                     annotator=alice, slot=0)
    theirs = Assignment.objects.create(project=project, article=article, claim=claim,
                                       annotator=bob, slot=1)
    html = client_for(alice).get(page_url(article, claim=claim.pk, assignment=mine.pk)).content.decode()
    assert f'action="{reverse("ui:skip", args=[mine.pk])}"' in html
    assert f'action="{reverse("ui:next", args=[project.slug])}"' in html
    assert reverse("ui:assignment_done", args=[mine.pk]) not in html  # claims finish by verdict
    html = client_for(alice).get(page_url(article, assignment=theirs.pk)).content.decode()
    assert "workbar" not in html


def test_a_focus_claim_of_another_article_is_ignored(project, article, claim, alice, busy_article,
                                                      client_for):
    other = busy_article(project, 2)
    html = client_for(alice).get(page_url(other, claim=claim.pk)).content.decode()
    panel_tag = re.search(r'<section id="claim-panel"[^>]*>', html).group(0)
    assert "data-claim-id" not in panel_tag
    assert client_for(alice).get(page_url(other, claim="x")).status_code == 200


# --- blindness ----------------------------------------------------------------------------------


@pytest.fixture
def bobs_work(claim, bob, verdicts):
    """bob's verdict, rationale and evidence on the shared claim."""
    Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts["refuted"],
                              rationale="BOB-SECRET-RATIONALE", confidence=4)
    Evidence.objects.create(claim=claim, added_by=bob, url="https://bob.example/ev",
                            title="BOB-SECRET-EVIDENCE", stance=Stance.REFUTES)
    return claim


def test_in_a_blind_project_alice_never_sees_bobs_work(
    project, article, bobs_work, alice, client_for
):
    assert project.blind
    client = client_for(alice)
    claim = bobs_work
    other = claim_on(article, "Le sommet a eu lieu")
    pages = [
        client.get(page_url(article, claim=claim.pk)),
        client.get(reverse("ui:claim_panel", args=[claim.pk]), HTTP_HX_REQUEST="true"),
        client.get(reverse("ui:cluster", args=[claim.pk])),
        client.post(reverse("ui:claim_update", args=[claim.pk]),
                    {"statement": "s", "speaker": "", "version": claim.version},
                    HTTP_HX_REQUEST="true"),
        client.post(reverse("ui:evidence_add", args=[claim.pk]),
                    {"stance": "supports", "url": "https://alice.example/"},
                    HTTP_HX_REQUEST="true"),
        client.post(reverse("ui:annotation_save", args=[claim.pk]), {"rationale": "mine"},
                    HTTP_HX_REQUEST="true"),
        client.post(reverse("ui:claim_decide", args=[claim.pk]),
                    {"status": "accepted", "version": 1}, HTTP_HX_REQUEST="true"),
        client.post(reverse("ui:claim_relate", args=[claim.pk]),
                    {"target": other.pk, "kind": "related"}, HTTP_HX_REQUEST="true"),
        client.get(reverse("ui:claim_search", args=[other.pk]) + "?q=Sergueï",
                   HTTP_HX_REQUEST="true"),
        client.get(reverse("ui:cluster", args=[other.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode()
        assert "BOB-SECRET" not in html and "bob.example" not in html
    # The verdict bob gave is nowhere in alice's panel except as a choice of her own form.
    panel = pages[1].content.decode()
    assert "verdict-chip" not in panel
    assert "Blind project" in panel


def test_reviewers_see_everyones_work_and_so_do_annotators_of_an_open_project(
    project, article, bobs_work, alice, rita, client_for
):
    html = client_for(rita).get(page_url(article, claim=bobs_work.pk)).content.decode()
    assert "BOB-SECRET-RATIONALE" in html and "BOB-SECRET-EVIDENCE" in html
    project.blind = False
    project.save()
    html = client_for(alice).get(page_url(article, claim=bobs_work.pk)).content.decode()
    assert "BOB-SECRET-RATIONALE" in html and "BOB-SECRET-EVIDENCE" in html


# --- escaping -----------------------------------------------------------------------------------


def test_hostile_text_never_becomes_markup_on_the_page_or_any_partial(
    hostile_article, alice, rita, client_for
):
    claim = hostile_article.claims.get()
    other = claim_on(hostile_article, "Après le texte", statement="Other " + HOSTILE)
    from annotations.services.claims import claim_relate

    claim_relate(source=claim, target=other, kind="contradicts", by=alice,
                 note="Note " + HOSTILE)
    for user in (alice, rita):
        client = client_for(user)
        responses = [
            client.get(page_url(hostile_article, claim=claim.pk)),
            client.get(reverse("ui:claim_panel", args=[claim.pk]), HTTP_HX_REQUEST="true"),
            client.get(reverse("ui:cluster", args=[claim.pk])),
            client.get(reverse("ui:claim_search", args=[claim.pk]) + "?q=Other",
                       HTTP_HX_REQUEST="true"),
            client.get(reverse("ui:claim_search", args=[claim.pk]) + "?q=Other"),
            client.get(reverse("ui:claim_search", args=[claim.pk]) + "?q=Other&mode=evidence",
                       HTTP_HX_REQUEST="true"),
            client.post(reverse("ui:claim_update", args=[claim.pk]),
                        {"statement": "New " + HOSTILE, "speaker": HOSTILE,
                         "version": Claim.objects.get(pk=claim.pk).version},
                        HTTP_HX_REQUEST="true"),
            client.post(reverse("ui:claim_decide", args=[claim.pk]),
                        {"status": "accepted", "version": 1}, HTTP_HX_REQUEST="true"),  # stale
            client.post(reverse("ui:evidence_add", args=[claim.pk]),
                        {"stance": "context", "url": "javascript:alert(1)", "title": HOSTILE},
                        HTTP_HX_REQUEST="true"),
            client.post(reverse("ui:claim_create", args=[hostile_article.pk]),
                        {"start": 0, "end": 5, "quote": HOSTILE}, HTTP_HX_REQUEST="true"),
        ]
        for response in responses:
            assert response.status_code == 200, response.content[:300]
            html = response.content.decode()
            assert_no_live_markup(html)
        for response in responses[:-1]:  # the last one, a refused span, quotes only the body
            assert "&lt;script&gt;" in response.content.decode()
    body = read_body(client_for(alice).get(page_url(hostile_article)).content.decode())
    assert "".join(body.text) == hostile_article.body


# --- queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "rita", "rhea"])
def test_the_query_count_is_fixed_whatever_the_number_of_claims(
    who, users, project, alice, bob, busy_article, client_for, django_assert_num_queries
):
    small = busy_article(project, 10, annotators=[alice, bob], evidence_by=alice, title="Small")
    big = busy_article(project, 300, annotators=[alice, bob], evidence_by=alice, title="Big")
    assert big.claims.count() == 300
    client = client_for(users[who])
    focus_small = small.claims.filter(status="accepted").first().pk
    focus_big = big.claims.filter(status="accepted").first().pk
    client.get(page_url(small))  # warm the session
    # session, user, article, roles (once a request), claims, verdicts, per-role lists, and the
    # panel's reads (+1 for those who find claims: the questions the focused claim answers;
    # researchers read the focused claim's links between adjudicated claims, one query)
    expected = {"alice": 11, "rita": 13, "rhea": 7}[who]
    with django_assert_num_queries(expected):
        response = client.get(page_url(big, claim=focus_big))
    assert response.status_code == 200
    with django_assert_num_queries(expected):
        client.get(page_url(small, claim=focus_small))
    html = response.content.decode()
    assert html.count('class="claim-row ') == (300 if who != "rhea" else 150)


def test_a_suggestion_says_why_it_was_suggested(client, project, article, max_):
    """The panel of a suggested claim names the cues that raised its score."""
    from annotations.services.jobs import job_run
    from annotations.services.suggestions import suggest_job_start, suggest_job_work

    job_run(suggest_job_start(project=project, by=max_).pk, suggest_job_work)
    claim = Claim.objects.filter(origin="suggested", quote__contains="Lavrov").first()
    assert claim is not None
    client.force_login(max_)
    page = client.get(reverse("ui:article", args=[article.pk]) + f"?claim={claim.pk}").content.decode()
    assert "Suggested for" in page and "reported speech" in page
