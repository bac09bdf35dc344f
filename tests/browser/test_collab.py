"""Comments with a mention and its notification, and the shareable filters, in a real Chromium."""

from __future__ import annotations

import datetime as dt

import pytest

from annotations.models import Article, Comment, Notification, NotificationKind, Outlet, body_hash
from tests.browser.conftest import ARTIFACTS, log_in, log_out, settled

# serialized_rollback: the flush after each test would drop the default scheme the migrations made.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_alice_mentions_rita_who_sees_the_bell_and_opens_the_claim(page, live_server, claim, alice, rita):
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/articles/{claim.article_id}/?claim={claim.pk}")
    thread = f"#comments-claim-{claim.pk}"
    page.wait_for_selector(thread)  # the thread loads after the panel
    page.click(f"{thread} [data-mention=rita]")  # the member list inserts the mention
    page.wait_for_function(
        f"() => document.getElementById('comments-claim-{claim.pk}-body').value === '@rita '"
    )
    page.keyboard.type("is Lavrov quoted right?")
    page.click(f"{thread} button[type=submit]")
    page.wait_for_selector(f"{thread} .comment .mention")
    assert page.inner_text(f"{thread} .comment .mention") == "@rita"
    assert "is Lavrov quoted right?" in page.inner_text(f"{thread} .comment-body")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "comment-mention.png"))
    assert Comment.objects.get().mentions.get() == rita
    log_out(page)

    log_in(page, live_server.url, "rita", "pw-rita")
    page.wait_for_selector("#bell-count")  # fetched after the page
    assert page.inner_text("#bell-count") == "1"
    page.click("#bell")
    page.wait_for_url("**/notifications/")
    note = page.locator(".notification.unread button.link").first
    assert "alice mentioned you on claim" in note.inner_text()
    page.screenshot(path=str(ARTIFACTS / "notifications.png"))
    note.click()
    page.wait_for_url(f"**/articles/{claim.article_id}/?claim={claim.pk}")
    page.wait_for_selector(f"#comments-claim-{claim.pk} .comment")
    settled(page, f"#comments-claim-{claim.pk}")
    assert page.locator("#bell-count").count() == 0
    assert Notification.objects.get(user=rita, kind=NotificationKind.MENTION).read_at is not None


def test_filters_live_in_the_url_and_survive_sharing(page, live_server, project, alice):
    monde = Outlet.objects.create(project=project, name="Le Monde", domain="lemonde.fr")
    for title, outlet, lang, day in [
        ("Sommet d'Anchorage", monde, "fr", 15), ("Vance et les concessions", None, "fr", 17),
        ("Summit recap", monde, "en", 20),
    ]:
        body = f"{title}: le texte de l'article."
        Article.objects.create(project=project, title=title, outlet=outlet, language=lang, body=body,
                               body_hash=body_hash(body), published_on=dt.date(2025, 8, day))
    log_in(page, live_server.url, "alice", "pw-alice")
    page.goto(f"{live_server.url}/p/test/")
    page.fill("#article-filters input[name=q]", "texte")
    page.select_option("#article-filters select[name=outlet]", str(monde.pk))
    page.select_option("#article-filters select[name=sort]", "-published")
    page.click("#article-filters button[type=submit]")
    page.wait_for_url("**/p/test/?*q=texte*")
    expected = ["Summit recap", "Sommet d'Anchorage"]
    assert page.locator("table.articles tbody td:first-child").all_inner_texts() == expected
    shared = page.url
    page.screenshot(path=str(ARTIFACTS / "article-filters.png"))

    # Someone else opens the shared link: same list, the form shows the filters.
    log_out(page)
    log_in(page, live_server.url, "bob", "pw-bob")
    page.goto(shared)
    assert page.locator("table.articles tbody td:first-child").all_inner_texts() == expected
    assert page.input_value("#article-filters input[name=q]") == "texte"
    page.click("#article-filters-clear")
    page.wait_for_url("**/p/test/#articles")
    assert page.locator("table.articles tbody tr").count() == 3
