"""The candidate-claim suggestion engine: pure functions, no Django, no database."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from annotations.suggest import (
    ENGINE_VERSION,
    FEATURE_NAMES,
    GENERIC_FEATURES,
    KINDS,
    OUTPUT_FIELDS,
    Document,
    Suggestion,
    features,
    language_support,
    run_jsonl,
    segment,
    suggest,
    suggest_document,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEEDS = FIXTURES / "seeds"
EVAL = FIXTURES / "eval"

NBSP, NNBSP = "\u00a0", "\u202f"

# An English article written for these tests: attributed statements, numbers and dates next to
# opinion, speculation, a rhetorical question, a background sentence and page furniture.
ENGLISH = """# Council approves $2.4 billion flood barrier after decade of delays

By Jane Harrow

March 3, 2024

Photo: Reuters/John Doe

The city council voted 31-4 on Tuesday to approve a $2.4 billion flood barrier for the Eastport harbour, ending more than ten years of delays. Mayor Linda Osei said the first construction contracts would be signed in June. According to the U.S. Army Corps of Engineers, the barrier will protect about 140,000 residents from storm surges.

Dr. Samuel Reyes, a hydrologist at Northfield University, told reporters that sea levels in the harbour had risen 21 centimetres since 1950. "We have waited far too long," he said.

Critics call the project a breathtaking waste of money. It could also push property taxes higher, and some residents fear the works might disrupt the fishing season. Is this really the best the city can do?

The barrier was first proposed in 2013 by then-mayor J. D. Collins, who was voted out two years later. In a statement, the Eastport Fishermen's Association rejected the council's timetable and demanded compensation for lost income.

Eastport is a coastal city of 600,000 people, known for its Victorian docks and seafood markets.

It is a remarkable moment for the city. I think residents deserve better.

#Eastport #FloodBarrier
"""


def _quotes(text: str) -> list[str]:
    """The segmenter's spans as strings."""
    return [text[s.start:s.end] for s in segment(text)]


ARTICLE_VOICE = "(the article)"


def _speakers(text: str, lang: str) -> dict[str, str | None]:
    """quote -> speaker for every segment (threshold 0 keeps them all), ARTICLE_VOICE when the
    article itself asserts it (its speaker is then None)."""
    out: dict[str, str | None] = {}
    for s in suggest(text, lang, threshold=0.0).suggestions:
        assert not (s.asserted_by_article and s.speaker is not None)
        out[s.quote] = ARTICLE_VOICE if s.asserted_by_article else s.speaker
    return out


def _scores(text: str, lang: str) -> dict[str, float]:
    """quote -> score for every segment."""
    return {s.quote: s.score for s in suggest(text, lang, threshold=0.0).suggestions}


def _scorer() -> ModuleType:
    """The copied seed scorer, imported from its file (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("score_suggestions", EVAL / "score_suggestions.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seed_texts() -> dict[str, str]:
    """doc id -> article text, read as the scorer reads it."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# ---------------------------------------------------------------------------------------------
# Segmenter
# ---------------------------------------------------------------------------------------------


def test_it_keeps_french_guillemets_and_breaks_after_nbsp_punctuation() -> None:
    text = (
        f"Lavrov a dit{NBSP}: «{NBSP}Rien n’a changé.{NBSP}» Puis il est parti. "
        f"Vraiment{NNBSP}? Oui{NBSP}! C’est fini{NBSP}; le sommet est annulé."
    )
    assert _quotes(text) == [
        f"Lavrov a dit{NBSP}: «{NBSP}Rien n’a changé.{NBSP}»",
        "Puis il est parti.",
        f"Vraiment{NNBSP}?",
        f"Oui{NBSP}!",
        "C’est fini",  # a semicolon is a clause boundary; the clause drops the "; "
        "le sommet est annulé.",
    ]


def test_it_does_not_break_after_abbreviations_initials_and_decimals() -> None:
    text = (
        "M. Rubio a rencontré Mme Dupont et le Dr Watson le ven. 07 nov. 2025 à Paris. "
        "Les tarifs, les missiles, etc. ont été discutés. "
        "Il a cité J. D. Vance et un taux de 1.5 % aux U.S. hier. "
        "Rien de plus, etc. Le lendemain, tout a changé."
    )
    assert _quotes(text) == [
        "M. Rubio a rencontré Mme Dupont et le Dr Watson le ven. 07 nov. 2025 à Paris.",
        "Les tarifs, les missiles, etc. ont été discutés.",
        "Il a cité J. D. Vance et un taux de 1.5 % aux U.S. hier.",
        "Rien de plus, etc.",  # "etc." before a capital does end the sentence
        "Le lendemain, tout a changé.",
    ]


