"""Cue lexicons for French and English, compiled once at import (pure data, no I/O).

Every pattern names a *kind* of cue from the annotation guidelines (attribution verbs, event
verbs, hedges, opinion words…), never a phrase of a particular article.

Speed: case-insensitive matching makes Python's re about three times slower, so the patterns
are case-sensitive and run on the lowercased span (`lowercase()` keeps offsets), except the
fields marked "original case" below, which need capitals (names, sentence starts, "I" vs "us").
Word lists are compiled as tries rather than flat alternations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def lowercase(text: str) -> str:
    """Lowercase text without changing its length, so match offsets stay valid."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch.lower()[0] for ch in text)  # "İ".lower() is two code points


# A character trie; the key "" marks the end of a word.
_Trie = dict[str, "_Trie"]


def _words(spec: str) -> str:
    """Turn a whitespace separated word list into a trie-shaped regex ("_" stands for a space)."""
    # Python's re tries the branches of a flat alternation one by one at every position; in a
    # trie a position fails on its first character.
    trie: _Trie = {}
    for word in set(spec.split()):
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _trie_regex(node: _Trie) -> str:
    """Regex for the suffixes stored under one trie node."""
    branches = [
        (r"\s+" if ch == "_" else re.escape(ch)) + _trie_regex(child)
        for ch, child in sorted(node.items())
        if ch
    ]
    if not branches:
        return ""
    grouped = "(?:" + "|".join(branches) + ")"
    if "" in node:
        return grouped + "?"
    return branches[0] if len(branches) == 1 else grouped


def _rx(spec: str) -> re.Pattern[str]:
    """A word-bounded, lowercase word-list pattern."""
    return re.compile(rf"(?<![\w-])(?:{_words(spec.lower())})(?![\w-])")


