"""Cue features of one span: language-independent ones plus, for fr/en, the lexicon cues."""
from __future__ import annotations

import re

from .lexicons import LEXICONS, Lexicon, lowercase

# Cues computed for every language: layout, then language-independent content.
GENERIC_FEATURES: tuple[str, ...] = (
    "heading", "bullet", "emphasis", "in_box", "short", "long", "words",
    "digits", "year", "number", "amount", "date", "quote_marks", "quote_share", "named_entities",
    "caps_ratio", "question", "exclamation", "ends_colon", "hashtag", "url", "date_only", "byline",
    "empty_quote",
)
# Fixed order so the values can be used as a vector by a downstream classifier; the lexicon cues
# after the generic ones are always 0.0 for languages without a lexicon.
FEATURE_NAMES: tuple[str, ...] = GENERIC_FEATURES + (
    "speech", "according", "inverted", "attributed", "event", "past_state", "event_noun",
    "position", "causal", "belief", "modal", "modal_relative", "conditional", "future",
    "hedge_unattributed", "opinion", "interpretive", "demonstrative_analysis", "first_person",
    "actor", "background", "definitional", "navigation", "aphorism",
)

_WORD = re.compile(r"[^\W_]+(?:[’'-][^\W_]+)*")
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
    low = lowercase(text)
    scores = {lang: len(lex.stopwords.findall(low)) for lang, lex in LEXICONS.items()}
    best = max(scores, key=scores.__getitem__)
    if scores[best] >= 2 and scores[best] > 2 * scores[default.lang]:
        return LEXICONS[best]
    return default


def find_speech(low: str, lex: Lexicon) -> re.Match[str] | None:
    """The first speech-act verb of a lowercased span that is not a noun ("la menace")."""
    for m in lex.speech.finditer(low):
        if not lex.noun_before.search(low, max(0, m.start() - 12), m.start()):
            return m
    return None


def find_according(quote: str, low: str, lex: Lexicon) -> re.Match[str] | None:
    """A "selon X" / "according to X" phrase (matched on `low`) that names a source."""
    for m in lex.according.finditer(low):
        # "Selon" also means "in line with" ("selon des conditions convenues"); it introduces a
        # source when it opens a clause or when the phrase after it holds a capitalised name.
        head = quote[: m.start()].rstrip()
        source = quote[m.start("np"):m.end("np")]
        if not head or head[-1] in ",;:(–—«\"" or any(w[0].isupper() for w in _WORD.findall(source)):
            return m
    return None


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
    has_digits = f["digits"] > 0  # the number patterns below cannot match without one
    f["year"] = _flag(_YEAR, quote) if has_digits else 0.0
    numeric_date = _flag(_NUMERIC_DATE, quote) if has_digits else 0.0
    outside = _QUOTED.sub(" ", quote)  # the author's words, without quoted speech
    f["quote_marks"] = _flag(_QUOTE_CHARS, quote)
    f["quote_share"] = round(1.0 - len(outside) / len(quote), 3) if quote else 0.0
    if f["quote_share"] >= 0.5:
        # A span that is mostly a quotation naming nobody, with no number, asserts little
        # ("« Ce qui compte, ce n'est pas le lieu… », a déclaré Lavrov").
        quoted = " ".join(m.group(0)[1:] for m in _QUOTED.finditer(quote))
        inner = _WORD.findall(quoted)
        if not _DIGIT.search(quoted) and not any(w[0].isupper() for w in inner[1:]):
            f["empty_quote"] = 1.0
    caps = sum(1 for w in words if w[0].isupper())  # any script: Latin, Cyrillic, Greek…
    # The first word is capitalised by position, not because it names something.
    names = caps - (1 if n and words[0][0].isupper() else 0)
    f["named_entities"] = min(names, 4) / 4.0
    f["caps_ratio"] = round(caps / n, 3) if n else 0.0
    f["question"] = _flag(_QUESTION_END, quote)
    f["exclamation"] = _flag(_EXCLAMATION, outside)
    f["ends_colon"] = 1.0 if quote.rstrip().endswith(":") else 0.0  # introduces a list or quote
    tags = len(_HASHTAG.findall(quote))
    f["hashtag"] = 1.0 if tags and tags * 3 >= n else (0.5 if tags else 0.0)
    f["url"] = _flag(_URL, quote)
    f["date_only"] = 1.0 if n and all(_DATE_TOKEN.match(w) for w in words) else 0.0
    # "*Felix Abt*", "By Jane Doe": a short run of capitalised words and nothing else.
    f["byline"] = 1.0 if 2 <= n <= 4 and caps == n and (emphasis or heading) else 0.0

    if lex is None:
        f["number"] = f["digits"]
        f["amount"] = _flag(_PERCENT_OR_MONEY, quote) if has_digits else 0.0
        f["date"] = max(f["year"], numeric_date)
        return f

    # Lexicon patterns are lowercase and case-sensitive (fast); see lexicons.CASED.
    low = lowercase(quote)
    low_out = lowercase(outside)
    f["number"] = max(f["digits"], _flag(lex.number_word, low))
    f["amount"] = max(_flag(lex.amount, low), _flag(_PERCENT_OR_MONEY, quote) if has_digits else 0.0)
    f["date"] = max(f["year"], numeric_date, _flag(lex.date_word, low))
    f["speech"] = 1.0 if find_speech(low, lex) else 0.0
    f["according"] = 1.0 if find_according(quote, low, lex) else 0.0
    f["inverted"] = _flag(lex.inverted, low)
    f["attributed"] = max(f["speech"], f["according"], f["inverted"])
    f["event"] = max(_flag(lex.event, low_out), _flag(lex.passive_agent, outside))
    f["past_state"] = _flag(lex.past_state, low_out)
    f["event_noun"] = _flag(lex.event_noun, low)
    f["position"] = _flag(lex.position, low)
    f["causal"] = _flag(lex.causal, low_out)
    f["belief"] = _flag(lex.belief, low_out)
    f["modal"] = max(_flag(lex.modal, low_out), _flag(lex.hypothetical, quote))
    f["modal_relative"] = _flag(lex.modal_relative, low_out)
    f["conditional"] = _flag(lex.conditional, low_out)
    f["future"] = _flag(lex.future, low_out)
    # A hedge inside reported speech is the speaker's; the speech act itself is still checkable.
    hedge = max(f["modal"] - f["modal_relative"], f["conditional"], f["future"])
    f["hedge_unattributed"] = hedge * (1.0 - f["attributed"])
    f["opinion"] = min(len(lex.opinion.findall(low_out)), 2) / 2.0
    f["interpretive"] = _flag(lex.interpretive, low_out)
    f["demonstrative_analysis"] = _flag(lex.demonstrative_analysis, quote)
    f["first_person"] = _flag(lex.first_person, outside)
    f["actor"] = _flag(lex.actor, low)
    f["background"] = _flag(lex.background, low)
    f["definitional"] = _flag(lex.definitional, quote)
    f["navigation"] = _flag(lex.navigation, quote)
    f["aphorism"] = _flag(lex.aphorism, low)
    return f
