"""Offline language detection and the offline scoring command (`suggest_claims --offline`)."""
from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Article
from annotations.services.articles import article_save
from annotations.services.imports import articles_import
from annotations.suggest import DEFAULT_THRESHOLD, suggest
from annotations.suggest.language import _identifier, detect_language, detect_language_scored, detect_languages
from annotations.suggest.offline import read_documents, score_documents

SAMPLES = {
    "fr": "Le ministre russe des Affaires étrangères a affirmé mardi que la position de Moscou "
          "restait inchangée après le sommet d'Anchorage.",
    "en": "Vice President JD Vance said on Sunday that Russia had made significant concessions "
          "during the summit in Anchorage.",
    "es": "El ministro ruso de Asuntos Exteriores afirmó el martes que la posición de Moscú "
          "seguía sin cambios después de la cumbre de Anchorage.",
    "ar": "قال وزير الخارجية الروسي يوم الثلاثاء إن موقف موسكو لم يتغير بعد قمة أنكوريج.",
    "nl": "De Russische minister van Buitenlandse Zaken zei dinsdag dat het standpunt van Moskou "
          "na de top in Anchorage niet was veranderd.",
}
FR_ARTICLE = (
    "Sergueï Lavrov a déclaré le 21 octobre que la position de la Russie restait inchangée. "
    "Selon le Kremlin, 40 % des demandes américaines ont été rejetées lors du sommet."
)
EN_ARTICLE = (
    "JD Vance said on Sunday that Russia had made significant concessions. According to the "
    "White House, the talks lasted 3 hours and ended without an agreement on a ceasefire."
)
ES_ARTICLE = (
    "El Kremlin afirmó que la posición de Rusia no ha cambiado. Según el Gobierno, el 40 % de "
    "las exigencias estadounidenses fueron rechazadas durante la cumbre de Anchorage."
)


@pytest.fixture
def offline(no_network: None) -> Iterator[None]:
    """No network (tests/conftest.py), and the detector loaded afresh under that rule."""
    _identifier.cache_clear()
    yield
    _identifier.cache_clear()


def _jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


# --- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_it_detects_the_language_of_a_sentence(lang: str) -> None:
    assert detect_language(SAMPLES[lang]) == lang


def test_it_detects_offline_with_the_model_from_the_wheel(offline: None) -> None:
    assert detect_language(SAMPLES["fr"]) == "fr"
    with pytest.raises(OSError, match="offline"):  # the patch is in force
        socket.create_connection(("example.com", 80))


@pytest.mark.parametrize("text", ["", "Bonjour.", "   Oui, merci !   ", "12 345 678 90 12 34 56 78"])
def test_it_says_none_for_tiny_or_meaningless_text(text: str) -> None:
    assert detect_language(text) is None


def test_it_says_none_for_a_language_outside_the_supported_set() -> None:
    swahili = ("Rais wa Urusi alisema Jumanne kwamba msimamo wa Moscow haujabadilika baada ya "
               "mkutano wa kilele huko Anchorage.")
    lang, confidence = detect_language_scored(swahili)
    assert (lang, confidence > 0.5) == (None, True)  # recognised, but not a language we support


def test_it_reads_only_the_opening_of_a_long_text() -> None:
    # A French opening decides, whatever follows after the first thousand characters.
    text = (SAMPLES["fr"] + " ") * 8 + (SAMPLES["en"] + " ") * 200
    assert detect_language(text) == "fr"
    assert detect_language((SAMPLES["en"] + " ") * 200) == "en"


