"""Cue lexicons for French and English, compiled once at import (pure data, no I/O).

Every pattern names a *kind* of cue from the annotation guidelines (attribution verbs, event
verbs, hedges, opinion words…), never a phrase of a particular article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def _words(spec: str) -> str:
    """Turn a whitespace separated word list into a regex alternation (longest first)."""
    items = sorted(set(spec.split()), key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+").replace("_", r"\s+") for w in items)


def _rx(body: str, flags: int = re.I) -> re.Pattern[str]:
    """Compile a word-bounded alternation."""
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])", flags)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The language-specific cue patterns the feature extractor runs on a sentence."""

    lang: str
    speech: re.Pattern[str]  # speech-act verbs in finite or participle form
    speech_participle: re.Pattern[str]  # gerund/participle speech verbs: subject is the main one
    according: re.Pattern[str]  # "selon X", "according to X"; group "np" is the source
    inverted: re.Pattern[str]  # "…», a déclaré Lavrov" / "…," said Lavrov; group "np"
    event: re.Pattern[str]  # completed actions: compound past, passive, simple past
    event_noun: re.Pattern[str]  # meetings, summits, deals, strikes…
    position: re.Pattern[str]  # standing demands, refusals, stances
    causal: re.Pattern[str]
    belief: re.Pattern[str]  # mental states with no statement behind them
    modal: re.Pattern[str]  # hypotheticals and predictions in the main clause
    modal_relative: re.Pattern[str]  # "… qui pourrait …": a hedge on a side clause only
    conditional: re.Pattern[str]
    future: re.Pattern[str]
    opinion: re.Pattern[str]  # evaluative adjectives, adverbs and nouns
    interpretive: re.Pattern[str]  # "illustre", "témoigne de": analysis rather than fact
    demonstrative_analysis: re.Pattern[str]  # "Cette approche révèle…"
    first_person: re.Pattern[str]  # run on the text outside quotation marks
    number_word: re.Pattern[str]
    amount: re.Pattern[str]  # a number with a unit: "trois heures", "350 milliards"
    date_word: re.Pattern[str]
    actor: re.Pattern[str]  # titles and institutions that act or speak
    background: re.Pattern[str]  # encyclopedic phrasing
    definitional: re.Pattern[str]  # "X est une ville…" at the start of a sentence
    navigation: re.Pattern[str]  # site chrome, bylines, credits (start of span)
    aphorism: re.Pattern[str]
    pronoun_subject: re.Pattern[str]  # a subject pronoun to resolve to an earlier speaker
    determiner: re.Pattern[str]  # leading determiners stripped from a speaker phrase
    title_word: re.Pattern[str]  # title words stripped from the front of a name
    stopwords: re.Pattern[str]  # frequent function words, for the per-sentence language guess


# --------------------------------------------------------------------------------------------
# French
# --------------------------------------------------------------------------------------------

# Participles of speech-act verbs; finite forms are derived for the regular -er verbs.
_FR_SPEECH_PART = """déclaré affirmé annoncé confirmé indiqué souligné assuré ajouté répété rappelé
expliqué précisé estimé insisté suggéré révélé dénoncé accusé qualifié ironisé alerté évoqué raillé
nié tweeté publié déploré critiqué fustigé salué réclamé appelé martelé signalé commenté jugé
réaffirmé proclamé certifié reproché démenti averti promis reconnu admis dit écrit conclu prévenu
répondu soutenu prétendu mis_en_garde lancé exhorté menacé plaidé décrit dépeint""".split()
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


