"""Every page of the UI in French: no string without its translation, service messages included.

Each named UI route is rendered (GET) in English and in French for every persona who may see it.
Two checks catch an untranslated string: every message looked up in the French catalogue during
the French rendering must be in it (the catalogue may not fall back to English), and no visible
text (or title, placeholder, aria-label) may be the same in both renderings while holding a word
of the English interface, once the project's own data (titles, quotes, names) is taken out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.template import Context, Template
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import translation
from django.utils.translation import trans_real

from tests.api.conftest import candidate, claim2, graph, release, work  # noqa: F401  (fixtures)
from annotations.exporters.licences import LICENCES
from annotations.models import AveritecLabel, FeverLabel, Job
from tests.api import test_malformed
from tests.api.test_malformed import UI_PARAMS
from tests.ui.test_i18n import parse_po
from tests.ui.test_import_errors_shown import refused_job

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"
WORD = re.compile(r"[A-Za-z][a-z]{2,}")
# Words that read the same in both languages, or are names rather than interface text.
SHARED = {
    "api", "csv", "jsonl", "json", "parquet", "fever", "averitec", "claimreview", "url", "urls",
    "html", "txt", "zip", "doccano", "label", "studio", "markdown", "htmx", "sha", "django",
    "admin", "test", "workbench", "token", "jsonld", "ld", "www", "https", "http", "org", "example",
    "tab",  # the key, as French keyboards print it too
}


class Visible(HTMLParser):
    """The text a reader sees, and the attributes read aloud or shown on hover."""

    SKIP = {"script", "style", "template"}
    ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        for name, value in attrs:
            if name in self.ATTRIBUTES and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and dict(attrs).get("type") in ("submit", "button") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible(content: str) -> set[str]:
    parser = Visible()
    parser.feed(content)
    return set(parser.chunks)


def english_only_words() -> set[str]:
    """Words of the English interface (msgids) that its French never uses."""
    english, french = set(), set()
    for entry in parse_po(LOCALE / "django.po"):
        if not entry["msgid"]:
            continue
        for key in ("msgid", "msgid_plural"):
            english |= {w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)s|\{\{.*?\}\}|<[^>]+>", " ", entry.get(key, "")))}
        for key in ("msgstr", "msgstr[0]", "msgstr[1]"):
            french |= {w.lower() for w in WORD.findall(entry.get(key, ""))}
    return english - french - SHARED


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def data_strings(catalogue: set[str]) -> list[str]:
    """What people typed, longest first: every text stored in the database (titles, bodies,
    quotes, names, a relation's reasons), the licences' official names, less what the catalogue
    translates (the default scheme's names are stored, and must still show in French). A job's
    result is not data: the errors in it are the readers' messages, which must be translated."""
    found: set[str] = {licence.name for licence in LICENCES}
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table not in tables:
            continue
        kinds = (models.CharField, models.TextField) if model is Job else (models.CharField, models.TextField, models.JSONField)
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, kinds)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*fields):
            found |= {value for value in _json_strings(list(row)) if len(value) > 1}
    # The labels of FEVER and AVeriTeC are the datasets' own words, shown as they are spelt even
    # where the catalogue translates the same word as a verdict's name.
    datasets = {str(label) for label in (*FeverLabel.labels, *AveritecLabel.labels)}
    return sorted((found - catalogue) | datasets, key=len, reverse=True)


@contextmanager
def catalogue_misses() -> Iterator[list[str]]:
    """The messages looked up in French that the French catalogue does not hold, as they happen."""
    misses: list[str] = []
    french = trans_real.translation("fr")
    plain, plural = french.gettext, french.ngettext
    missing = object()

    def gettext(message: str) -> str:
        if french._catalog.get(message, missing) is missing:
            misses.append(message)
        return plain(message)

    def ngettext(singular: str, plural_: str, n: int) -> str:
        try:
            french._catalog.plural(singular, n)
        except KeyError:
            misses.append(singular)
        return plural(singular, plural_, n)

    french.gettext, french.ngettext = gettext, ngettext  # type: ignore[method-assign]
    # The language switch names each language in itself (settings.LANGUAGES: "Français"), on purpose.
    self_names = {name for _code, name in settings.LANGUAGES}
    try:
        yield misses
        misses[:] = [m for m in misses if m not in self_names]
    finally:
        del french.gettext, french.ngettext


