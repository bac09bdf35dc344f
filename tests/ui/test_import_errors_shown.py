"""A refused import, as its job page shows it: every bad field of a line under the file's column
name, in the reader's language, and a progress that does not pretend (no 0 % or 100 %)."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse
from django.utils import translation

from annotations.importers.reader import RecordError, build_record
from annotations.models import Job, JobKind, JobStatus
from annotations.services.imports import ImportRefused, articles_import
from annotations.ui.import_messages import FORMS, translate_error, translate_job_error

pytestmark = pytest.mark.django_db


def test_a_line_with_two_bad_fields_reports_both_under_the_files_column_names() -> None:
    error = build_record("small.jsonl", 3, {"body": "Un texte.", "published": "15/08/2025", "url": "ftp://x"})
    assert isinstance(error, RecordError)
    assert error.field == "published, url"
    assert error.message == (
        "published: '15/08/2025' is a day-first date; dates are YYYY-MM-DD unless the project's language is "
        "French or the import is told dates are day first; url: 'ftp://x' is not an http(s) URL"
    )
    single = build_record("small.csv", 2, {"text": "Un texte.", "date": "hier"})
    assert isinstance(single, RecordError) and single.field == "date" and single.message == "'hier' is not a date (YYYY-MM-DD)"


def refused_job(project, max_, tmp_path) -> Job:
    """A failed import job holding what the real reader said about a file with bad lines."""
    path = tmp_path / "small.jsonl"
    lines = [
        {"title": "Sans texte"},
        {"body": "Deux erreurs.", "published": "15/08/2025", "url": "ftp://x"},
        {"body": "Trop long.", "title": "x" * 501},
        {"body": "Une date.", "date": "hier"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n{not json\n", encoding="utf-8")
    project.language = "en"
    project.save()
    with pytest.raises(ImportRefused) as caught:
        articles_import(project=project, path=path, by=max_)
    return Job.objects.create(
        project=project, kind=JobKind.IMPORT, status=JobStatus.FAILED, created_by=max_,
        error=str(caught.value), result=caught.value.as_dict(), phase="validating",
        progress_done=40, progress_total=100,
    )


def test_the_job_page_shows_every_problem_in_french(project, max_, client_for, tmp_path) -> None:
    job = refused_job(project, max_, tmp_path)
    url = reverse("ui:job", args=[job.pk])
    english = html.unescape(client_for(max_).get(url).content.decode())
    assert "small.jsonl: refused, 5 bad lines; nothing was imported" in english
    assert "<td>published, url</td>" in english and "is not an http(s) URL" in english
    french = html.unescape(client_for(max_).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "small.jsonl : refusé, 5 lignes incorrectes ; rien n'a été importé".replace(" :", "\u00a0:").replace(" ;", "\u00a0;") in french
    for message in job.result["errors"]:
        with translation.override("fr"):
            shown = translate_error(message["field"], message["message"])
        assert shown != message["message"], message  # every problem the reader gave is translated
        assert shown in french
    assert "n'est pas une URL http(s)" in french and "manquant ou vide" in french


def test_a_failed_job_shows_where_it_stopped_not_a_percentage(project, max_, client_for, tmp_path) -> None:
    job = refused_job(project, max_, tmp_path)
    for url in (reverse("ui:job", args=[job.pk]), reverse("ui:jobs", args=[project.slug])):
        page = client_for(max_).get(url).content.decode()
        block = page[page.index(f'id="job-{job.pk}-progress"'):]
        block = block[:block.index("</div>")]
        assert "<progress" not in block and "%" not in block, block
        assert "stopped while validating" in block


def test_every_form_has_its_french(settings) -> None:
    with translation.override("fr"):
        for _pattern, msgid in FORMS:
            assert translation.gettext(msgid) != msgid, msgid
        assert translate_job_error("a.csv: refused, 1 bad line; nothing was imported").startswith("a.csv")
        assert "1 ligne incorrecte" in translate_job_error("a.csv: refused, 1 bad line; nothing was imported")
    assert translate_problem_is_identity_for_unknown()


def translate_problem_is_identity_for_unknown() -> bool:
    """A message of a form not listed is shown as recorded, never dropped."""
    with translation.override("fr"):
        return translate_error(None, "something new went wrong") == "something new went wrong"


# The messages of the other tools' readers, the URL fetcher and the named CSV options, as they
# record them (annotations/importers/tools.py, fetch.py, sniff.py), each read in French.
RECORDED = [
    ("must be a whole number, not \"12\"", "doit être un nombre entier, pas \"12\""),
    ("the span 5–900 is not inside the text (0–120) or is empty",
     "l’extrait 5–900 n’est pas dans le texte (0–120) ou est vide"),
    ("'Lavrov' is not the text at 3–9 ('Vance ')", "'Lavrov' n’est pas le texte en 3–9 ('Vance ')"),
    ("'Lavrov' is not the text at 300–309 (outside the text)",
     "'Lavrov' n’est pas le texte en 300–309 (hors du texte)"),
    ("\"e9\" is no entity of this line", "\"e9\" n’est aucune entité de cette ligne"),
    ("is an XPath range (a HyperText task); only tasks labelled in a Text tag can be imported",
     "est une plage XPath (une tâche HyperText) ; seules les tâches annotées dans une balise Text peuvent être importées"),
    ("the host 'nowhere.invalid' cannot be resolved (Name or service not known)",
     "l’hôte 'nowhere.invalid' est introuvable (Name or service not known)"),
    ("its robots.txt answered HTTP 500; not fetched", "son robots.txt a répondu HTTP 500 ; page non récupérée"),
    ("robots.txt disallows it for the Workbench; not fetched", "robots.txt l’interdit au Workbench ; page non récupérée"),
    ("the server answered HTTP 404", "le serveur a répondu HTTP 404"),
    ("the page is larger than 10,485,760 bytes; not imported", "la page dépasse 10,485,760 octets ; non importée"),
    ("'x' is not a CSV separator; name one character, or one of comma, semicolon, tab",
     "'x' n’est pas un séparateur CSV ; donnez un caractère, ou l’un de comma, semicolon, tab"),
    ("is not a valid .gz file (Not a gzipped file (b'ab'))", "n’est pas un fichier .gz valide (Not a gzipped file (b'ab'))"),
]


@pytest.mark.parametrize(("english", "french"), RECORDED)
def test_the_other_readers_messages_read_in_french(english, french) -> None:
    with translation.override("fr"):
        assert translate_error("url", english) == french
    with translation.override("en"):
        assert translate_error("url", english) == english