def _fr_inflect(spec: str) -> str:
    """Add the feminine and plural forms of French adjectives/nouns ("incohérent" -> "…entes")."""
    out: set[str] = set()
    for w in spec.split():
        out.add(w)
        if w.endswith("ment") or "_" in w:
            continue
        if w.endswith("eux"):
            out.update((w[:-1] + "se", w[:-1] + "ses"))
        elif w.endswith("if"):
            out.update((w[:-1] + "ve", w[:-1] + "ves", w + "s"))
        elif w.endswith("al"):
            out.update((w + "e", w + "es", w[:-1] + "ux"))
        elif w.endswith("e"):
            out.add(w + "s")
        else:
            out.update((w + "e", w + "s", w + "es"))
    return " ".join(out)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The language-specific cue patterns the feature extractor runs on a sentence."""

    lang: str
    speech: re.Pattern[str]  # speech-act verbs in finite or participle form
    speech_participle: re.Pattern[str]  # gerund speech verbs: their subject is the main one
    noun_before: re.Pattern[str]  # a determiner just before a speech verb makes it a noun
    according: re.Pattern[str]  # "selon X", "according to X"; group "np" is the source
    inverted: re.Pattern[str]  # "…», a déclaré Lavrov" / "…," said Lavrov; group "np"
    event: re.Pattern[str]  # completed actions: compound past, passive, simple past
    passive_agent: re.Pattern[str]  # "formulé par Washington": a named agent (original case)
    past_state: re.Pattern[str]  # imperfect / "was": a past situation ("était sur la table")
    event_noun: re.Pattern[str]  # meetings, summits, deals, strikes…
    position: re.Pattern[str]  # standing demands, refusals, stances
    causal: re.Pattern[str]
    belief: re.Pattern[str]  # mental states with no statement behind them
    modal: re.Pattern[str]  # hypotheticals and predictions
    modal_relative: re.Pattern[str]  # "… qui pourrait …": a hedge on a side clause only
    hypothetical: re.Pattern[str]  # a sentence opening on "Si …" / "If …" (original case)
    conditional: re.Pattern[str]
    future: re.Pattern[str]
    opinion: re.Pattern[str]  # evaluative adjectives, adverbs and nouns
    interpretive: re.Pattern[str]  # "illustre", "témoigne de": analysis rather than fact
    demonstrative_analysis: re.Pattern[str]  # "Cette approche révèle…" (original case)
    first_person: re.Pattern[str]  # outside quotation marks (original case: "us", not "US")
    number_word: re.Pattern[str]
    amount: re.Pattern[str]  # a number with a unit: "trois heures", "350 milliards"
    date_word: re.Pattern[str]
    actor: re.Pattern[str]  # titles and institutions that act or speak
    background: re.Pattern[str]  # encyclopedic phrasing
    definitional: re.Pattern[str]  # "X est une ville…" opening a sentence (original case)
    navigation: re.Pattern[str]  # site chrome, bylines, credits opening a span (original case)
    aphorism: re.Pattern[str]
    pronoun_subject: re.Pattern[str]  # a subject pronoun, resolved to an earlier speaker
    determiner: re.Pattern[str]  # a determiner opening a speaker phrase: "les observateurs"
    stopwords: re.Pattern[str]  # frequent function words, for the per-sentence language guess


# --------------------------------------------------------------------------------------------
# French
# --------------------------------------------------------------------------------------------

# Participles of speech-act verbs; finite forms are derived for the regular -er verbs.
_FR_SPEECH_PART = """déclaré affirmé annoncé confirmé indiqué souligné assuré ajouté répété rappelé
expliqué précisé estimé insisté suggéré révélé dénoncé accusé qualifié ironisé alerté évoqué raillé
nié tweeté publié déploré critiqué fustigé salué réclamé appelé martelé signalé commenté jugé
réaffirmé proclamé certifié reproché démenti averti promis reconnu admis dit écrit conclu prévenu
répondu soutenu prétendu mis_en_garde lancé exhorté plaidé décrit dépeint""".split()
_FR_ER = [p[:-1] for p in _FR_SPEECH_PART if p.endswith("é") and "_" not in p]
_FR_ER_FORMS = "e ent ait aient ant a èrent".split()
_FR_STEM_CHANGES = {  # présent forms of stem-changing verbs: répète, suggère, rappelle…
    "répét": "répète répètent", "suggér": "suggère suggèrent", "révél": "révèle révèlent",
    "rappel": "rappelle rappellent", "appel": "appelle appellent", "lanc": "lançant lança",
    "annonc": "annonçant annonça",
}
_FR_IRREGULAR = """dément démentent démentant avertit avertissent avertissant promet promettent
promettant reconnaît reconnaissent reconnaissant admet admettent admettant dit disent disant
écrit écrivent écrivant conclut concluent concluant prévient préviennent prévenant répond
répondent répondant soutient soutiennent soutenant prétend prétendent prétendant met_en_garde
décrit décrivant dépeint dépeignant""".split()


def _fr_finite() -> list[str]:
    """Finite and participle forms of the French speech-act verbs."""
    forms: list[str] = []
    for stem in _FR_ER:
        forms += [stem + suf for suf in _FR_ER_FORMS]
        forms += _FR_STEM_CHANGES.get(stem, "").split()
    return forms + _FR_IRREGULAR


_FR_SPEECH_FINITE = _fr_finite()
# Reflexive speech verbs: "s'est félicité", "se sont dits prêts", "s'est inquiétée".
_FR_REFLEXIVE = (
    r"(?:s[’']est|se\s+sont|s[’']était|s[’']étaient)\s+(?:[a-zà-ÿ]+ment\s+)?(?:dit|félicité|réjoui|"
    r"inquiété|étonné|indigné|défendu|engagé|exprimé|prononcé|plaint|vanté|opposé|déclaré)(?:e|s|es)?"
)
# Analytic gerunds ("révélant l'ampleur", "répondant aux besoins") report speech only with a
# "que" clause; other gerunds ("affirmant", "évoquant") are speech verbs by themselves.
_FR_ANALYTIC_GERUNDS = frozenset(
    "révélant soulignant indiquant rappelant signalant confirmant répondant soutenant lançant".split()
)
_FR_INFINITIVES = _words(" ".join(s + "er" for s in _FR_ER) + " dire reconnaître admettre écrire")
_FR_GERUNDS = [w for w in _FR_SPEECH_FINITE if w.endswith("ant") and w not in _FR_ANALYTIC_GERUNDS]
_FR_BARE = [w for w in _FR_SPEECH_FINITE if w not in _FR_GERUNDS]
_FR_AUX = (
    r"(?:a|ont|avait|avaient|aurait|auraient|eut|avoir|ayant|a-t-(?:il|elle|on)|ont-(?:ils|elles))"
)
_FR_ADV = (
    r"(?:\s+(?:[a-zà-ÿ]+ment|même|encore|déjà|aussi|bien|pourtant|enfin|ensuite|alors|donc|"
    r"toujours|également|lui|elle))"
)
# A bare present ("souligne", "annonce", "révèlent") is as often a noun or an analytic verb
# ("Ces développements soulignent la militarisation"); it reports speech when a "que" clause, a
# colon or a quotation follows.
_FR_REPORTS = (
    r"(?![\w-])(?=(?:\s+[^\s.;!?]+){0,3}?\s+(?:que\b|qu[’'])|(?:\s+[^\s.;!?]+){0,3}?\s*:"
    r"|(?:\s+[^\s.;!?]+){0,7}?\s*[«“\"])"
)
_FR_PARTICIPLE = r"[a-zà-ÿ]{2,}(?:é|ée|és|ées|i|ie|is|ies|it|u|ue|us|ues|ert|erte|int|ainte|eint)"
_FR_CONDITIONAL = (
    r"(?:[a-zà-ÿ]{2,}(?:erai|drai)(?:t|ent)|(?:se|fe|sau|vaud|voud|fau|mett|i|di|ver|cour|mour)"
    r"rai(?:t|ent))"
)

_FR_DATE_WORDS = _words("""janvier février mars avril mai juin juillet août septembre octobre
novembre décembre lundi mardi mercredi jeudi vendredi samedi dimanche hier avant-hier
la_semaine_dernière le_mois_dernier l’an_dernier l'an_dernier l’année_dernière l'année_dernière
ce_mois-ci cette_semaine plus_tôt_ce_mois-ci""")

FR = Lexicon(
    lang="fr",
    speech=re.compile(
        rf"(?<![\w-])(?:{_FR_AUX}{_FR_ADV}{{0,2}}\s+(?:{_words(' '.join(_FR_SPEECH_PART))})(?![\w-])"
        rf"|{_FR_REFLEXIVE}(?![\w-])"
        rf"|(?:{_words(' '.join(_FR_GERUNDS))})(?![\w-])"
        rf"|(?:{_words(' '.join(_FR_BARE))}){_FR_REPORTS}"
        rf"|(?:vient|viennent|venait|venaient)\s+d[e’']\s*(?:{_FR_INFINITIVES})(?![\w-]))"
    ),
    speech_participle=re.compile(
        rf"(?:{_words(' '.join(_FR_GERUNDS + sorted(_FR_ANALYTIC_GERUNDS)))}|en\s+\w+ant)"
    ),
    noun_before=re.compile(
        r"(?<![\w])(?:la|le|l[’']|une|un|cette|sa|son|ses|des|les|leur|aucune|toute|d[’']une)\s*$"
    ),
    according=re.compile(
        r"(?<![\w])(?:selon(?!\s+(?:laquelle|lequel|lesquel(?:le)?s|moi|nous)\b)|d[’']après|"
        r"aux\s+dires\s+d[e’']|par\s+la\s+voix\s+d[e’']|de\s+sources?|"
        rf"(?:{_words(' '.join(_FR_SPEECH_PART + ['rapporté', 'cité']))})(?:e|s|es)?\s+par)\s*"
        r"(?P<np>(?:[a-z]\.|[^,;:.!?()«»\n]){2,90}?)"
        r"(?=\s*(?:[,;:.!?()«»\n]|$|\s(?:qu[e’']|lorsque|quand|le\s+\d)))"
    ),
    inverted=re.compile(
        rf"[»”\"]\s*,?\s*(?:(?:{_FR_AUX})?{_FR_ADV}{{0,2}}\s*-?"
        rf"(?:{_words(' '.join(_FR_SPEECH_PART + _FR_SPEECH_FINITE))})|{_FR_REFLEXIVE})"
        r"(?:-t-(?:il|elle))?\s+(?P<np>[^,;:.!?«»\n]{2,80})"
    ),
    event=re.compile(
        r"(?<![\w-])(?:(?:a|ont|avait|avaient|aurait|auraient|eut|est|sont|était|étaient|fut|furent|"
        r"s[’']est|se\s+sont|s[’']était|a\s+été|ont\s+été|avait\s+été|l[’']a|les\s+a|l[’']ont|y\s+a)"
        rf"{_FR_ADV}{{0,2}}\s+{_FR_PARTICIPLE}|fut|furent|[a-zà-ÿ]{{3,}}(?:èrent|irent))(?![\w-])"
    ),
    passive_agent=re.compile(
        r"(?<![\w-])[a-zà-ÿ]{3,}(?:é|ée|és|ées|i|is|it|u|us)\s+par\s+(?:l[ae’']\s*|les\s+|le\s+)?"
        r"[A-ZÀ-ÖØ-Þ]"
    ),
    # The imperfect ("était", "envisageait"), minus nouns in -ait and the conditional.
    past_state=re.compile(
        rf"(?<![\w-])(?!(?:[a-zà-ÿ]*(?:fait|trait|souhait)|{_FR_CONDITIONAL}|pourrai(?:t|ent)|"
        r"devrai(?:t|ent)|aurai(?:t|ent))(?![\w-]))[a-zà-ÿ]{2,}(?:ait|aient)(?![\w-])"
    ),
    event_noun=_rx("""sommet sommets rencontre rencontres réunion réunions visite visites accord