def test_it_handles_english_titles_and_quotes() -> None:
    text = 'Dr. Samuel Reyes told reporters. It rose 21 cm. “We waited,” he said. Then Mr. Smith left.'
    assert _quotes(text) == [
        "Dr. Samuel Reyes told reporters.",
        "It rose 21 cm.",
        "“We waited,” he said.",
        "Then Mr. Smith left.",
    ]


def test_it_strips_markdown_and_flags_layout() -> None:
    text = (
        "## **Le sommet et la proposition**\n\n*Felix Abt*\n\nven. 07 nov. 2025\n\n"
        "- premier point ;\n- second point.\n  1. Sanctuariser les gains\n\n"
        "The Ministry of Foreign  \nAffairs of Russia\n\n"
        "Une phrase coupée par\n\nune ligne vide. Fin."
    )
    segs = segment(text)
    got = [(text[s.start:s.end], s.heading, s.bullet, s.emphasis) for s in segs]
    assert got == [
        ("Le sommet et la proposition", True, False, True),
        ("Felix Abt", True, False, True),
        ("ven. 07 nov. 2025", True, False, False),
        ("premier point", False, True, False),
        ("second point.", False, True, False),
        ("Sanctuariser les gains", False, True, False),
        # a markdown hard break ("  \n") continues the line
        ("The Ministry of Foreign  \nAffairs of Russia", False, False, False),
        # a stray blank line inside a sentence does not cut it
        ("Une phrase coupée par\n\nune ligne vide.", False, False, False),
        ("Fin.", False, False, False),
    ]
    assert [s.first_in_block for s in segs][-2:] == [True, False]


def test_it_keeps_german_ordinals_together_for_generic_languages() -> None:
    text = "Der Bundestag hat am 3. März 2024 abgestimmt. „Wir halten die Regel ein.“ Lindner sprach."
    assert _quotes(text) != [text]  # French/English rules: "3." before a capital ends a sentence
    assert [text[s.start:s.end] for s in segment(text, ordinal_dots=True)] == [
        "Der Bundestag hat am 3. März 2024 abgestimmt.",
        "„Wir halten die Regel ein.“",
        "Lindner sprach.",
    ]


# ---------------------------------------------------------------------------------------------
# Offsets
# ---------------------------------------------------------------------------------------------


def test_it_gives_code_point_offsets_with_emoji_and_nbsp() -> None:
    text = (
        f"🙂🇫🇷 Le 𝕏 sommet{NBSP}: Lavrov a déclaré le 21 octobre que la position restait "
        f"inchangée{NNBSP}! 👍🏽 JD Vance a affirmé dimanche que la Russie avait fait 3 concessions.\n\n"
        f"« Nous restons fidèles{NBSP}», a ajouté le ministre Lavrov."
    )
    result = suggest(text, "fr", threshold=0.0)
    assert len(result.suggestions) == 3
    for s in result.suggestions:
        assert s.quote == text[s.start:s.end]
        assert s.quote == s.quote.strip()
    vance = result.suggestions[1]
    # A sentence may open on an emoji; offsets count code points, not UTF-16 units as browsers do.
    assert vance.start == text.index("👍🏽 JD Vance") == 85
    assert len(text[: vance.start].encode("utf-16-le")) // 2 == 89  # 🙂 🇫🇷 🇫🇷 𝕏 are 2 units each
    assert vance.quote.endswith("3 concessions.")


def test_it_returns_frozen_records_with_valid_fields() -> None:
    result = suggest(ENGLISH, "en", threshold=0.0)
    assert result.version == ENGINE_VERSION and result.language_support == "en"
    for s in result.suggestions:
        assert 0.0 <= s.score <= 1.0
        assert s.kind in KINDS
        assert s.version == ENGINE_VERSION
        assert 0 <= s.start < s.end <= len(ENGLISH)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.suggestions[0].score = 1.0  # type: ignore[misc]
    only_high = suggest(ENGLISH, "en")
    assert 0 < len(only_high.suggestions) < len(result.suggestions)
    assert all(s.score >= only_high.threshold for s in only_high.suggestions)
    assert suggest_document(Document(ENGLISH, "en")) == only_high


# ---------------------------------------------------------------------------------------------
# Speakers
# ---------------------------------------------------------------------------------------------


