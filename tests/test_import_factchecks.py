"""Fact-check feeds: ClaimReview in every published shape becomes reference fact checks, bad items
are refused with their place and field, claims are matched to them and cite them as evidence."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from annotations.importers.claimreview import read_claimreview
from annotations.importers.reader import RecordError, detect_format
from annotations.models import Article, Evidence, Job, ReferenceFactCheck, Stance
from annotations.selectors.factchecks import factcheck_matches
from annotations.services.factchecks import factcheck_link_as_evidence, stance_for
from annotations.services.imports import ImportRefused, articles_import, source_import
from annotations.suggest.factcheck_match import content_words, rank, word_overlap

pytestmark = pytest.mark.django_db

FEEDS = Path(__file__).parent / "fixtures" / "factchecks"
DATACOMMONS = FEEDS / "datacommons_feed.json"
LIST = FEEDS / "claimreviews.jsonld"
SINGLE = FEEDS / "single_claimreview.jsonld"
GOOGLE = FEEDS / "google_factcheck_api.json"


def _records(path: Path) -> list:
    return list(read_claimreview(path.name, path.read_bytes()))


# --- reading (pure) -------------------------------------------------------------------------------


def test_it_reads_a_data_commons_datafeed():
    first, second = _records(DATACOMMONS)
    assert first.where == "dataFeedElement[0].item[0]"
    assert first.url == "https://factuel.example.org/verifications/concessions-russes-anchorage"
    assert first.claim_reviewed.startswith("La Russie a fait d'importantes concessions")
    assert (first.claimant, first.claim_date, first.review_date) == ("JD Vance", dt.date(2025, 8, 17), dt.date(2025, 8, 18))
    assert (first.publisher, first.publisher_site) == ("Factuel Exemple", "https://factuel.example.org")
    assert (first.rating_text, first.rating_value, first.best_rating, first.worst_rating) == ("Trompeur", 2.0, 5.0, 1.0)
    assert first.language == "fr" and first.raw["sdLicense"].startswith("https://creativecommons.org")
    # Numbers may be JSON numbers as well as text.
    assert (second.rating_text, second.rating_value, second.best_rating) == ("True", 5.0, 5.0)


def test_it_reads_a_list_one_review_and_google_fact_check_tools():
    position, sanctions = _records(LIST)
    assert position.title == "La position russe a-t-elle vraiment changé ?"
    assert position.claimant == "Sergueï Lavrov" and position.claim_date == dt.date(2025, 8, 16)
    # A rating with a name only is kept without numbers.
    assert (sanctions.rating_text, sanctions.rating_value, sanctions.best_rating) == ("Faux", None, None)
    [flat] = _records(SINGLE)
    assert (flat.claim_reviewed, flat.claimant, flat.rating_text, flat.rating_value) == (
        "The world is flat", "Square World Society", "False", 1.0)
    afp, surligneurs, politifact = _records(GOOGLE)
    assert afp.where == "claims[0].claimReview[0]" and surligneurs.where == "claims[0].claimReview[1]"
    assert afp.claim_reviewed == surligneurs.claim_reviewed  # one claim, two reviews
    assert (afp.publisher, afp.publisher_site, afp.rating_text, afp.language) == (
        "AFP Factuel", "factuel.afp.com", "Faux", "fr")
    assert afp.claim_date == dt.date(2025, 8, 16) and afp.review_date == dt.date(2025, 8, 17)
    assert afp.raw["claimReview"] == [json.loads(GOOGLE.read_text())["claims"][0]["claimReview"][0]]
    assert politifact.claimant == "Donald Trump"


def test_it_reads_claimreviews_one_a_line():
    lines = "\n".join(json.dumps(review) for review in json.loads(LIST.read_text())).encode()
    assert [r.url for r in read_claimreview("feed.jsonl", lines)] == [r.url for r in _records(LIST)]
    [bad] = [i for i in read_claimreview("feed.jsonl", lines.replace(
            b'"url": "https://factuel.example.org/verifications/sanctions-levees"', b'"url": 3'))
             if isinstance(i, RecordError)]
    assert (bad.line, bad.field) == (2, "url")


def test_the_format_is_told_from_the_content():
    assert [detect_format(p) for p in (DATACOMMONS, LIST, SINGLE, GOOGLE)] == ["claimreview"] * 4
    assert detect_format(Path(__file__).parent / "fixtures" / "tools" / "label_studio.json") == "labelstudio"


def _feed_with(change) -> bytes:
    feed = json.loads(DATACOMMONS.read_text())
    change(feed["dataFeedElement"][1]["item"][0])
    return json.dumps(feed).encode()


@pytest.mark.parametrize(("change", "field", "message"), [
    (lambda r: r.pop("url"), "dataFeedElement[1].item[0].url", "missing or empty"),
    (lambda r: r.update(url="ftp://x"), "dataFeedElement[1].item[0].url", "not an http(s) URL"),
    (lambda r: r.update(claimReviewed=""), "dataFeedElement[1].item[0].claimReviewed", "missing"),
    (lambda r: r["reviewRating"].update(ratingValue="vrai"), "dataFeedElement[1].item[0].reviewRating.ratingValue",
     "is not a number"),
    (lambda r: r["reviewRating"].update(ratingValue=9), "dataFeedElement[1].item[0].reviewRating.ratingValue",
     "outside worstRating"),
    (lambda r: r.update(reviewRating={"@type": "Rating"}), "dataFeedElement[1].item[0].reviewRating",
     "gives no rating"),
    (lambda r: r.update(datePublished="19/08/2025"), "dataFeedElement[1].item[0].datePublished", "not a date"),
    (lambda r: r.update({"@type": "Review"}), "dataFeedElement[1].item[0].@type", "not ClaimReview"),
    (lambda r: r.update(claimReviewed="a\x00b"), "dataFeedElement[1].item[0].claimReviewed", "NUL"),
    (lambda r: r["author"].update(name="x" * 301), "dataFeedElement[1].item[0].author", "at most 300"),
])
def test_it_refuses_a_bad_item_naming_its_place_and_field(change, field, message):
    items = list(read_claimreview("feed.json", _feed_with(change)))
    [error] = [i for i in items if isinstance(i, RecordError)]
    assert (error.file, error.field) == ("feed.json", field) and message in error.message, error


def test_it_refuses_bad_json_and_bad_shapes_with_their_line():
    [error] = read_claimreview("feed.json", b'{\n  "claims": [\n    {"text": "x",}\n  ]\n}')
    assert error.line == 3 and "not valid JSON" in error.message
    [error] = read_claimreview("feed.json", b'{"@type": "DataFeed", "dataFeedElement": {}}')
    assert error.field == "dataFeedElement"
    [error] = read_claimreview("feed.json", b'{"claims": [{"text": "x", "claimReview": []}]}')
    assert error.field == "claims[0].claimReview"
    [error] = read_claimreview("feed.json", b"\xff\xfe{}")
    assert "not valid UTF-8" in error.message


# --- importing ------------------------------------------------------------------------------------


def test_it_imports_every_shape_as_reference_fact_checks(project, max_):
    for path in (DATACOMMONS, LIST, SINGLE, GOOGLE):
        report = source_import(project=project, path=path, by=max_)
        assert report.created == report.records > 0
    assert ReferenceFactCheck.objects.filter(project=project).count() == 8
    assert Article.objects.count() == 0
    stored = ReferenceFactCheck.objects.get(url__endswith="concessions-russes-anchorage")
    assert (stored.rating_text, stored.rating_value, stored.best_rating, stored.worst_rating) == ("Trompeur", 2, 5, 1)
    assert stored.raw["@type"] == "ClaimReview" and stored.created_by == max_
    assert stored.history.count() == 1


def test_a_reimported_feed_refreshes_revised_reviews_and_skips_repeats(project, max_, tmp_path):
    source_import(project=project, path=DATACOMMONS, by=max_)
    feed = json.loads(DATACOMMONS.read_text())
    feed["dataFeedElement"][0]["item"][0]["reviewRating"]["alternateName"] = "Faux"
    feed["dataFeedElement"].append(copy.deepcopy(feed["dataFeedElement"][1]))
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    report = source_import(project=project, path=path, by=max_)
    assert (report.records, report.created, report.updated, report.duplicates) == (3, 0, 1, 1)
    assert report.duplicate_lines[0]["title"].startswith("dataFeedElement[2].item[0]")
    revised = ReferenceFactCheck.objects.get(url__endswith="concessions-russes-anchorage")
    assert revised.rating_text == "Faux" and revised.history.count() == 2


def test_a_feed_with_one_bad_item_writes_nothing(project, max_, tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(_feed_with(lambda r: r.pop("claimReviewed")))
    with pytest.raises(ImportRefused) as exc:
        source_import(project=project, path=path, by=max_)
    [error] = exc.value.errors
    assert (error.file, error.field) == ("feed.json", "dataFeedElement[1].item[0].claimReviewed")
    assert ReferenceFactCheck.objects.count() == 0


def test_a_gz_feed_imports_and_articles_import_refuses_a_feed(project, max_, tmp_path):
    path = tmp_path / "feed.jsonld.gz"
    path.write_bytes(gzip.compress(GOOGLE.read_bytes()))
    assert source_import(project=project, path=path, by=max_).created == 3
    with pytest.raises(ImportRefused, match="fact-check feed"):
        articles_import(project=project, path=DATACOMMONS, by=max_)


def test_only_managers_import_feeds(project, alice, charlie):
    from annotations.access import NotFound
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        source_import(project=project, path=SINGLE, by=alice)
    with pytest.raises((PermissionDenied, NotFound)):
        source_import(project=project, path=SINGLE, by=charlie)
    assert ReferenceFactCheck.objects.count() == 0


def test_the_command_imports_a_feed(project, max_, capsys):
    call_command("import_articles", str(GOOGLE), project=project.slug, user=max_.username)
    out = capsys.readouterr().out
    assert "3 fact checks read, 3 new, 0 updated" in out
    job = Job.objects.get()
    assert job.result["factchecks"] is True and job.result["created"] == 3
    bad = FEEDS.parent / "tools" / "doccano_sequence.jsonl"
    with pytest.raises(CommandError):
        call_command("import_articles", str(bad), project=project.slug, user=max_.username, format="claimreview")


# --- matching and linking -------------------------------------------------------------------------


def test_the_ranking_adds_shared_words_to_meaning():
    assert content_words("La Russie a fait d'importantes concessions.") == {"russie", "fait", "importantes", "concessions"}
    assert word_overlap(frozenset({"a", "b"}), frozenset({"b", "c", "d"})) == 0.5
    assert word_overlap(frozenset(), frozenset({"b"})) == 0.0
    import numpy as np

    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    query = np.array([1.0, 0.0], dtype=np.float32)
    texts = ["autre chose", "russie concessions", "rien"]
    ranked = rank(query, "russie concessions", vectors, texts, min_score=0.5, margin=1)
    # The exact restatement wins on cosine; the one sharing every word climbs to 0.75.
    assert [(r.index, r.score) for r in ranked] == [(0, 1.0), (1, 0.75)]
    # Far below the best, a candidate reviews a neighbouring claim: left out.
    assert [r.index for r in rank(query, "russie concessions", vectors, texts, min_score=0.5)] == [0]


def test_claims_are_matched_across_languages_and_linked_as_evidence(project, claim, alice, charlie):
    from annotations.access import NotFound

    source_import(project=project, path=DATACOMMONS, by=project.memberships.get(role="manager").user)
    source_import(project=project, path=LIST, by=project.memberships.get(role="manager").user)
    matches = factcheck_matches(claim)  # Lavrov: "la position de la Russie restait inchangée"
    assert matches and matches[0].factcheck.url.endswith("position-russe-inchangee")
    assert matches[0].score >= 0.55 and matches == sorted(matches, key=lambda m: -m.score)
    best = matches[0].factcheck
    assert stance_for(best) == Stance.CONTEXT  # 3 on a 1-5 scale
    evidence = factcheck_link_as_evidence(claim=claim, factcheck=best, by=alice)
    assert (evidence.url, evidence.publisher, evidence.stance) == (best.url, "Factuel Exemple", "context")
    assert evidence.passage == "Partiellement vrai — La position russe a-t-elle vraiment changé ?"
    assert evidence.published_on == dt.date(2025, 8, 17)
    with pytest.raises(ValidationError, match="already evidence"):
        factcheck_link_as_evidence(claim=claim, factcheck=best, by=alice)
    with pytest.raises(NotFound):
        factcheck_link_as_evidence(claim=claim, factcheck=best, by=charlie)
    assert Evidence.objects.count() == 1


def test_stances_follow_the_rating_scale(project, max_):
    source_import(project=project, path=DATACOMMONS, by=max_)
    false, true = ReferenceFactCheck.objects.order_by("review_date")
    assert (stance_for(false), stance_for(true)) == (Stance.REFUTES, Stance.SUPPORTS)
    # Without numbers, a plain verdict in words decides; a qualified one is context.
    false.rating_value = None
    assert stance_for(false) == Stance.CONTEXT  # "Trompeur"
    for text, stance in (("Faux", Stance.REFUTES), ("False.", Stance.REFUTES), ("True", Stance.SUPPORTS),
                         ("Mostly false", Stance.CONTEXT), ("", Stance.CONTEXT)):
        false.rating_text = text
        assert stance_for(false) == stance, text


def test_a_fact_check_of_another_project_cannot_be_linked(project, claim, alice, max_):
    from annotations.models import Membership, Project
    from annotations.services.projects import default_scheme

    other = Project.objects.create(name="Other", slug="other", scheme=default_scheme())
    Membership.objects.create(user=max_, project=other, role="manager")
    source_import(project=other, path=SINGLE, by=max_)
    with pytest.raises(ValidationError, match="another project"):
        factcheck_link_as_evidence(claim=claim, factcheck=ReferenceFactCheck.objects.get(), by=alice)
    assert factcheck_matches(claim) == []


def test_the_import_stores_vectors_so_matching_embeds_only_the_claim(project, claim, max_, monkeypatch):
    from annotations.suggest.embeddings import default_embedder

    source_import(project=project, path=LIST, by=max_)
    embedder = default_embedder()
    assert all(
        fc.embedder == embedder.name and len(fc.embedding) == 4 * embedder.dim
        for fc in ReferenceFactCheck.objects.all()
    )
    # A row without its vector (imported before vectors were kept) is embedded once, and stored.
    ReferenceFactCheck.objects.filter(url__endswith="sanctions-levees").update(embedding=None, embedder="")
    embedded: list[str] = []
    real = type(embedder).embed
    monkeypatch.setattr(type(embedder), "embed", lambda self, texts, batch_size=64: (embedded.extend(texts), real(self, texts, batch_size))[1])
    assert factcheck_matches(claim)[0].factcheck.url.endswith("position-russe-inchangee")
    reviews = {fc.claim_reviewed for fc in ReferenceFactCheck.objects.all()}
    assert [t for t in embedded if t in reviews] == ["Les sanctions contre la Russie ont été levées à Anchorage."]
    embedded.clear()
    factcheck_matches(claim)
    assert not [t for t in embedded if t in reviews]
    assert ReferenceFactCheck.objects.filter(embedding__isnull=True).count() == 0


def test_a_request_embeds_a_bounded_number_of_old_rows(project, claim, max_, monkeypatch):
    from annotations.selectors import factchecks as selector

    source_import(project=project, path=LIST, by=max_)
    ReferenceFactCheck.objects.update(embedding=None, embedder="")
    monkeypatch.setattr(selector, "EMBED_PER_REQUEST", 1)
    factcheck_matches(claim)
    assert ReferenceFactCheck.objects.filter(embedding__isnull=True).count() == 1
    factcheck_matches(claim)
    assert ReferenceFactCheck.objects.filter(embedding__isnull=True).count() == 0
    assert factcheck_matches(claim)[0].factcheck.url.endswith("position-russe-inchangee")
