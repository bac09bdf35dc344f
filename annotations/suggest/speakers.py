"""Who a span attributes its claim to: "Lavrov a déclaré que…", "selon JD Vance…", "…, he said"."""
from __future__ import annotations

import re

from .cues import find_according, find_speech
from .lexicons import Lexicon, lowercase

_NAME_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-ZÀ-ÖØ-Þ][\w’'-]*|[A-Z]\.)"
NAME = re.compile(
    rf"(?<![\w’'.])(?:[LDld][’'])?{_NAME_TOKEN}"
    rf"(?:\s+(?:(?:de|du|van|von|der|bin|ben|al|el|da|di|del|la|le|of|for)\s+)?{_NAME_TOKEN})*"
)
# Capitalised words that start sentences or phrases without naming anyone.
_STOP_CAPS = frozenset(
    """le la les l un une des du de d ce cet cette ces il elle ils elles on nous je selon mais et
    pour dans en au aux lors depuis après avant sur par avec sans si quand lorsque alors pourtant
    cependant néanmoins toutefois enfin or puis ainsi face malgré contrairement parallèlement
    s’exprimant dès plus leur leurs son sa ses c’est c'est the a an this that these those he she
    they it we i but and in on at for according after before when while if as by with from
    however meanwhile still yet""".split()
)
_PREPOSITIONS = frozenset(
    """de des du d à au aux en sur dans par pour avec sans vers chez entre contre of in at to from
    for with by on into about against between""".split()
)
_TITLES = re.compile(
    r"^(?:(?:M|Mme|Mlle|Dr|Pr|Mr|Mrs|Ms|Prof|Gen|Sen|Rep|Gov|Col|Lt|Capt|Sgt|Adm|Rev|St)\.?|"
    r"Président|Présidente|Ministre|Général|Maître|Monsieur|Madame|Sénateur|Maire|Juge|President|"
    r"Vice|Prime|Minister|Foreign|Secretary|Chancellor|Senator|General|Spokesman|Spokeswoman|"
    r"Spokesperson|Analyst|Mayor|Governor|Judge|Justice|Ambassador|Commissioner|Chairman|"
    r"Chairwoman|Director|Sir|Dame|Lord|Lady|King|Queen|Pope|Colonel|Captain|Admiral|"
    r"Congressman|Congresswoman|Representative)\s+"
)
_STRESSED = re.compile(r"^\W*(?:lui|elle|eux|elles|lui-même|elle-même|himself|herself)\W*$", re.I)
_RELATIVE_END = re.compile(r"\s+(?:qui|qu[’']il|qu[’']elle|who|which|that)\s*$", re.I)
_GERUND = re.compile(r"^\W*(?:en\s+)?[a-zà-ÿ]+(?:ant|ing)\b", re.I)
_SPLIT_CLAUSE = re.compile(r"[;:«»“”]")
# The author (or "people") speaking: "comme je l'ai dit", "on l'a dit", "as we reported".
_AUTHOR_PRONOUN = re.compile(r"(?:^|\s)(?:[Jj]e|[Oo]n|[Nn]ous|I|[Ww]e)(?:\s+[a-z]{1,2}[’'])?\s*$")
_PRONOUN_ANYWHERE = re.compile(r"(?<![\w-])(?:il|elle|ils|elles|he|she|they)(?![\w-])", re.I)
# Auxiliaries and adverbs between a subject and its verb: "Moscow has repeatedly denied".
_TRAILING_AUX = re.compile(
    r"(?:\s+(?:has|have|had|is|are|was|were|would|also|then|now|never|again|already|later|"
    r"earlier|repeatedly|previously|publicly|recently|officially|reportedly|separately|initially|"
    r"formally|privately|openly|clearly|firmly|strongly|flatly|categorically|immediately))+\s*$"
)
# A possessive names an institution by its owner: "Russia's defence ministry said".
_POSSESSIVE = re.compile(r"^[A-Z][\w-]*['’]s\s+[a-z]")
_MAX_NP_WORDS = 7
# What find_speaker returns when the article's own voice speaks; never a speaker's name.
ARTICLE = "\x00article"


def clean_name(run: str) -> str:
    """Strip elision, leading function words and titles from a capitalised run."""
    tokens = run.split()
    while tokens:
        tok = tokens[0]
        bare = re.sub(r"^[LDld][’']", "", tok)
        if tok.lower().rstrip(".") in _STOP_CAPS or not bare[:1].isupper():
            tokens.pop(0)
            continue
        if bare != tok:
            tokens[0] = bare
        break
    name = " ".join(tokens)
    while True:
        stripped = _TITLES.sub("", name)
        if stripped == name:
            return name
        name = stripped


def names_in(text: str, known: frozenset[str] | None = None) -> list[tuple[int, str]]:
    """(offset, name) of capitalised runs that plausibly name someone."""
    out: list[tuple[int, str]] = []
    for m in NAME.finditer(text):
        name = clean_name(m.group(0))
        if not name or name.lower() in _STOP_CAPS:
            continue
        before = text[: m.start()].rstrip().rsplit(None, 1)
        prev = before[-1].lower().strip("’'") if before else ""
        if prev in _PREPOSITIONS:
            continue  # "ministre des Affaires étrangères", "sommet d'Anchorage"
        at_start = not text[: m.start()].strip(" \t\u00a0«“\"(*-–—")
        if at_start and known is not None and " " not in name and name not in known:
            continue  # sentence-initial "Message double" is not a name
        out.append((m.start(), name))
    return out


def _noun_phrase(chunk: str, lex: Lexicon) -> str | None:
    """A short determiner-led phrase ("les observateurs") usable as a speaker, else None."""
    chunk = chunk.strip(" \t\u00a0,–—-*")
    if lex.determiner.match(chunk) and len(chunk.split()) <= _MAX_NP_WORDS:
        return chunk[0].lower() + chunk[1:]
    return None


def _speaker_from_phrase(phrase: str) -> str | None:
    """Name inside a source phrase ("du ministre … Lavrov" -> "Lavrov"), else the phrase."""
    names = names_in(phrase)
    if names:
        return names[-1][1]
    phrase = phrase.strip(" \t\u00a0,–—-*")
    words = phrase.split()
    if not words or len(words) > _MAX_NP_WORDS:
        return None
    return phrase[0].lower() + phrase[1:]


def find_speaker(quote: str, lex: Lexicon, known: frozenset[str], previous: str | None) -> str | None:
    """Who the span attributes its claim to (ARTICLE: the article's own voice); `previous`
    resolves a pronoun subject."""
    low = lowercase(quote)  # lexicon patterns are lowercase; offsets are the same as in quote
    m = find_according(quote, low, lex)
    if m:
        sp = _speaker_from_phrase(quote[m.start("np"):m.end("np")])
        if sp:
            return sp
    m = lex.inverted.search(low)
    if m:
        phrase = quote[m.start("np"):m.end("np")]
        names = names_in(phrase)
        if names:
            return names[-1][1]
        np = _noun_phrase(phrase, lex)
        if np:
            return np
    m = find_speech(low, lex)
    if not m:
        return None
    pre = quote[: m.start()]
    if lex.speech_participle.fullmatch(m.group(0).strip()) or _GERUND.match(m.group(0)):
        # "…, déclarant que": the speaker is the subject of the main clause.
        names = names_in(pre, known)
        if names:
            return names[0][1]
        return previous if _PRONOUN_ANYWHERE.search(pre) else None
    pre = _SPLIT_CLAUSE.split(pre)[-1]
    chunks = [
        _TRAILING_AUX.sub("", _RELATIVE_END.sub("", c)).strip(" \t\u00a0–—-*") for c in pre.split(",")
    ]
    for i in range(len(chunks) - 1, -1, -1):
        chunk = chunks[i]
        if not chunk or _STRESSED.match(chunk):
            continue  # "Trump, lui, a répété"
        if _AUTHOR_PRONOUN.search(chunk):
            return ARTICLE  # "comme je l'ai dit", "on l'a dit"
        if lex.pronoun_subject.match(chunk):
            return previous
        if _POSSESSIVE.match(chunk) and len(chunk.split()) <= _MAX_NP_WORDS:
            return chunk
        # A lone capitalised word right before the verb is its subject even if seen nowhere else.
        names = names_in(chunk, None if " " not in chunk else known)
        if names:
            return names[-1][1]
        np = _noun_phrase(chunk, lex)
        if np:
            # An apposition names its head just before: "Dr. Reyes, a hydrologist at X, told".
            if i > 0:
                head = names_in(chunks[i - 1], known)
                if head and chunks[i - 1].endswith(head[-1][1]):
                    return head[-1][1]
            return np
        if _GERUND.match(chunk) or chunk.split()[0].lower() in _PREPOSITIONS:
            continue  # "écrivant dans Kommersant", "lors d'une conférence"
        break
    names = names_in(pre, known)
    return names[0][1] if names else None