accords traité conférence entretien entretiens négociations pourparlers élection élections attaque
attaques frappe frappes offensive sanctions sanction cessez-le-feu trêve vote référendum démission
nomination arrestation procès signature déploiement retrait invasion annexion livraisons livraison
échange conversation interview appel_téléphonique"""),
    position=_rx("""exige exigent exigeait exigeaient réclame réclament refuse refusent refusait
refusaient rejette rejettent rejetait rejetaient revendique revendiquent insiste insistent
maintient maintiennent maintenait considère considèrent considérait persiste persistent s’oppose
s'oppose s’opposent s'opposent soutient soutiennent prône prônent plaide plaident demeure_opposé
reste_opposé propose proposent accepte acceptent acceptait n’accepte n'accepte"""),
    causal=_rx("""a_conduit_à ont_conduit_à conduit_à en_raison_de à_cause_de grâce_à a_provoqué
ont_provoqué a_entraîné ont_entraîné résulte_de résultent_de est_due_à est_dû_à sont_dus_à
la_raison_de parce_que en_conséquence a_permis_de ont_permis_de suite_à du_fait_de a_déclenché
ont_déclenché"""),
    belief=_rx("""convaincu convaincue convaincus convaincues croit croient croyait croyaient
s’attendait s'attendait s’attend s'attend s’attendaient s'attendaient espère espèrent espérait
espéraient semble semblent semblait semblant paraît craint craignent craignait soupçonne soupçonnent
imagine imaginent redoute redoutent souhaite souhaitent souhaitait veut veulent voulait cherche_à
cherchent_à apparemment pense pensent pensait pensaient crois croyons"""),
    modal=_rx("""pourrait pourraient pourra pourront aurait_pu auraient_pu risque_de risquent_de
risquait_de risquerait risqueraient devrait devraient devra devront peut-être sans_doute
probablement vraisemblablement éventuellement potentiel potentielle potentiels potentielles
hypothèse hypothétique si_jamais susceptible_de susceptibles_de il_se_peut laissant_présager
pourrait-on"""),
    modal_relative=re.compile(
        r"(?<![\w-])(?:qui|qu[’'](?:il|elle|ils|elles))\s+"
        r"(?:pourrai(?:t|ent)|pourra|pourront|devrai(?:t|ent))"
    ),
    hypothetical=re.compile(r"^\W*(?:[Ss]i|[Ss][’']ils?|[Mm]ême\s+si|[Ee]t\s+si)\b"),
    conditional=re.compile(rf"(?<![\w-])(?!pourr|devr){_FR_CONDITIONAL}(?![\w-])"),
    future=re.compile(
        r"(?<![\w-])(?:[a-zà-ÿ]{3,}(?:eront|iront|dront|era|ira|dra)|sera|seront|aura|auront|fera|"
        r"feront|ira|iront|viendra|viendront|faudra|verra|verront|saura|sauront)(?![\w-])"
    ),
    opinion=_rx(_fr_inflect("""inouï incroyable incroyablement extraordinaire remarquable
fascinant terrifiant effrayant pathétique pitoyable pitoyablement abject consternant écœurant
scandaleux honteux lamentable ridicule absurde délire magnifique brillant génial génie habile
habileté naïf naïveté incompétent incompétence hypocrite hypocrisie cynique cynisme arrogant
arrogance grotesque honte tristement heureusement malheureusement hélas évidemment indubitablement
assurément manifestement sophistication efficacité intelligence maîtrise audace audacieux courageux
lâcheté mafieux catastrophique désastreux formidable spectaculaire révolutionnaire révolutionne
paradoxe paradoxalement ironie ironiquement obstination rigidité aveuglement alarmant choquant
surprenant imprévisible manipulateur prédateur fanfaronnade belliqueux cohérent incohérent
incohérence chaotique brutal volcanique saisissant tenace radical décevant passionnant explosif
sain""")),
    interpretive=_rx("""illustre illustrent illustrait illustrant témoigne témoignent témoignant
reflète reflètent reflétant incarne incarnent symbolise symbolisent symbolisant démontre démontrent
démontrant en_dit_long ressemble ressemblent traduit_une traduit_un réside_dans révèle révèlent"""),
    demonstrative_analysis=re.compile(
        r"^\W*(?:Ce|Cet|Cette|Ces|Cela|Ceci)\b[^,;:]{0,60}?\s(?:révèle|révèlent|illustre|illustrent|"
        r"témoigne|témoignent|reflète|reflètent|traduit|incarne|symbolise|démontre|constitue|"
        r"constituent|représente|représentent|marque|marquent|transforme|transforment|déroute|"
        r"contraste|repose|vise|pousse)\b"
    ),
    first_person=re.compile(
        r"(?<![\w-])(?:(?:[Jj]e|[Mm]e|[Mm]oi|[Mm]on|[Mm]a|[Mm]es|[Nn]ous|[Nn]otre|[Nn]os|[Aa]vouons|"
        r"[Ee]spérons|[Rr]appelons|[Dd]isons|[A-Za-zà-ÿ]+ons-(?:le|nous))(?![\w-])|[JjMm][’'])"
    ),
    number_word=_rx("""deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze
quinze seize vingt trente quarante cinquante soixante cent cents mille million millions milliard
milliards dizaine dizaines centaine centaines millier milliers moitié tiers première premier
deuxième troisième quatrième cinquième dixième"""),
    amount=re.compile(
        r"(?:\d[\d\s.,\u00a0\u202f]*|(?<![\w])(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|"
        r"douze|quinze|vingt|trente|cent|mille|quelques|plusieurs))\s*"
        r"(?:%|pour\s?cent|heures?|minutes?|jours?|semaines?|mois|ans|années|siècles?|dollars|euros|"
        r"roubles|\$|€|milliards?|millions?|personnes|morts|blessés|soldats|victimes|km|kilomètres|"
        r"tonnes|fois|points?)(?![\w])"
    ),
    date_word=re.compile(
        rf"(?<![\w-])(?:{_FR_DATE_WORDS}"
        r"|(?:le|du|au|depuis|en|dès)\s+\d{1,4}(?:er)?"
        r"|\d{1,2}(?:er)?\s+(?:janv|févr|avr|juil|sept|oct|nov|déc)\.)(?![\w-])"
    ),
    actor=_rx("""président présidente vice-président vice-présidente ministre ministres chancelier
chancelière secrétaire porte-parole chef cheffe dirigeant dirigeants dirigeante dirigeantes leader
leaders gouvernement administration kremlin maison_blanche élysée congrès sénat parlement
ambassadeur ambassadrice envoyé émissaire diplomate diplomates armée état-major général roi reine
pape maire député députée députés sénateur sénatrice juge tribunal cour procureur directeur
directrice pdg négociateur négociateurs délégation analyste analystes observateurs experts
responsables officiels autorités"""),
    background=_rx("""fondée_en fondé_en formée_en formé_en créée_en créé_en établie_en établi_en
remonte_à remontant_à réputée_pour réputé_pour célèbre_pour connue_pour connu_pour
est_la_capitale plus_grande_ville est_un_pays est_une_ville situé_à située_à densément_peuplé
densément_peuplés sa_première_mention son_histoire"""),
    definitional=re.compile(
        r"^\W*(?:(?:Le|La|Les|L[’'])\s*)?[A-ZÀ-ÖØ-Þ][\w’'-]*(?:\s+[\w’'-]+){0,5}?\s*(?:\([^)]{1,40}\))?"
        r"\s*(?:,[^,]{1,80},)?\s+(?:est|sont|était|étaient)\s+(?:un|une|la|le|l[’']|l’un|l'un)\b"
    ),
    navigation=re.compile(
        r"^\W*(?:(?i:à\s+lire\s+aussi|lire\s+aussi|lire\s+la\s+suite|retour\s+en\s+haut|partager|"
        r"shares?|abonnez-vous|newsletter|publicité|tous\s+droits\s+réservés|crédits?(?:\s+photo)?\s*:|"
        r"photo\s*:|image\s*\d*\s*$|sources?\s*:|capture\s+d[’']écran|©|étiquettes|mots-clés|tags\s*:|"
        r"logo\s*$|l[’']édito\s+de)|[Pp]ar\s+[A-ZÀ-Þ][\w-]+\s+[A-ZÀ-Þ][\w-]+\s*$)"
    ),
    aphorism=_rx("comme_disait comme_dit_le_proverbe comme_le_veut_l’adage"),
    pronoun_subject=re.compile(r"^\W*(?:il|elle|ils|elles|lui|celui-ci|celle-ci)\W*$", re.I),
    determiner=re.compile(
        r"^(?:l[’']|(?:le|la|les|un|une|des|du|de\s+la|ce|cet|cette|ces|son|sa|ses|leur|leurs|"
        r"plusieurs|certains|certaines|de\s+nombreux)\s)", re.I
    ),
    stopwords=_rx(
        "le la les des du est et que qui une un dans pour sur pas avec sont ont au aux ce cette il elle"
    ),
)