def test_it_extracts_french_speakers() -> None:
    text = (
        "Lavrov a déclaré que la position de la Russie restait inchangée. "
        "Selon JD Vance, la Russie a fait d'importantes concessions. "
        "Le ministre russe des Affaires étrangères, Sergueï Lavrov, a affirmé que rien n'avait changé. "
        "« Nous restons fidèles à cette formule », a ajouté le ministre Lavrov. "
        "Donald Trump a rencontré Vladimir Poutine le 15 août. "
        "Il a assuré que la paix était proche. "
        "Selon des sources, le sommet a été annulé. "
        "Le sommet a eu lieu le 15 août 2025 à Anchorage."
    )
    speakers = _speakers(text, "fr")
    assert list(speakers.values()) == [
        "Lavrov",
        "JD Vance",
        "Sergueï Lavrov",
        "Lavrov",
        ARTICLE_VOICE,
        "Donald Trump",  # "Il" resolved to the last named subject
        "des sources",
        ARTICLE_VOICE,
    ]


def test_it_extracts_english_speakers() -> None:
    speakers = _speakers(ENGLISH, "en")
    mayor = "Mayor Linda Osei said the first construction contracts would be signed in June."
    assert speakers[mayor] == "Linda Osei"
    assert speakers[
        "According to the U.S. Army Corps of Engineers, the barrier will protect about 140,000 "
        "residents from storm surges."
    ] == "U.S. Army Corps of Engineers"
    reyes = next(q for q in speakers if q.startswith("Dr. Samuel Reyes"))
    assert speakers[reyes] == "Samuel Reyes"  # not the apposition "a hydrologist at …"
    assert speakers['"We have waited far too long," he said.'] == "Samuel Reyes"
    assert speakers["Critics call the project a breathtaking waste of money."] == ARTICLE_VOICE


def test_it_never_names_a_placeholder_speaker() -> None:
    french = "Comme je l'ai dit, le sommet a eu lieu le 15 août. Lavrov a déclaré que rien n'avait changé."
    result = suggest(french, "fr", threshold=0.0)
    own, lavrov = result.suggestions
    # "comme je l'ai dit": the author's own voice, flagged, with no made-up name.
    assert (own.speaker, own.asserted_by_article) == (None, True)
    assert (lavrov.speaker, lavrov.asserted_by_article) == ("Lavrov", False)
    for text, lang in ((ENGLISH, "en"), (french, "fr"), ("Das Treffen fand am 15. August statt.", "de")):
        for s in suggest(text, lang, threshold=0.0).suggestions:
            assert s.speaker not in {"author", "auteur"} and "\x00" not in (s.speaker or "")


def test_it_leaves_the_article_voice_unknown_in_generic_languages() -> None:
    (s,) = suggest("Das Treffen fand am 15. August 2025 in Anchorage statt.", "de", threshold=0.0).suggestions
    assert (s.speaker, s.asserted_by_article) == (None, False)


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def test_it_scores_the_english_test_article_sensibly() -> None:
    result = suggest(ENGLISH, "en")
    got = {s.quote: s for s in result.suggestions}
    expected_in = [
        "The city council voted 31-4 on Tuesday",
        "Mayor Linda Osei said",
        "According to the U.S. Army Corps",
        "Dr. Samuel Reyes",
        "The barrier was first proposed in 2013",
        "In a statement, the Eastport Fishermen's Association rejected",
    ]
    for start in expected_in:
        assert any(q.startswith(start) for q in got), start
    expected_out = [
        "Council approves",  # heading
        "By Jane Harrow", "March 3, 2024", "Photo: Reuters/John Doe",
        "Critics call the project a breathtaking",  # opinion
        "It could also push",  # speculation
        "Is this really",  # rhetorical question
        "Eastport is a coastal city",  # background definition
        "It is a remarkable moment", "I think residents",  # opinion, first person
        "#Eastport",
    ]
    for start in expected_out:
        assert not any(q.startswith(start) for q in got), start
    kinds = {q[:20]: s.kind for q, s in got.items()}
    assert kinds["Mayor Linda Osei sai"] == "attributed_statement"
    assert kinds["The city council vot"] == "quantity"


def test_it_down_weights_the_guidelines_hard_negatives() -> None:
    scores = _scores(
        "Le Kremlin est convaincu que Washington ment. "
        "Cette décision pourrait changer le cours de la guerre. "
        "Faut-il en déduire que le sommet a échoué ? "
        "Je pense que ce sommet est un fiasco. "
        "Cette diplomatie d’une sophistication inouïe est remarquable. "
        "Le ministre Lavrov a déclaré le 21 octobre que la Russie rejetait la proposition américaine.",
        "fr",
    )
    *negatives, claim = scores.values()
    assert claim >= 0.9
    assert max(negatives) < 0.5


