"""What the relation engine reads in one passage: content stems, names, dates, numbers, polarity.

Pure Python (stdlib `re`, `unicodedata`), no Django. Every word list here names a *kind* of word
(function words, negations, month names, "no change" words) in French, English and Spanish; none
comes from a particular article. Other languages get the language-independent parts (digits,
capitalised names, dates written with digits) and no negation cues.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+(?:[-][^\W_]+)*")
_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,  ]\d{3})*(?:[.,]\d+)?(?![\w])")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")

# Function words of the three lexicon languages (and frequent verbs of saying, which every news
# sentence carries and which say nothing about what a claim is about).
_STOP_FR = """a à ai aie ait alors après as au aucun aussi autre aux avait avant avec avoir ayant
bien c ça car ce ceci cela celle celles celui cependant ces cet cette ceux chaque ci comme comment
d dans de depuis des donc dont du elle elles en encore entre est et étaient était été être eu eux
fait faire fois font ici il ils j je jusqu l la le les leur leurs lors lui m ma mais me même mes
moi mon n ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi puis qu
quand que quel quelle quelles quels qui s sa sans se selon ses si son sont sous sur t ta tandis
te tes toi ton tous tout toute toutes très tu un une vos votre vous y déjà ainsi afin auprès
dit déclaré affirmé indiqué souligné estimé ajouté selon également notamment toujours"""
_STOP_EN = """a about after all also an and any are as at be been before being between both but by
can could did do does during each for from had has have having he her here hers him his how i if
in into is it its itself just may me might more most must my no nor not of off on once only or
other our ours out over own same she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours said says told stated according also still"""
_STOP_ES = """a al algo algunos ante antes como con contra cual cuando de del desde donde durante e el
él ella ellas ellos en entre era es esa ese eso esta este esto estos fue fueron ha han hasta hay la
las le les lo los más me mi muy ni no nos o os para pero por porque que quien se sea ser si sin
sobre su sus también te tiene todo todos tu un una uno unos y ya dijo afirmó según"""
STOPWORDS: frozenset[str] = frozenset((_STOP_FR + " " + _STOP_EN + " " + _STOP_ES).split())

# Negation and refusal: a claim and its denial share their content words and differ by these.
NEGATIONS: dict[str, frozenset[str]] = {
    "fr": frozenset("""ne n pas jamais aucun aucune aucunement nul nulle rien personne guère
        sans refus refuse refusé refusant refuser rejet rejette rejeté rejetant démenti dément
        nie nié niant""".split()),
    "en": frozenset("""not no never none nothing nobody neither nor without cannot refuse refused
        refuses refusing reject rejected rejects rejecting deny denied denies denying n't""".split()),
    "es": frozenset("""no nunca jamás ningún ninguna ninguno nada nadie sin ni rechazo rechaza
        rechazó rechazado niega negó""".split()),
}
# "No change" words: a claim that something moved and one that it stayed put contradict each
# other without sharing a word ("a fait des concessions" / "reste inchangée").
STASIS: dict[str, frozenset[str]] = {
    "fr": frozenset("""inchangé inchangée inchangés inchangées intact intacte intacts intactes
        immuable maintient maintenu maintenue statu inflexible fermement""".split()),
    "en": frozenset("""unchanged unaltered intact unmoved firm firmly maintained maintains
        unwavering""".split()),
    "es": frozenset("""inalterado inalterada intacto intacta firme firmemente mantiene
        mantenido""".split()),
}
# Words that say something changed, moved or was given up: the other side of STASIS.
CHANGE: dict[str, frozenset[str]] = {
    "fr": frozenset("""concession concessions changé changement changements inflexion recul
        reculé cédé céder revirement abandon abandonné assoupli percée""".split()),
    "en": frozenset("""concession concessions changed change shift shifted softened backed
        retreat retreated gave conceded breakthrough abandoned""".split()),
    "es": frozenset("""concesión concesiones cambio cambió cambiado cedió ceder
        giro retroceso abandonó""".split()),
}

# Number words from two up ("un"/"one" are mostly articles): "trois heures" and "3 heures" are
# the same quantity.
NUMBER_WORDS: dict[str, str] = {}
for _lang_words in (
    "deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize",
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen",
    "dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince dieciséis",
):
    for _value, _word in enumerate(_lang_words.split(), start=2):
        NUMBER_WORDS[_word] = str(_value)