def untranslated(english: str, french: str, *, vocabulary: set[str], data: list[str]) -> list[str]:
    """Visible strings the same in both renderings that hold English interface words."""
    found = []
    for chunk in sorted(visible(english) & visible(french)):
        rest = chunk
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        # A quote cut short for a list ("“Sergueï Lavrov, a déclaré…”"), or a piece of a text
        # split by markup (a comment around its mention), is data too.
        core = rest.strip(" “”\"…")
        if core and any(core in value for value in data):
            continue
        if any(word.lower() in vocabulary for word in WORD.findall(rest)):
            found.append(chunk)
    return found


def ui_pages(ids: dict) -> list[str]:
    resolver = get_resolver().namespace_dict["ui"][1]
    urls = []
    for name in resolver.reverse_dict:
        if not isinstance(name, str):
            continue
        (_bits, params), *_ = resolver.reverse_dict.getlist(name)[0][0]
        if any(p not in UI_PARAMS or UI_PARAMS[p] not in ids for p in params):
            continue  # test_malformed fails on a route whose parameter has no id yet
        urls.append(reverse(f"ui:{name}", kwargs={p: ids[UI_PARAMS[p]] for p in params}))
    return urls


ids = test_malformed.ids  # the fixture: an id of each kind of object, shared with the malformed-input tests


def catalogue_ids() -> set[str]:
    return {e["msgid"] for e in parse_po(LOCALE / "django.po") if e["msgid"]}


def test_every_page_is_entirely_french(ids, users, project, tmp_path) -> None:
    # A refused import too, with what the real readers say about bad lines (its job's page).
    refused = refused_job(project, users["max"], tmp_path)
    vocabulary, data = english_only_words(), data_strings(catalogue_ids())
    clients = {"anonymous": Client()}
    for name in ("alice", "rita", "max", "rhea"):
        clients[name] = Client()
        clients[name].force_login(users[name])
    problems, rendered = [], set()
    for url in [*ui_pages(ids), reverse("ui:job", args=[refused.pk])]:
        for who, client in clients.items():
            english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            if english.status_code != 200 or "text/html" not in english.get("Content-Type", ""):
                continue
            with catalogue_misses() as misses:
                french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
            assert french.status_code == 200, (url, who)
            rendered.add(url)
            for message in misses:
                problems.append((url, who, "not in the catalogue", message))
            for chunk in untranslated(english.content.decode(), french.content.decode(), vocabulary=vocabulary, data=data):
                problems.append((url, who, "same in English", chunk))
    print(*sorted(set(problems)), sep="\n")
    assert len(rendered) > 25
    assert sorted(set(problems)) == []


# --- the checks fail when a translation is missing ----------------------------------------------


def test_the_catalogue_check_reports_a_message_with_no_french() -> None:
    """A template string (or a service's gettext) the catalogue lacks is reported, with its context."""
    page = Template('{% load i18n %}<p>{% translate "Overview" %}</p><p>{% translate "A sentence nobody translated" %}</p>'
                    '<p>{% translate "Enter" context "a context nobody used" %}</p>')
    with translation.override("fr"), catalogue_misses() as misses:
        shown = page.render(Context())
        translation.gettext("A service message nobody translated")
    assert "Vue d'ensemble" in shown  # a translated message passes
    assert misses == ["A sentence nobody translated", "a context nobody used\x04Enter",
                      "A service message nobody translated"]


def test_the_comparison_reports_english_left_in_the_french_page() -> None:
    """Hard-coded English (never passed to gettext) is the same in both renderings: reported;
    data (a title, a quote cut short) and words both languages share are not."""
    data = ["Lavrov et Vance", "Sergueï Lavrov, a déclaré que la position de la Russie restait inchangée."]
    english = ('<h1>Overview</h1><p>Lavrov et Vance</p><p>“Sergueï Lavrov, a déclaré…”</p><td>CSV</td>'
               '<button title="Accept every suggestion">x</button><p>3 articles read</p>')
    french = ('<h1>Vue d\'ensemble</h1><p>Lavrov et Vance</p><p>“Sergueï Lavrov, a déclaré…”</p><td>CSV</td>'
              '<button title="Accept every suggestion">x</button><p>3 articles read</p>')
    assert untranslated(english, french, vocabulary=english_only_words(), data=data) == [
        "3 articles read", "Accept every suggestion",
    ]
