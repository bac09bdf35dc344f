import pytest
from tests.browser.test_review import browser_page, log_in  # noqa
from annotations.services import work
from annotations.models import Claim
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]
def test_shots(browser_page, live_server, claim, article, alice, bob, rita, verdicts):
    body = article.body
    s = body.index("JD Vance"); e = body.index("concessions.") + len("concessions.")
    c2 = Claim.objects.create(article=article, start=s, end=e, quote=body[s:e], origin="manual", status="accepted")
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], confidence=4, rationale="Lavrov dit non.\nDeuxième ligne.")
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"], confidence=2, rationale="Selon l'AFP.")
    work.annotation_save(claim=c2, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=c2, annotator=bob, verdict=verdicts["supported"])
    work.evidence_add(claim=claim, by=alice, stance="refutes", url="https://example.org/lavrov", title="Lavrov au Monde", passage="La position est inchangée.")
    work.evidence_add(claim=claim, by=bob, stance="supports", url="https://example.org/afp", title="AFP")
    page = browser_page
    log_in(page, live_server.url, "rita", "pw-rita")
    for w in (1280, 768):
        page.set_viewport_size({"width": w, "height": 1000})
        page.goto(f"{live_server.url}/p/test/review/?filter=all"); page.screenshot(path=f"/tmp/q{w}.png", full_page=True)
        page.goto(f"{live_server.url}/claims/{claim.pk}/adjudicate/"); page.screenshot(path=f"/tmp/a{w}.png", full_page=True)
        page.goto(f"{live_server.url}/p/test/agreement/"); page.screenshot(path=f"/tmp/g{w}.png", full_page=True)
