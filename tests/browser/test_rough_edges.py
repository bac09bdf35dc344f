"""Rough edges in a real Chromium: the 403 and 404 pages (both languages, DEBUG on and off),
tables at a phone's 390 px, the keyboard help opening at its title, the token's copy button.
Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest

from annotations.models import Annotation, Job, JobKind, JobStatus
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_refusals_are_pages_of_the_app_in_both_languages(page, live_server, settings, project, debug) -> None:
    base = live_server.url
    log_in(page, base, "alice", "pw-alice")
    settings.DEBUG = debug  # after the page fixture, which turns it on for static files
    response = page.goto(f"{base}/p/{project.slug}/members/")
    assert response.status == 403
    assert page.inner_text("#error-title") == "Not allowed"
    assert "Your role in this project does not allow you to manage." in page.inner_text("main")
    assert page.is_visible("#logout")  # the app's top bar, not a bare page
    screenshot(page, f"error-403-en-{'debug' if debug else 'nodebug'}")
    page.select_option("#language", "fr")
    page.wait_for_selector("html[lang=fr]")
    assert page.inner_text("#error-title") == "Action non autorisée"
    assert "ne vous permet pas de gérer" in page.inner_text("main")
    screenshot(page, f"error-403-fr-{'debug' if debug else 'nodebug'}")
    response = page.goto(f"{base}/no/such/page/")
    assert response.status == 404
    assert page.inner_text("#error-title") == "Page introuvable"
    page.click("#error-home")  # the way back
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/p/no-such-project/")
    assert "Cette page n'existe pas, ou vous ne pouvez pas la voir." in page.inner_text("main")
    screenshot(page, f"error-404-fr-{'debug' if debug else 'nodebug'}")


def test_tables_do_not_widen_the_page_at_390_px(page, live_server, project, claim, verdicts, alice, bob, max_) -> None:
    Annotation.objects.create(claim=claim, annotator=alice, verdict=verdicts["supported"])
    Annotation.objects.create(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    Job.objects.create(project=project, kind=JobKind.IMPORT, status=JobStatus.FAILED, created_by=max_,
                       error="a-very-long-file-name-without-any-space-at-all-to-break.jsonl: refused, 3 bad lines")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    for user, urls in [
        ("max", [f"/p/{project.slug}/", f"/p/{project.slug}/jobs/", f"/p/{project.slug}/members/",
                 f"/p/{project.slug}/progress/", f"/p/{project.slug}/review/", f"/p/{project.slug}/agreement/",
                 f"/claims/{claim.pk}/adjudicate/"]),
    ]:
        log_in(page, base, user, f"pw-{user}")
        for url in urls:
            page.goto(base + url)
            page.wait_for_load_state("load")
            assert page.locator("main table").count() > 0, url
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (url, width)
            screenshot(page, "390px" + url.replace("/", "-").rstrip("-"))


def test_the_keyboard_help_opens_at_its_title(page, live_server, project, claim, rita) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 500})  # short: the help's list must scroll
    log_in(page, base, "rita", "pw-rita")
    page.goto(f"{base}/claims/{claim.pk}/adjudicate/")
    page.keyboard.press("?")
    page.wait_for_selector("#help:not([hidden])")
    assert page.evaluate("() => document.activeElement.id") == "help-title"
    assert page.evaluate("() => document.querySelector('#help .overlay-box').scrollTop") == 0
    box = page.locator("#help-title").bounding_box()
    assert box is not None and box["y"] >= 0
    screenshot(page, "keyboard-help")


def test_the_new_token_is_shown_whole_with_a_copy_button(page, live_server, alice) -> None:
    base = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    log_in(page, base, "alice", "pw-alice")
    page.goto(f"{base}/account/token/")
    page.click("button[name=action][value=rotate]")
    page.wait_for_selector("#new-token")
    token = page.input_value("#new-token")
    assert len(token) >= 30
    # Whole: the field is tall enough for its text, nothing scrolled out of sight.
    assert page.evaluate("() => { const t = document.getElementById('new-token'); "
                         "return t.scrollWidth <= t.clientWidth && t.scrollHeight <= t.clientHeight + 2; }")
    page.click("#copy-token")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.length > 0")
    assert page.inner_text("#copy-status") == "Copied to the clipboard."
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    screenshot(page, "token-copied")