for _word, _value in (
    ("vingt", 20), ("trente", 30), ("quarante", 40), ("cinquante", 50), ("cent", 100),
    ("mille", 1000), ("twenty", 20), ("thirty", 30), ("forty", 40), ("fifty", 50),
    ("hundred", 100), ("thousand", 1000), ("veinte", 20), ("treinta", 30), ("cuarenta", 40),
    ("cincuenta", 50), ("cien", 100), ("mil", 1000),
):
    NUMBER_WORDS[_word] = str(_value)

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate((
    "janvier january enero jan janv", "février fevrier february febrero feb fév févr",
    "mars march marzo mar", "avril april abril apr avr", "mai may mayo",
    "juin june junio jun", "juillet july julio jul juil", "août aout august agosto aug",
    "septembre september septiembre sep sept", "octobre october octubre oct",
    "novembre november noviembre nov", "décembre decembre december diciembre dec déc",
), start=1):
    for _n in _names.split():
        _MONTHS[_n] = _i
# Vague parts of a month ("début août", "early August"): a date that conflicts with a precise day
# outside that part.
_PART_OF_MONTH = {
    "début": "early", "early": "early", "principios": "early", "comienzos": "early",
    "mi": "mid", "mid": "mid", "mediados": "mid", "milieu": "mid",
    "fin": "late", "late": "late", "finales": "late",
}
_MONTH_RX = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"(?i)(?<!\w)(?:(?P<part>{'|'.join(_PART_OF_MONTH)})[ \u00a0-]+(?:d['’]\s*|de\s+|of\s+)?"
    rf"|(?P<day>\d{{1,2}})(?:er|st|nd|rd|th)?[ \u00a0]+(?:de[ \u00a0]+)?)?"
    rf"(?P<month>{_MONTH_RX})\.?(?:[ \u00a0]+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?\b)?"
    rf"(?:,?[ \u00a0]+(?:de[ \u00a0]+)?(?P<year>(?:19|20)\d\d))?(?!\w)"
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date in a passage: month (1-12), day or None, part of month or None, year or None."""

    month: int
    day: int | None
    part: str | None
    year: int | None

    def label(self) -> str:
        """A short English rendering for reasons ("early August", "15 August 2025")."""
        month = ("January February March April May June July August September October "
                 "November December").split()[self.month - 1]
        head = f"{self.part} {month}" if self.part else f"{self.day} {month}" if self.day else month
        return f"{head} {self.year}" if self.year else head


@dataclass(frozen=True, slots=True)
class Reading:
    """What the engine reads in one passage."""

    stems: frozenset[str]  # content-word stems
    names: frozenset[str]  # capitalised words that are not sentence openers, lowercased stems
    dates: tuple[DateMention, ...]
    numbers: frozenset[str]  # digits, normalised ("3", "12", "350000"); years excluded
    negations: tuple[str, ...]  # negation and refusal words found, in order
    negated: frozenset[str]  # stems within NEGATION_SCOPE words after a negation or refusal
    stasis: tuple[str, ...]  # "no change" words found
    change: tuple[str, ...]  # "change" words found
    words: int


def lang_code(lang: str | None) -> str:
    """"fr-CA" → "fr"; unknown or empty → ""."""
    return (lang or "").strip().lower().replace("_", "-").split("-")[0]


def fold(word: str) -> str:
    """Lowercase without accents: "Inchangée" → "inchangee"."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_SUFFIXES = (
    "issements", "issement", "ements", "ement", "ations", "ation", "itions", "ition", "ements",
    "ments", "ment", "ances", "ance", "ences", "ence", "euses", "euse", "eurs", "eur", "ives",
    "ive", "ifs", "ees", "ee", "es", "e", "s", "x",
)
STEM_LENGTH = 6
NEGATION_SCOPE = 3  # content words after "ne", "not", "sans", "refusant de"… that the negation covers