@pytest.mark.parametrize(
    ("lang", "base", "variants"),
    [
        (
            "fr",
            "Le ministre Lavrov a rencontré Marco Rubio le 20 octobre à Moscou.",
            [
                "Le ministre Lavrov a rencontré Marco Rubio le 20 octobre à Moscou ?",
                "Le ministre Lavrov a-t-il rencontré Marco Rubio le 20 octobre à Moscou ?",
                "Selon moi, le ministre Lavrov a rencontré Marco Rubio le 20 octobre à Moscou.",
                "Le ministre Lavrov pourrait rencontrer Marco Rubio le 20 octobre à Moscou.",
                "Si le ministre Lavrov rencontrait Marco Rubio à Moscou, la guerre prendrait fin.",
                "Le Kremlin est convaincu que Lavrov a rencontré Marco Rubio le 20 octobre à Moscou.",
                "Je pense que le ministre Lavrov a rencontré Marco Rubio le 20 octobre à Moscou.",
                "Le ministre Lavrov a rencontré Marco Rubio le 20 octobre à Moscou, une rencontre "
                "pathétique et absurde.",
                "Cette rencontre illustre la diplomatie du ministre Lavrov.",
            ],
        ),
        (
            "en",
            "Mayor Linda Osei met the governor on Tuesday in Eastport.",
            [
                "Did Mayor Linda Osei meet the governor on Tuesday in Eastport?",
                "Mayor Linda Osei might meet the governor on Tuesday in Eastport.",
                "I think Mayor Linda Osei met the governor on Tuesday in Eastport.",
                "Mayor Linda Osei believes the governor is in Eastport.",
                "Mayor Linda Osei met the governor on Tuesday in Eastport, a shameful and pathetic "
                "spectacle.",
            ],
        ),
    ],
)
def test_it_lowers_the_score_for_each_guideline_negative_cue(
    lang: str, base: str, variants: list[str]
) -> None:
    (base_score,) = _scores(base, lang).values()
    assert base_score >= 0.8
    for variant in variants:
        (score,) = _scores(variant, lang).values()
        assert score < base_score - 0.1, variant


def test_it_drops_encyclopedic_background_boxes() -> None:
    fact = "Elle a accueilli un sommet de 12 chefs d’État le 5 décembre 1994."
    text = (
        f"Budapest\n\nBudapest est la capitale de la Hongrie, fondée en 1873. {fact}\n\n"
        f"Le sommet de Budapest\n\n{fact}\n"
    )
    result = suggest(text, "fr", threshold=0.0)
    in_box, after = [s for s in result.suggestions if s.quote == fact]
    assert features(in_box)["in_box"] == 1.0 and in_box.score < 0.5
    assert features(after)["in_box"] == 0.0 and after.score >= 0.5