_FR_AUX = r"(?:a|ont|avait|avaient|aurait|auraient|eut|avoir|ayant|a-t-(?:il|elle|on)|ont-(?:ils|elles))"
_FR_ADV = r"(?:\s+(?:[a-zà-ÿ]+ment|même|encore|déjà|aussi|bien|pourtant|enfin|ensuite|alors|donc|toujours|également|d[ée]j[àa]|lui|elle|vivement|publiquement))"
_FR_SPEECH_FINITE = _fr_finite()
# "Ce qui compte" / "dit tout" style false friends of "dit" are rare enough after a subject
# but "soi-disant" and "c'est-à-dire" are not: the lookbehind keeps them out.
FR = Lexicon(
    lang="fr",
    speech=re.compile(
        rf"(?<![\w-])(?:{_FR_AUX}{_FR_ADV}{{0,2}}\s+(?:{_words(' '.join(_FR_SPEECH_PART))})"
        rf"|(?:{_words(' '.join(_FR_SPEECH_FINITE))})"
        rf"|(?:vient|viennent|venait|venaient)\s+d[e’']\s*(?:{_words(' '.join(s + 'er' for s in _FR_ER))}|dire|reconnaître|admettre|écrire))(?![\w-])",
        re.I,
    ),
    speech_participle=_rx(
        _words(" ".join(w for w in _FR_SPEECH_FINITE if w.endswith("ant"))) + r"|en\s+\w+ant"
    ),
    according=re.compile(
        r"(?<![\w])(?:selon|d[’']après|aux\s+dires\s+d[e’']|par\s+la\s+voix\s+d[e’']|cité[es]?\s+par|"
        r"de\s+source[s]?|rapporté[es]?\s+par|confirmé[es]?\s+par)\s*"
        r"(?P<np>[^,;:.!?()«»\n]{2,90}?)(?=\s*(?:[,;:.!?()«»\n]|$|\s(?:qu[e’']|lorsque|quand|le\s+\d)))",
        re.I,
    ),
    inverted=re.compile(
        rf"[»”\"]\s*,?\s*(?:{_FR_AUX})?{_FR_ADV}{{0,2}}\s*-?(?:{_words(' '.join(_FR_SPEECH_PART + _FR_SPEECH_FINITE))})"
        r"(?:-t-(?:il|elle))?\s+(?P<np>[^,;:.!?«»\n]{2,80})",
        re.I,
    ),
    event=re.compile(
        r"(?<![\w-])(?:(?:a|ont|avait|avaient|aurait|auraient|eut|est|sont|était|étaient|fut|furent|"
        r"s[’']est|se\s+sont|s[’']était|a\s+été|ont\s+été|avait\s+été|l[’']a|les\s+a|l[’']ont|y\s+a)"
        + _FR_ADV
        + r"{0,2}\s+[a-zà-ÿ]{2,}(?:é|ée|és|ées|i|ie|is|ies|it|u|ue|us|ues|ert|erte|int|ainte|eint)"
        r"|fut|furent|[a-zà-ÿ]{3,}(?:èrent|irent))(?![\w-])",
        re.I,
    ),
    event_noun=_rx(_words("""sommet sommets rencontre rencontres réunion réunions visite visites
accord accords traité conférence entretien entretiens négociations pourparlers élection élections
attaque attaques frappe frappes offensive sanctions sanction cessez-le-feu trêve vote référendum
démission nomination arrestation procès signature déploiement retrait invasion annexion
livraisons livraison échange conversation interview appel_téléphonique""")),
    position=_rx(_words("""exige exigent exigeait exigeaient réclame réclament refuse refusent
refusait refusaient rejette rejettent rejetait rejetaient revendique revendiquent insiste insistent
maintient maintiennent maintenait considère considèrent considérait persiste persistent s’oppose
s'oppose s’opposent s'opposent soutient soutiennent prône prônent plaide plaident demeure_opposé
reste_opposé propose proposent accepte acceptent acceptait n’accepte n'accepte""")),
    causal=_rx(_words("""a_conduit_à ont_conduit_à conduit_à en_raison_de à_cause_de grâce_à
a_provoqué ont_provoqué a_entraîné ont_entraîné résulte_de résultent_de est_due_à est_dû_à
sont_dus_à la_raison_de parce_que en_conséquence a_permis_de ont_permis_de suite_à du_fait_de
a_déclenché ont_déclenché""")),
    belief=_rx(_words("""convaincu convaincue convaincus convaincues croit croient croyait croyaient
s’attendait s'attendait s’attend s'attend s’attendaient s'attendaient espère espèrent espérait
espéraient semble semblent semblait semblant paraît craint craignent craignait soupçonne
soupçonnent imagine imaginent redoute redoutent souhaite souhaitent souhaitait veut veulent
voulait cherche_à cherchent_à apparemment""")),
    modal=_rx(_words("""pourrait pourraient pourra pourront aurait_pu auraient_pu risque_de
risquent_de risquait_de risquerait risqueraient devrait devraient devra devront peut-être
sans_doute probablement vraisemblablement éventuellement potentiel potentielle potentiels
potentielles hypothèse hypothétique si_jamais susceptible_de susceptibles_de il_se_peut
laissant_présager pourrait-on ne_pourra""")),
    modal_relative=_rx(r"(?:qui|qu[’'](?:il|elle|ils|elles))\s+(?:pourrai(?:t|ent)|pourra|pourront|devrai(?:t|ent))"),
    conditional=re.compile(r"(?<![\w-])(?!aur|pourr|devr)[a-zà-ÿ]{2,}(?:rait|raient)(?![\w-])", re.I),
    future=re.compile(
        r"(?<![\w-])(?:[a-zà-ÿ]{3,}(?:eront|iront|dront|era|ira|dra)|sera|seront|aura|auront|fera|"
        r"feront|ira|iront|viendra|viendront|faudra|verra|verront|saura|sauront)(?![\w-])",
        re.I,
    ),
    opinion=_rx(_words("""inouï inouïe incroyable incroyablement extraordinaire remarquable
fascinant fascinante terrifiant terrifiante effrayant pathétique pitoyable pitoyablement abject
abjecte consternant consternante écœurant écœurante scandaleux scandaleuse honteux honteuse
lamentable ridicule absurde délire magnifique brillant brillante génial géniale génie habile
habileté naïf naïve naïveté incompétent incompétente incompétence hypocrite hypocrisie cynique
cynisme arrogant arrogance grotesque honte tristement heureusement malheureusement hélas
évidemment indubitablement assurément manifestement sophistication efficacité intelligence maîtrise
audace audacieux audacieuse courageux courageuse lâcheté mafieux mafieuses catastrophique
désastreux désastreuse formidable spectaculaire révolutionnaire révolutionne paradoxe
paradoxalement ironie ironiquement obstination rigidité aveuglement alarmant alarmante choquant
choquante surprenant surprenante imprévisible manipulateur prédateur fanfaronnade belliqueux
belliqueuses cohérent cohérente incohérent incohérente incohérence chaotique brutal brutale
volcanique saisissant saisissante tenace radical radicale décevant décevante pur_délire
passionnant explosive explosif sain saine habituelle""")),
    interpretive=_rx(_words("""illustre illustrent illustrait illustrant témoigne témoignent
témoignant reflète reflètent reflétant incarne incarnent symbolise symbolisent symbolisant
démontre démontrent démontrant en_dit_long ressemble ressemblent traduit_une traduit_un
réside_dans""")),
    demonstrative_analysis=re.compile(
        r"^\W*(?:Ce|Cet|Cette|Ces|Cela|Ceci)\b[^,;:]{0,60}?\s(?:révèle|révèlent|illustre|illustrent|"
        r"témoigne|témoignent|reflète|reflètent|traduit|incarne|symbolise|démontre|constitue|"
        r"constituent|représente|représentent|marque|marquent|transforme|transforment|déroute|"
        r"contraste|repose|vise|pousse)\b"
    ),
    first_person=re.compile(
        r"(?<![\w-])(?:je|j[’']|me|m[’']|moi|mon|ma|mes|nous|notre|nos|[a-zà-ÿ]+ons-(?:le|nous)|"
        r"avouons|espérons|rappelons|disons)(?![\w-])",
        re.I,
    ),
    number_word=_rx(_words("""deux trois quatre cinq six sept huit neuf dix onze douze treize
quatorze quinze seize vingt trente quarante cinquante soixante cent cents mille million millions
milliard milliards dizaine dizaines centaine centaines millier milliers moitié tiers première
premier deuxième troisième quatrième cinquième dixième""")),
    amount=re.compile(
        r"(?:\d[\d\s.,\u00a0\u202f]*|(?<![\w])(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|"
        r"douze|quinze|vingt|trente|cent|mille|quelques|plusieurs|des))\s*"
        r"(?:%|pour\s?cent|heures?|minutes?|jours?|semaines?|mois|ans|années|siècles?|dollars|euros|"
        r"roubles|\$|€|milliards?|millions?|personnes|morts|blessés|soldats|victimes|km|kilomètres|"
        r"tonnes|fois|points?)(?![\w])",
        re.I,
    ),
    date_word=_rx(
        _words("""janvier février mars avril mai juin juillet août septembre octobre novembre
décembre lundi mardi mercredi jeudi vendredi samedi dimanche hier avant-hier la_semaine_dernière
le_mois_dernier l’an_dernier l'an_dernier l’année_dernière l'année_dernière ce_mois-ci
cette_semaine plus_tôt_ce_mois-ci début_août mi-août""")
        + r"|(?:le|du|au|depuis|en|dès)\s+\d{1,4}(?:er)?"
    ),
    actor=_rx(_words("""président présidente vice-président vice-présidente ministre ministres
chancelier chancelière secrétaire porte-parole chef cheffe dirigeant dirigeants dirigeante
dirigeantes leader leaders gouvernement administration Kremlin Maison_Blanche Élysée Congrès Sénat
parlement ambassadeur ambassadrice envoyé émissaire diplomate diplomates armée état-major général
roi reine pape maire député députée députés sénateur sénatrice juge tribunal cour procureur
directeur directrice PDG négociateur négociateurs délégation analyste analystes observateurs
experts responsables officiels autorités""")),
    background=_rx(_words("""fondée_en fondé_en formée_en formé_en créée_en créé_en établie_en
établi_en remonte_à remontant_à réputée_pour réputé_pour célèbre_pour connue_pour connu_pour
est_la_capitale plus_grande_ville est_un_pays est_une_ville situé_à située_à densément_peuplé
densément_peuplés sa_première_mention son_histoire""")),
    definitional=re.compile(
        r"^\W*(?:(?:Le|La|Les|L[’'])\s*)?[A-ZÀ-ÖØ-Þ][\w’'-]*(?:\s+[\w’'-]+){0,5}?\s*(?:\([^)]{1,40}\))?"
        r"\s*(?:,[^,]{1,80},)?\s+(?:est|sont|était|étaient)\s+(?:un|une|la|le|l[’']|l’un|l'un)\b"
    ),
    navigation=re.compile(
        r"^\W*(?:à\s+lire\s+aussi|lire\s+aussi|lire\s+la\s+suite|retour\s+en\s+haut|partager|shares?|"
        r"abonnez-vous|newsletter|publicité|tous\s+droits\s+réservés|crédits?(?:\s+photo)?\s*:|"
        r"photo\s*:|image\s*\d*\s*$|sources?\s*:|capture\s+d[’']écran|©|étiquettes|mots-clés|tags\s*:|"
        r"logo\s*$|par\s+[A-ZÀ-Þ][\w-]+\s+[A-ZÀ-Þ][\w-]+\s*$|l[’']édito\s+de)",
        re.I,
    ),
    aphorism=_rx(_words("comme_disait comme_dit_le_proverbe comme_le_veut_l’adage comme_disait_l’autre")),
    pronoun_subject=re.compile(r"^\W*(?:il|elle|ils|elles|lui|celui-ci|celle-ci)\W*$", re.I),
    determiner=re.compile(r"^(?:le|la|les|l[’']|un|une|des|du|de\s+la|ce|cet|cette|ces|son|sa|ses|leur|leurs)\s*", re.I),
    title_word=re.compile(
        r"^(?:M\.|Mme|Mlle|Dr|Pr|Me|Président|Présidente|Ministre|Général|Maître|Monsieur|Madame)\s+"
    ),
    stopwords=_rx(_words("le la les des du est et que qui une un dans pour sur pas avec sont ont au aux ce cette il elle")),
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
responds alleged alleges disclosed disclosed indicated indicates maintained conceded concluded
concludes estimated""".split()
_EN_SPEECH_ING = """saying telling announcing stating confirming denying claiming adding warning
insisting noting arguing reporting writing declaring acknowledging admitting revealing accusing
urging promising pledging vowing threatening describing explaining suggesting asserting stressing
emphasizing emphasising reiterating""".split()

EN = Lexicon(
    lang="en",
    speech=re.compile(
        rf"(?<![\w-])(?:(?:has|have|had)\s+)?(?:{_words(' '.join(_EN_SPEECH + _EN_SPEECH_ING))})(?![\w-])",
        re.I,
    ),
    speech_participle=_rx(_words(" ".join(_EN_SPEECH_ING))),
    according=re.compile(
        r"(?<![\w])(?:according\s+to|as\s+reported\s+by|cited\s+by|quoted\s+by|as\s+told\s+to|"
        r"per)\s+(?P<np>[^,;:.!?()\"“”\n]{2,90}?)(?=\s*(?:[,;:.!?()\"“”\n]|$|\s(?:that|when|on\s+\w+day)))",
        re.I,
    ),
    inverted=re.compile(
        rf"[\"”’]\s*,?\s*(?:{_words(' '.join(_EN_SPEECH))})\s+(?P<np>[^,;:.!?\"“”\n]{{2,80}})",
        re.I,
    ),
    event=re.compile(
        r"(?<![\w-])(?:(?:has|have|had|was|were|been|is|are)\s+(?:\w+ly\s+)?[a-z]{2,}(?:ed|en|wn|ne|ht|ck|ld|lt|ng|nt|id)"
        r"|[a-z]{3,}ed|met|held|took|gave|made|sent|won|lost|went|came|began|left|struck|hit|fell|rose|"
        r"sought|fought|bought|sold|spent|led|signed|launched|killed|seized|fled|broke|chose|drew|"
        r"drove|flew|froze|knew|rode|shook|spoke|stole|swore|threw|wore|wrote|withdrew|overtook)(?![\w-])"
    ),
    event_noun=_rx(_words("""summit summits meeting meetings talks visit deal agreement treaty
conference interview negotiations election elections attack attacks strike strikes offensive
sanctions ceasefire truce vote referendum resignation appointment arrest trial signing deployment
withdrawal invasion annexation deliveries call""")),
    position=_rx(_words("""demands demanded insists rejects rejected refuses refused opposes
opposed maintains supports backs considers calls_for called_for continues_to_demand proposes
proposed accepts accepted""")),
    causal=_rx(_words("""led_to leads_to because_of due_to caused causes resulted_in results_in
as_a_result the_reason_for because prompted triggered thanks_to""")),
    belief=_rx(_words("""believes believed thinks is_convinced are_convinced was_convinced expects
expected hopes hoped fears feared seems seem seemed appears_to appear_to wants wanted intends
apparently""")),
    modal=_rx(_words("""could might may would should will won’t won't likely unlikely perhaps
possibly probably potentially if unless risk_of risks_of is_set_to are_set_to""")),
    modal_relative=_rx(r"(?:which|that|who)\s+(?:could|might|may|would)"),
    conditional=re.compile(r"(?!x)x"),  # English marks the conditional with the modals above
    future=_rx(r"will|shall|going\s+to|’ll|'ll"),
    opinion=_rx(_words("""incredible incredibly extraordinary remarkable fascinating breathtaking
terrifying frightening pathetic disgraceful shameful absurd ridiculous brilliant genius naive
incompetent incompetence hypocritical hypocrisy cynical arrogant arrogance catastrophic disastrous
disaster fiasco shocking outrageous stunning unfortunately fortunately sadly obviously undoubtedly
surely wonderful terrible horrible awful excellent amazing alarming chaotic unpredictable
manipulative predatory sophisticated sophistication masterful masterly paradox paradoxically
ironically ironic roller_coaster""")),
    interpretive=_rx(_words("""illustrates illustrate illustrating reflects reflect reflecting
embodies symbolizes symbolises symbolizing demonstrates demonstrating speaks_volumes resembles""")),
    demonstrative_analysis=re.compile(
        r"^\W*(?:This|That|These|Those)\b[^,;:]{0,60}?\s(?:reveals|illustrates|shows|reflects|"
        r"demonstrates|represents|marks|embodies|underscores|highlights)\b"
    ),
    first_person=re.compile(
        r"(?<![\w-])(?:I|I’m|I'm|I’ve|I've|me|my|we|our|us|let’s|let's)(?![\w-])"
    ),
    number_word=_rx(_words("""two three four five six seven eight nine ten eleven twelve thirteen
fifteen twenty thirty forty fifty sixty hundred hundreds thousand thousands million millions
billion billions trillion dozen dozens half first third fourth fifth tenth""")),
    amount=re.compile(
        r"(?:\d[\d\s.,]*|(?<![\w])(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|"
        r"hundred|several|a\s+few))\s*(?:%|percent|per\s+cent|hours?|minutes?|days?|weeks?|months?|"
        r"years?|decades?|dollars|euros|\$|€|£|billion|million|people|dead|killed|wounded|troops|"
        r"soldiers|victims|km|kilometres|kilometers|miles|tons|tonnes|times|points?)(?![\w])",
        re.I,
    ),
    date_word=re.compile(
        r"(?<![\w])(?:January|February|March|April|June|July|August|September|October|November|"
        r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|last\s+week|"
        r"last\s+month|last\s+year|earlier\s+this\s+(?:week|month|year)|(?:on|in|since|by)\s+\d{1,4})"
        r"(?![\w])"
    ),
    actor=_rx(_words("""president vice-president minister ministers chancellor secretary
spokesperson spokesman spokeswoman chief leader leaders government administration Kremlin
White_House Congress Senate parliament ambassador envoy diplomat diplomats army general king
queen pope mayor senator judge court prosecutor director CEO negotiator negotiators delegation
analyst analysts observers experts officials authorities""")),
    background=_rx(_words("""founded_in established_in formed_in dates_back known_for famous_for
is_the_capital largest_city is_a_country located_in densely_populated first_mentioned""")),
    definitional=re.compile(
        r"^\W*(?:The\s+)?[A-Z][\w’'-]*(?:\s+[\w’'-]+){0,5}?\s*(?:\([^)]{1,40}\))?\s*(?:,[^,]{1,80},)?"
        r"\s+(?:is|are|was)\s+(?:a|an|the|one)\b"
    ),
    navigation=re.compile(
        r"^\W*(?:read\s+more|related\s*:|see\s+also|back\s+to\s+top|share|shares|subscribe|sign\s+up|"
        r"newsletter|advertisement|all\s+rights\s+reserved|credits?\s*:|photo\s*:|image\s*\d*\s*$|"
        r"sources?\s*:|screenshot|©|tags\s*:|logo\s*$|search\s*$|by\s+[A-Z][\w-]+\s+[A-Z][\w-]+\s*$)",
        re.I,
    ),
    aphorism=_rx(_words("as_the_saying_goes as_they_say as_the_old_saying")),
    pronoun_subject=re.compile(r"^\W*(?:he|she|they|it)\W*$", re.I),
    determiner=re.compile(r"^(?:the|a|an|this|that|these|those|his|her|their|its)\s+", re.I),
    title_word=re.compile(
        r"^(?:(?:Mr|Mrs|Ms|Dr|Prof|Gen|Sen|Rep|Gov)\.?|President|Vice|Prime|Minister|Foreign|"
        r"Secretary|Chancellor|Senator|General|Spokesman|Spokeswoman|Spokesperson|Analyst)\s+"
    ),
    stopwords=_rx(_words("the and of to is was that with for on are be by this from it has have were")),
)

LEXICONS: dict[str, Lexicon] = {"fr": FR, "en": EN}