@lru_cache(maxsize=262144)
def stem(word: str) -> str:
    """A light stem for French, English and Spanish: fold, cut one inflection, keep 6 letters."""
    # Truncation after one suffix cut conflates most inflections ("concessions"/"concession",
    # "inchangée"/"inchangé", "négociations"/"négocier") at the cost of a few accidental merges
    # that the IDF weighting makes cheap.
    w = fold(word)
    for suf in _SUFFIXES:
        if len(w) - len(suf) >= 4 and w.endswith(suf):
            w = w[: -len(suf)]
            break
    return w[:STEM_LENGTH]


def _tokens(text: str) -> list[tuple[str, int]]:
    """Words of the text with their offsets; apostrophes split, so elisions ("l'", "n'") and
    possessives ("'s") come out as short words of their own."""
    return [(m.group(0), m.start()) for m in _WORD.finditer(text)]


def _is_opener(text: str, pos: int) -> bool:
    """Whether the word at `pos` opens the passage or a sentence inside it."""
    before = text[:pos].rstrip(" \u00a0\t\"«“'‘*-–—([")
    return not before or before[-1] in ".!?:\n…»"


@lru_cache(maxsize=65536)
def read(text: str, lang: str) -> Reading:
    """The passage's stems, names, dates, numbers and polarity words (cached per text)."""
    code = lang_code(lang)
    stems: set[str] = set()
    names: set[str] = set()
    negs: list[str] = []
    stasis: list[str] = []
    change: list[str] = []
    neg_words = NEGATIONS.get(code, frozenset())
    stasis_words = STASIS.get(code, frozenset())
    change_words = CHANGE.get(code, frozenset())
    words = 0
    spelled: set[str] = set()
    negated: set[str] = set()
    scope = 0  # content words still covered by the last negation
    for word, pos in _tokens(text):
        low = word.lower()
        words += 1
        if low in NUMBER_WORDS:
            spelled.add(NUMBER_WORDS[low])
        if low in neg_words:
            negs.append(low)
            scope = NEGATION_SCOPE
        if low in stasis_words:
            stasis.append(low)
        if low in change_words:
            # A refused change ("sans concessions") is not a change; it is not counted as stasis
            # either, because the negation cue (Reading.negated) already carries it.
            if not scope:
                change.append(low)
        if (low in STOPWORDS or low.isdigit() or len(low) < 3 or low in _MONTHS or low in neg_words
                or low in NUMBER_WORDS):
            continue
        s = stem(low)
        stems.add(s)
        if scope:
            negated.add(s)
            scope -= 1
        if word[:1].isupper() and not _is_opener(text, pos):
            names.add(s)
    # "ne … pas" and "n'… jamais" are one negation; "n" alone is the elided "ne".
    if "n" in negs or "ne" in negs:
        negs = [w for w in negs if w not in ("n", "ne")] or ["ne"]
    dates = tuple(
        DateMention(
            month=_MONTHS[m.group("month").lower()],
            day=int(m.group("day") or m.group("day2")) if (m.group("day") or m.group("day2")) else None,
            part=_PART_OF_MONTH.get((m.group("part") or "").lower()),
            year=int(m.group("year")) if m.group("year") else None,
        )
        for m in _DAY_MONTH.finditer(text)
        # "mars", "mai", "may" alone are too often not months: keep them with a day or year.
        if m.group("month").lower() not in ("mars", "mai", "may", "mar", "jan", "sept", "sep")
        or m.group("day") or m.group("day2") or m.group("year")
    )
    day_spans = {m.span("day") for m in _DAY_MONTH.finditer(text) if m.group("day")}
    numbers = frozenset(
        re.sub(r"[.,  ]", "", m.group(0)) for m in _NUMBER.finditer(text)
        if not _YEAR.match(m.group(0)) and m.span() not in day_spans
    ) | spelled
    return Reading(
        stems=frozenset(stems), names=frozenset(names), dates=dates, numbers=numbers,
        negations=tuple(negs), negated=frozenset(negated), stasis=tuple(stasis), change=tuple(change), words=words,
    )


@lru_cache(maxsize=65536)
def surface_forms(text: str) -> dict[str, str]:
    """The first word of `text` for each of its stems, to show a stem as the reader wrote it."""
    out: dict[str, str] = {}
    for word, _ in _tokens(text):
        out.setdefault(stem(word), word)
    return out