def test_it_meets_the_seed_gold_targets() -> None:
    hits = _scorer().hits
    gold: dict[str, list[tuple[tuple[int, int], int]]] = {}
    texts = _seed_texts()
    assert len(texts) == 5
    for line in (EVAL / "seeds_claims.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        start = texts[row["doc"]].index(row["quote"])
        gold.setdefault(row["doc"], []).append(((start, start + len(row["quote"])), row["priority"]))
    preds = {
        doc: [(s.start, s.end) for s in suggest(text, "fr").suggestions] for doc, text in texts.items()
    }

    found_p1 = [
        any(hits(p, span) for p in preds[doc]) for doc in gold for span, pr in gold[doc] if pr == 1
    ]
    tp = sum(any(hits(p, span) for span, _ in gold.get(doc, [])) for doc in preds for p in preds[doc])
    n_preds = sum(map(len, preds.values()))
    recall_p1 = sum(found_p1) / len(found_p1)
    precision = tp / n_preds
    assert len(found_p1) == 58
    assert recall_p1 >= 0.9, recall_p1
    assert precision >= 0.6, precision


def test_it_writes_predictions_the_scorer_reads(tmp_path: Path) -> None:
    out = tmp_path / "predictions.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for doc, text in _seed_texts().items():
            for s in suggest(text, "fr").suggestions:
                row = {"doc": doc, "start": s.start, "end": s.end, "score": s.score}
                fh.write(json.dumps(row) + "\n")
    run = subprocess.run(
        [sys.executable, str(EVAL / "score_suggestions.py"), str(out), "--json"],
        capture_output=True, text=True, check=True,
    )
    figures = json.loads(run.stdout)
    assert figures["recall_p1"] >= 0.9 and figures["precision"] >= 0.6


# ---------------------------------------------------------------------------------------------
# Generic languages
# ---------------------------------------------------------------------------------------------


def test_it_maps_language_codes() -> None:
    codes = ("fr", "fr-CA", "EN_us", "en", "de", "pt-BR", "", "xx-yy-zz")
    assert [language_support(c) for c in codes] == [
        "fr", "fr", "en", "en", "generic", "generic", "generic", "generic",
    ]


def test_it_uses_language_independent_cues_for_other_languages() -> None:
    text = (
        "## Bundestag beschließt Haushalt\n\nVon Anna Schmidt\n\n12.03.2024\n\n"
        "Der Bundestag hat am 3. März 2024 mit 412 zu 201 Stimmen den Haushalt für 2025 verabschiedet. "
        "Finanzminister Christian Lindner sagte, die Neuverschuldung sinke auf 16,6 Milliarden Euro. "
        "Ist das wirklich die beste Lösung?\n\n#Haushalt #Bundestag\n"
    )
    result = suggest(text, "de")
    assert result.language_support == "generic" and result.lang == "de"
    quotes = [s.quote for s in result.suggestions]
    assert quotes == [
        "Der Bundestag hat am 3. März 2024 mit 412 zu 201 Stimmen den Haushalt für 2025 verabschiedet.",
        "Finanzminister Christian Lindner sagte, die Neuverschuldung sinke auf 16,6 Milliarden Euro.",
    ]
    assert all(s.speaker is None and s.kind == "quantity" for s in result.suggestions)
    lexicon_cues = set(FEATURE_NAMES) - set(GENERIC_FEATURES)
    assert "speech" in lexicon_cues and "named_entities" not in lexicon_cues
    for s in result.suggestions:
        assert all(features(s)[name] == 0.0 for name in lexicon_cues)
        assert features(s)["named_entities"] > 0


# ---------------------------------------------------------------------------------------------
# Features
# ---------------------------------------------------------------------------------------------


def test_it_exposes_the_cues_as_features() -> None:
    text = "Lavrov a déclaré le 21 octobre que la Russie rejetait la proposition."
    s = suggest(text, "fr").suggestions[0]
    f = features(s)
    assert list(f) == list(FEATURE_NAMES)
    assert f["speech"] == 1.0 and f["date"] == 1.0 and f["opinion"] == 0.0
    assert isinstance(s, Suggestion) and dict(s.cues) == f
    sentence = "Cette diplomatie d’une sophistication inouïe pourrait échouer."
    assert features(sentence, "fr") == features(sentence, "fr")  # pure
    assert features(sentence, "fr")["opinion"] > 0 and features(sentence, "fr")["modal"] == 1.0
    assert features(sentence, "de")["opinion"] == 0.0  # no lexicon for German


# ---------------------------------------------------------------------------------------------
# JSONL
# ---------------------------------------------------------------------------------------------


def test_it_runs_over_jsonl() -> None:
    lines = [
        json.dumps({"id": "a", "text": "Lavrov a déclaré le 21 octobre que rien n'avait changé.",
                    "lang": "fr"}),
        "",
        json.dumps({"id": 7, "text": ENGLISH, "lang": "en"}),
    ]
    rows = list(run_jsonl(lines))
    assert rows[0] == {
        "id": "a", "start": 0, "end": 55,
        "quote": "Lavrov a déclaré le 21 octobre que rien n'avait changé.",
        "score": rows[0]["score"], "speaker": "Lavrov", "kind": "attributed_statement",
        "asserted_by_article": False,
    }
    assert all(tuple(r) == OUTPUT_FIELDS for r in rows)
    assert {r["id"] for r in rows} == {"a", 7}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 2: invalid JSON"),
        ("[1, 2]", "line 2: expected a JSON object"),
        ('{"id": "x", "lang": "fr"}', "line 2: missing field 'text'"),
        ('{"id": "x", "text": 3, "lang": "fr"}', "line 2: field 'text'"),
        ('{"id": "x", "text": "t", "lang": ""}', "line 2: field 'lang'"),
        ('{"id": true, "text": "t", "lang": "fr"}', "line 2: field 'id'"),
    ],
)
def test_it_names_the_line_and_field_of_bad_jsonl(line: str, message: str) -> None:
    good = json.dumps({"id": "ok", "text": "Lavrov a déclaré que rien n'avait changé.", "lang": "fr"})
    with pytest.raises(ValueError) as err:
        list(run_jsonl([good, line]))
    assert str(err.value).startswith(message)
