"""One date form per language, everywhere: 15 Aug 2025 in English, 15 août 2025 in French."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "annotations" / "templates"
# A date filter whose output is shown (not a datetime="…" or value="…" attribute for machines).
SHOWN_DATE = re.compile(r'(?<!datetime=")(?<!value=")\{\{[^}]*\|date:(["\'])([^"\']+)\1')


def test_every_template_shows_dates_in_the_languages_one_form() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for match in SHOWN_DATE.finditer(path.read_text(encoding="utf-8")):
            # The named formats only: short and long are one form per language (test below).
            if match.group(2) not in ("DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT"):
                found.append((path.name, match.group(0)))
    assert found == []


@pytest.mark.parametrize(("language", "date", "when"), [
    ("en", "15 Aug 2025", "15 Aug 2025, 14:05"),
    ("fr", "15 août 2025", "15 août 2025 14:05"),
])
def test_the_short_and_long_forms_are_one(language, date, when) -> None:
    day, moment = dt.date(2025, 8, 15), dt.datetime(2025, 8, 15, 14, 5)
    with translation.override(language):
        assert {formats.date_format(day, f) for f in ("DATE_FORMAT", "SHORT_DATE_FORMAT")} == {date}
        assert {formats.date_format(moment, f) for f in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT")} == {when}


def test_an_articles_date_reads_the_same_on_every_page_in_each_language(project, article, claim, rita, client_for) -> None:
    article.published_on = dt.date(2025, 8, 15)
    article.save()
    client = client_for(rita)
    for url in (reverse("ui:project", args=[project.slug]), reverse("ui:article", args=[article.pk]),
                reverse("ui:adjudicate", args=[claim.pk])):
        english = html.unescape(client.get(url).content.decode())
        french = html.unescape(client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
        assert "15 Aug 2025" in english and "08/15/2025" not in english and ">2025-08-15<" not in english, url
        assert "15 août 2025" in french and "15/08/2025" not in french, url
