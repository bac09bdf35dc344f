"""Cue features of one span: language-independent ones plus, for fr/en, the lexicon cues."""
from __future__ import annotations

import re

from .lexicons import LEXICONS, Lexicon

# Fixed order so the values can be used as a vector by a downstream classifier.
FEATURE_NAMES: tuple[str, ...] = (
    # layout
    "heading", "bullet", "emphasis", "in_box", "short", "long", "words",
    # language-independent content
    "digits", "year", "number", "amount", "date", "quote_marks", "quote_share", "named_entities",
    "caps_ratio", "question", "exclamation", "hashtag", "url", "date_only", "byline",
    # lexicon cues (always 0.0 for generic languages)
    "speech", "according", "inverted", "attributed", "event", "event_noun", "position", "causal",
    "belief", "modal", "modal_relative", "conditional", "future", "hedge_unattributed", "opinion",
    "interpretive", "demonstrative_analysis", "first_person", "actor", "background",
    "definitional", "navigation", "aphorism",
)

_WORD = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
_CAPITALISED = re.compile(r"(?<![\w’'#@])[A-ZÀ-ÖØ-ÞĀ-Ž\u0400-\u042f][\w’'-]*")
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]|20)\d\d(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?!\d)")
_PERCENT_OR_MONEY = re.compile(r"\d\s*(?:%|‰)|[$€£¥₽]\s*\d|\d\s*[$€£¥₽]")
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"|„[^“”]*[“”]")
_QUOTE_CHARS = re.compile(r"[«»“”„\"]")
_HASHTAG = re.compile(r"(?<![\w&])#\w+")
_URL = re.compile(r"https?://|www\.", re.I)
_QUESTION_END = re.compile(r"[?？][\s»”\"’)*_]*$")
_EXCLAMATION = re.compile(r"!")
# Tokens a date line is made of, in the two first-class languages and as numbers for all.
_DATE_TOKEN = re.compile(
    r"(?i)^(?:\d+(?:er|st|nd|rd|th)?|date|le|du|am|pm|h|janv|jan|janvier|january|fév|févr|feb|"
    r"février|february|mars|mar|march|avr|apr|avril|april|mai|may|juin|jun|june|juil|jul|juillet|"
    r"july|août|aug|august|sept|sep|septembre|september|oct|octobre|october|nov|novembre|november|"
    r"déc|dec|décembre|december|lun|mar|mer|jeu|ven|sam|dim|lundi|mardi|mercredi|jeudi|vendredi|"
    r"samedi|dimanche|mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|min|mn|sec)$"
)


def _flag(pattern: re.Pattern[str], text: str) -> float:
    """1.0 when the pattern occurs in text."""
    return 1.0 if pattern.search(text) else 0.0


def guess_lexicon(text: str, default: Lexicon) -> Lexicon:
    """Pick fr or en for one sentence of a fr/en document ("an English excerpt in a French article")."""
    if len(text) < 25:
        return default
    scores = {lang: len(lex.stopwords.findall(text)) for lang, lex in LEXICONS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= 2 and scores[best] > 2 * scores[default.lang]:
        return LEXICONS[best]
    return default


def extract(
    quote: str,
    lex: Lexicon | None,
    *,
    heading: bool = False,
    bullet: bool = False,
    emphasis: bool = False,
    in_box: bool = False,
) -> dict[str, float]:
    """Feature values of one span; `lex` None means only language-independent cues."""
    f = dict.fromkeys(FEATURE_NAMES, 0.0)
    words = _WORD.findall(quote)
    n = len(words)
    f["heading"] = float(heading)
    f["bullet"] = float(bullet)
    f["emphasis"] = float(emphasis)
    f["in_box"] = float(in_box)
    f["short"] = 1.0 if n < 6 else 0.0
    f["long"] = 1.0 if n > 45 else 0.0
    f["words"] = min(n, 60) / 60.0

    f["digits"] = _flag(_DIGIT, quote)
    f["year"] = _flag(_YEAR, quote)
    numeric_date = _flag(_NUMERIC_DATE, quote)
    outside = _QUOTED.sub(" ", quote)
    f["quote_marks"] = _flag(_QUOTE_CHARS, quote)
    f["quote_share"] = round(1.0 - len(outside) / len(quote), 3) if quote else 0.0
    caps = _CAPITALISED.findall(quote)
    # The first word is capitalised by position, not because it names something.
    first_cap = 1 if words and caps and quote.lstrip("«“\"‘'(*_-–— \u00a0").startswith(caps[0]) else 0
    names = len(caps) - first_cap
    f["named_entities"] = min(names, 4) / 4.0
    f["caps_ratio"] = round(len(caps) / n, 3) if n else 0.0
    f["question"] = _flag(_QUESTION_END, quote)
    f["exclamation"] = _flag(_EXCLAMATION, outside)
    tags = len(_HASHTAG.findall(quote))
    f["hashtag"] = 1.0 if tags and tags * 3 >= n else (0.5 if tags else 0.0)
    f["url"] = _flag(_URL, quote)
    f["date_only"] = 1.0 if n and all(_DATE_TOKEN.match(w) for w in words) else 0.0
    # "*Felix Abt*", "By Jane Doe": a short run of capitalised words and nothing else.
    f["byline"] = 1.0 if 2 <= n <= 4 and len(caps) == n and (emphasis or heading) else 0.0

    if lex is None:
        f["number"] = max(f["digits"], 0.0)
        f["amount"] = _flag(_PERCENT_OR_MONEY, quote)
        f["date"] = max(f["year"], numeric_date)
        return f

    f["number"] = max(f["digits"], _flag(lex.number_word, quote))
    f["amount"] = max(_flag(lex.amount, quote), _flag(_PERCENT_OR_MONEY, quote))
    f["date"] = max(f["year"], numeric_date, _flag(lex.date_word, quote))
    f["speech"] = _flag(lex.speech, quote)
    f["according"] = _flag(lex.according, quote)
    f["inverted"] = _flag(lex.inverted, quote)
    f["attributed"] = max(f["speech"], f["according"], f["inverted"])
    f["event"] = _flag(lex.event, outside)
    f["event_noun"] = _flag(lex.event_noun, quote)
    f["position"] = _flag(lex.position, quote)
    f["causal"] = _flag(lex.causal, outside)
    f["belief"] = _flag(lex.belief, outside)
    f["modal"] = _flag(lex.modal, outside)
    f["modal_relative"] = _flag(lex.modal_relative, outside)
    f["conditional"] = _flag(lex.conditional, outside)
    f["future"] = _flag(lex.future, outside)
    # A hedge inside reported speech is the speaker's; the speech act itself is still checkable.
    hedge = max(f["modal"] - f["modal_relative"], f["conditional"], f["future"])
    f["hedge_unattributed"] = hedge * (1.0 - f["attributed"])
    f["opinion"] = min(len(lex.opinion.findall(outside)), 2) / 2.0
    f["interpretive"] = _flag(lex.interpretive, outside)
    f["demonstrative_analysis"] = _flag(lex.demonstrative_analysis, quote)
    f["first_person"] = _flag(lex.first_person, outside)
    f["actor"] = _flag(lex.actor, quote)
    f["background"] = _flag(lex.background, quote)
    f["definitional"] = _flag(lex.definitional, quote)
    f["navigation"] = _flag(lex.navigation, quote)
    f["aphorism"] = _flag(lex.aphorism, quote)
    return f