# --------------------------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------------------------

_EN_SPEECH = """said says told tells announced announces stated confirmed confirms denied denies
claimed claims added adds warned warns insisted insists noted notes argued argues reported reports
wrote writes tweeted posted declared declares acknowledged acknowledges admitted admits revealed
reveals accused accuses urged urges promised promises pledged pledges vowed vows threatened
threatens described describes explained explains suggested suggests asserted asserts stressed
stresses emphasized emphasised reiterated reiterates recalled recalls replied replies responded
responds alleged alleges disclosed indicated indicates maintained conceded concluded concludes
estimated""".split()
_EN_SPEECH_ING = """saying telling announcing stating confirming denying claiming adding warning
insisting noting arguing reporting writing declaring acknowledging admitting revealing accusing
urging promising pledging vowing threatening describing explaining suggesting asserting stressing
emphasizing emphasising reiterating""".split()

_EN_IRREGULAR_PAST = _words("""met held took gave made sent won lost went came began left struck
hit fell rose sought fought bought sold spent led signed launched killed seized fled broke chose
drew drove flew froze knew rode shook spoke stole swore threw wore wrote withdrew overtook""")
# Words in -ed that are not past tenses ("United States", "a hundred", "armed forces").
_EN_NOT_PAST = _words("""united hundred indeed need speed seed feed breed greed based limited
related armed concerned interested detailed advanced experienced qualified skilled supposed
sacred naked wicked wretched rugged beloved blessed aged learned embed""")
_EN_DATE_WORDS = _words("""january february march april june july august september october
november december monday tuesday wednesday thursday friday saturday sunday yesterday last_week
last_month last_year earlier_this_week earlier_this_month earlier_this_year""")