def test_many_texts_at_once_get_what_each_gets_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import detects a chunk at once: same model, same decision as one text at a time."""
    import annotations.suggest.language as language

    swahili = ("Rais wa Urusi alisema Jumanne kwamba msimamo wa Moscow haujabadilika baada ya "
               "mkutano wa kilele huko Anchorage.")
    texts = [
        *SAMPLES.values(), FR_ARTICLE, EN_ARTICLE, ES_ARTICLE, swahili, "", "Bonjour.",
        "12 345 678 90 12 34 56 78", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", SAMPLES["en"].upper(),
        "大統領は日曜日、ロシアが譲歩したと述べた。会談は三時間続いた。", "Le texte \ud800 continue ici, en français.",
        (SAMPLES["fr"] + " ") * 8 + (SAMPLES["en"] + " ") * 200, "Oui. " * 30, "x" * 5000,
        "\x01" * 25,  # no feature of the model at all
        # Article-length: CLD2 decides, or py3langid where CLD2 refuses (control characters).
        (FR_ARTICLE + " ") * 3, (EN_ARTICLE + " ") * 3, (ES_ARTICLE + " \x01 ") * 3,
        (SAMPLES["ar"] + " ") * 5, "x" * 300,
    ]
    alone = [detect_language(text) for text in texts]
    assert {"fr", "en", "es", "ar", "nl", "ja", None} <= set(alone)
    assert detect_languages(texts) == alone
    monkeypatch.setattr(language, "BATCH_BYTES", 300)  # several batches, texts of all lengths
    assert detect_languages(texts) == alone
    assert detect_languages([]) == []


def test_cld2_decides_article_length_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """From CLD2_MIN_CHARS on, CLD2 answers alone: py3langid is never consulted."""
    import annotations.suggest.language as language

    def no_py3langid(*args: object) -> None:
        raise AssertionError("py3langid was asked")

    monkeypatch.setattr(language, "_identifier", no_py3langid)
    monkeypatch.setattr(language, "_classify", no_py3langid)
    texts = {lang: (sample + " ") * (language.CLD2_MIN_CHARS // len(sample) + 1) for lang, sample in SAMPLES.items()}
    assert {lang: detect_language(text) for lang, text in texts.items()} == {lang: lang for lang in texts}
    assert detect_languages(list(texts.values())) == list(texts)
    # Traditional Chinese is CLD2's "zh-Hant": one "zh", as py3langid says.
    assert detect_language("總統週日表示，俄羅斯已經做出讓步。會談持續了三個小時，沒有達成停火協議。" * 8) == "zh"
    lang, share = detect_language_scored(texts["fr"])
    assert lang == "fr" and 0.9 < share <= 1.0


def test_py3langid_decides_what_cld2_cannot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short texts, and long ones CLD2 refuses (a control character) or is unsure of, go to py3langid."""
    import annotations.suggest.language as language

    asked: list[str] = []
    identifier = language._identifier()

    class Watched:
        def classify(self, text: str) -> tuple[str, float]:
            asked.append(text)
            return identifier.classify(text)

    monkeypatch.setattr(language, "_identifier", Watched)
    assert detect_language(SAMPLES["fr"]) == "fr"  # shorter than CLD2_MIN_CHARS
    assert detect_language((EN_ARTICLE + " \x01 ") * 3) == "en"  # CLD2 refuses control characters
    assert detect_language("x" * 300) is None  # CLD2 unsure, py3langid unsure too
    assert len(asked) == 3


# --- the pure offline scorer --------------------------------------------------------------------


def test_it_scores_each_document_as_the_engine_does() -> None:
    docs = read_documents([
        json.dumps({"id": "fr", "text": FR_ARTICLE, "lang": "fr"}),
        "",
        json.dumps({"id": 2, "text": "Bonjour.", "lang": "fr"}),
    ])
    rows = list(score_documents(docs))
    assert [r["id"] for r in rows] == ["fr", 2]  # the blank line is skipped, the empty doc kept
    expected = suggest(FR_ARTICLE, "fr").suggestions
    first = rows[0]
    assert [(s["start"], s["end"], s["score"]) for s in first["suggestions"]] == [
        (s.start, s.end, s.score) for s in expected
    ]
    assert first["checkworthy"] is True and first["score"] == max(s.score for s in expected)
    assert all(s["quote"] == FR_ARTICLE[s["start"]:s["end"]] for s in first["suggestions"])
    second = rows[1]
    assert (second["suggestions"], second["checkworthy"]) == ([], False)
    assert second["score"] < DEFAULT_THRESHOLD  # the best sentence's score, for ranking


def test_a_higher_threshold_keeps_fewer_suggestions_and_the_same_score() -> None:
    line = json.dumps({"id": "en", "text": EN_ARTICLE, "lang": "en"})
    low = next(score_documents(read_documents([line]), threshold=0.0))
    high = next(score_documents(read_documents([line]), threshold=0.99))
    assert len(low["suggestions"]) > len(high["suggestions"]) == 0
    assert (low["score"], low["checkworthy"], high["checkworthy"]) == (high["score"], True, False)


# --- the command --------------------------------------------------------------------------------


def test_it_runs_the_offline_command_without_network_or_database(tmp_path: Path, offline: None) -> None:
    # No django_db mark: pytest-django refuses any query, so this also proves no database is used.
    source = _jsonl(tmp_path / "docs.jsonl", [
        {"id": "en-1", "text": EN_ARTICLE, "lang": "en"},
        {"id": "fr-1", "text": FR_ARTICLE, "lang": "fr"},
        {"id": "es-1", "text": ES_ARTICLE, "lang": "es"},
        {"id": "es-2", "text": ES_ARTICLE.replace("Kremlin", "Gobierno ruso")},  # no language
        {"id": 5, "text": "Gracias.", "lang": None},  # none given, too short to detect
    ])
    target = tmp_path / "preds.jsonl"
    call_command("suggest_claims", "--offline", "--input", str(source), "--output", str(target))
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["lang"], r["lang_source"]) for r in rows] == [
        ("en-1", "en", "given"), ("fr-1", "fr", "given"), ("es-1", "es", "given"),
        ("es-2", "es", "detected"), (5, "und", "fallback"),
    ]
    for row in rows:
        assert set(row) == {"id", "lang", "lang_source", "suggestions", "checkworthy", "score"}
        assert row["checkworthy"] == any(s["score"] >= DEFAULT_THRESHOLD for s in row["suggestions"])
        assert row["score"] == max([s["score"] for s in row["suggestions"]], default=row["score"])
    assert rows[0]["checkworthy"] and rows[1]["checkworthy"]
    assert set(rows[0]["suggestions"][0]) >= {"start", "end", "quote", "score", "kind"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "preds.jsonl"]  # no temp left


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"id": "b", "lang": "fr"}, "line 2: missing field 'text'"),
        ({"id": "b", "text": ["x"], "lang": "fr"}, "line 2: field 'text' must be a string"),
        ({"id": "b", "text": "Texte.", "lang": 3}, "line 2: field 'lang' must be a string"),
        ({"id": None, "text": "Texte."}, "line 2: field 'id'"),
        ("not an object", "line 2: expected a JSON object"),
    ],
)
def test_it_refuses_a_bad_line_and_writes_nothing(tmp_path: Path, bad: object, message: str) -> None:
    source = _jsonl(tmp_path / "docs.jsonl", [
        {"id": "a", "text": FR_ARTICLE, "lang": "fr"}, bad, {"id": "c", "text": EN_ARTICLE},
    ])
    target = tmp_path / "preds.jsonl"
    with pytest.raises(CommandError) as err:
        call_command("suggest_claims", "--offline", "--input", str(source), "--output", str(target))
    assert str(err.value).startswith(f"docs.jsonl: {message}")
    assert str(err.value).endswith("nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl"]  # no output, no temp file


def test_it_names_the_line_of_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_bytes(
        json.dumps({"id": "a", "text": FR_ARTICLE}).encode() + b"\n"
        + b'{"id": "b", "text": "caf\xe9"}\n'
    )
    with pytest.raises(CommandError, match=r"docs.jsonl: line 2: not UTF-8 \(byte 25\); nothing was written"):
        call_command("suggest_claims", "--offline", "--input", str(source), "--output", str(tmp_path / "o.jsonl"))
    assert not (tmp_path / "o.jsonl").exists()


def test_it_uses_the_fallback_language_given_on_the_command_line(tmp_path: Path) -> None:
    source = _jsonl(tmp_path / "docs.jsonl", [{"id": "a", "text": "Lavrov a parlé."}])
    target = tmp_path / "preds.jsonl"
    call_command("suggest_claims", "--offline", "--input", str(source), "--output", str(target),
                 "--fallback-lang", "fr")
    row = json.loads(target.read_text(encoding="utf-8"))
    assert (row["lang"], row["lang_source"]) == ("fr", "fallback")


# --- articles without a language ----------------------------------------------------------------


@pytest.mark.django_db
def test_it_imports_an_article_without_language_with_the_detected_one(project, max_, tmp_path):
    assert project.language == "fr"
    path = _jsonl(tmp_path / "a.jsonl", [
        {"title": "EN", "body": EN_ARTICLE},
        {"title": "ES", "body": ES_ARTICLE},
        {"title": "given", "body": FR_ARTICLE + " Fin.", "lang": "fr-CA"},  # given: kept as is
        {"title": "short", "body": "Vance a parlé."},  # too short to tell: the project's language
    ])
    assert articles_import(project=project, path=path, by=max_).created == 4
    assert dict(Article.objects.values_list("title", "language")) == {
        "EN": "en", "ES": "es", "given": "fr-CA", "short": "fr",
    }


@pytest.mark.django_db
def test_it_detects_the_language_of_an_article_saved_without_one(project, max_):
    article = article_save(article=Article(project=project, title="x", body=EN_ARTICLE), by=max_)
    assert Article.objects.get(pk=article.pk).language == "en"
    kept = article_save(article=Article(project=project, title="y", body=ES_ARTICLE, language="fr"), by=max_)
    assert Article.objects.get(pk=kept.pk).language == "fr"  # a given language is never overridden
    unsure = article_save(article=Article(project=project, title="z", body="Vance a parlé."), by=max_)
    assert Article.objects.get(pk=unsure.pk).language == ""  # blank: readers use the project's