EN = Lexicon(
    lang="en",
    speech=re.compile(
        r"(?<![\w-])(?:(?:has|have|had)\s+)?"
        rf"(?:{_words(' '.join(_EN_SPEECH + _EN_SPEECH_ING))})(?![\w-])"
    ),
    speech_participle=re.compile(_words(" ".join(_EN_SPEECH_ING))),
    noun_before=re.compile(r"(?<![\w])(?:the|a|an|his|her|their|its|this|that|these|those)\s*$"),
    according=re.compile(
        r"(?<![\w])(?:according\s+to|as\s+told\s+to|per|(?:said|reported|announced|cited|quoted|"
        r"confirmed|revealed|described|claimed|stated)\s+by)\s+"
        r"(?P<np>(?:[a-z]\.|[^,;:.!?()\"“”\n]){2,90}?)"
        r"(?=\s*(?:[,;:.!?()\"“”\n]|$|\s(?:that|when|on\s+\w+day)))"
    ),
    inverted=re.compile(
        rf"[\"”’]\s*,?\s*(?:{_words(' '.join(_EN_SPEECH))})\s+(?P<np>[^,;:.!?\"“”\n]{{2,80}})"
    ),
    event=re.compile(
        r"(?<![\w-])(?:(?:has|have|had|was|were|been|is|are)\s+(?:\w+ly\s+)?"
        r"[a-z]{2,}(?:ed|en|wn|ne|ht|ck|ld|lt|ng|nt|id)"
        rf"|(?!{_EN_NOT_PAST}(?![\w-]))[a-z]{{3,}}ed|{_EN_IRREGULAR_PAST})(?![\w-])"
    ),
    passive_agent=re.compile(r"(?<![\w-])[a-z]{3,}(?:ed|en|wn)\s+by\s+(?:the\s+)?[A-Z]"),
    past_state=_rx("was were had"),
    event_noun=_rx("""summit summits meeting meetings talks visit deal agreement treaty conference
interview negotiations election elections attack attacks strike strikes offensive sanctions
ceasefire truce vote referendum resignation appointment arrest trial signing deployment withdrawal
invasion annexation deliveries call"""),
    position=_rx("""demands demanded insists rejects rejected refuses refused opposes opposed
maintains supports backs considers calls_for called_for continues_to_demand proposes proposed
accepts accepted"""),
    causal=_rx("""led_to leads_to because_of due_to caused causes resulted_in results_in as_a_result
the_reason_for because prompted triggered thanks_to"""),
    belief=_rx("""believe believes believed think thinks is_convinced are_convinced was_convinced
expect expects expected hope hopes hoped fear fears feared seems seem seemed appears_to appear_to
want wants wanted intend intends apparently"""),
    modal=_rx("""could might may would should will won’t won't likely unlikely perhaps possibly
probably potentially risk_of risks_of is_set_to are_set_to"""),
    modal_relative=re.compile(r"(?<![\w-])(?:which|that|who)\s+(?:could|might|may|would)"),
    hypothetical=re.compile(r"^\W*(?:[Ii]f|[Ee]ven\s+if|[Uu]nless|[Ww]hat\s+if)\b"),
    conditional=re.compile(r"(?!x)x"),  # English marks the conditional with the modals above
    future=_rx("will shall going_to ’ll 'll"),
    opinion=_rx("""incredible incredibly extraordinary remarkable fascinating breathtaking
terrifying frightening pathetic disgraceful shameful absurd ridiculous brilliant genius naive
incompetent incompetence hypocritical hypocrisy cynical arrogant arrogance catastrophic disastrous
disaster fiasco shocking outrageous stunning unfortunately fortunately sadly obviously undoubtedly
surely wonderful terrible horrible awful excellent amazing alarming chaotic unpredictable
manipulative predatory sophisticated sophistication masterful masterly paradox paradoxically
ironically ironic"""),
    interpretive=_rx("""illustrates illustrate illustrating reflects reflect reflecting embodies
symbolizes symbolises symbolizing demonstrates demonstrating speaks_volumes resembles"""),
    demonstrative_analysis=re.compile(
        r"^\W*(?:This|That|These|Those)\b[^,;:]{0,60}?\s(?:reveals|illustrates|shows|reflects|"
        r"demonstrates|represents|marks|embodies|underscores|highlights)\b"
    ),
    first_person=re.compile(r"(?<![\w-])(?:I|[Mm]e|[Mm]y|[Ww]e|[Oo]ur|us)(?![\w-])"),
    number_word=_rx("""two three four five six seven eight nine ten eleven twelve thirteen fifteen
twenty thirty forty fifty sixty hundred hundreds thousand thousands million millions billion
billions trillion dozen dozens half first third fourth fifth tenth"""),
    amount=re.compile(
        r"(?:\d[\d\s.,]*|(?<![\w])(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
        r"hundred|several|a\s+few))\s*(?:%|percent|per\s+cent|hours?|minutes?|days?|weeks?|months?|"
        r"years?|decades?|dollars|euros|\$|€|£|billion|million|people|dead|killed|wounded|troops|"
        r"soldiers|victims|km|kilometres|kilometers|miles|tons|tonnes|times|points?)(?![\w])"
    ),
    # Lowercased, so "May" the month is left out: it would fire on every "may".
    date_word=re.compile(
        rf"(?<![\w-])(?:{_EN_DATE_WORDS}"
        r"|(?:on|in|since|by)\s+\d{1,4}|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?\s+\d{1,2})"
        r"(?![\w-])"
    ),
    actor=_rx("""president vice-president minister ministers chancellor secretary spokesperson
spokesman spokeswoman chief leader leaders government administration kremlin white_house congress
senate parliament ambassador envoy diplomat diplomats army general king queen pope mayor senator
judge court prosecutor director ceo negotiator negotiators delegation analyst analysts observers
experts officials authorities"""),
    background=_rx("""founded_in established_in formed_in dates_back known_for famous_for
is_the_capital largest_city is_a_country located_in densely_populated first_mentioned"""),
    definitional=re.compile(
        r"^\W*(?:The\s+)?[A-Z][\w’'-]*(?:\s+[\w’'-]+){0,5}?\s*(?:\([^)]{1,40}\))?\s*(?:,[^,]{1,80},)?"
        r"\s+(?:is|are|was)\s+(?:a|an|the|one)\b"
    ),
    navigation=re.compile(
        r"^\W*(?:(?i:read\s+more|related\s*:|see\s+also|back\s+to\s+top|share|shares|subscribe|"
        r"sign\s+up|newsletter|advertisement|all\s+rights\s+reserved|credits?\s*:|photo\s*:|"
        r"image\s*\d*\s*$|sources?\s*:|screenshot|©|tags\s*:|logo\s*$|search\s*$)|"
        r"[Bb]y\s+[A-Z][\w-]+\s+[A-Z][\w-]+\s*$)"
    ),
    aphorism=_rx("as_the_saying_goes as_they_say as_the_old_saying"),
    pronoun_subject=re.compile(r"^\W*(?:he|she|they|it)\W*$", re.I),
    determiner=re.compile(
        r"^(?:the|a|an|this|that|these|those|his|her|their|its|several|some|many)\s+", re.I
    ),
    stopwords=_rx("the and of to is was that with for on are be by this from it has have were"),
)

LEXICONS: dict[str, Lexicon] = {"fr": FR, "en": EN}
