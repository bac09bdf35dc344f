"""The admin's history pages answer the same for an object the user may not see (of another
project, present or deleted) as for one that never existed: no id tells which."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.urls import reverse

from annotations.admin.base import ScopedHistoryAdmin
from annotations.models import (
    ReferenceFactCheck,
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    CandidateOrigin,
    CheckQuestion,
    Comment,
    Claim,
    ClaimOrigin,
    ClaimRelation,
    ClaimStatus,
    Evidence,
    Membership,
    Project,
    QuestionAnswer,
    RelationCandidate,
    RelationKind,
    Role,
    Stance,
    body_hash,
)
from annotations.services.projects import default_scheme

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


def _history_models() -> set[str]:
    return {
        model._meta.model_name for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ScopedHistoryAdmin)
    }


@pytest.fixture
def elsewhere(django_user_model) -> dict:
    """One object of each model with a history page, in a project nobody of ours belongs to;
    and a claim there that was deleted (its history remains)."""
    olga = django_user_model.objects.create_user(username="olga", password="pw", is_staff=True)
    project = Project.objects.create(name="Elsewhere", slug="elsewhere", scheme=default_scheme())
    Membership.objects.create(user=olga, project=project, role=Role.ANNOTATOR)
    text = "Un autre texte, ailleurs. Une autre phrase encore."
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
    claim, other, gone = (
        Claim.objects.create(article=article, start=s, end=e, quote=text[s:e],
                             origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)
        for s, e in ((0, 14), (26, 49), (15, 24))
    )
    verdict = project.scheme.verdicts.first()
    objects = {
        "claim": claim,
        "claimrelation": ClaimRelation.objects.create(source=claim, target=other, kind=RelationKind.SUPPORTS),
        "annotation": Annotation.objects.create(claim=claim, annotator=olga, verdict=verdict),
        "evidence": Evidence.objects.create(claim=claim, added_by=olga, url="https://example.org/e",
                                            stance=Stance.CONTEXT),
        "adjudication": Adjudication.objects.create(claim=other, verdict=verdict,
                                                    method=AdjudicationMethod.UNANIMOUS),
    }
    question = CheckQuestion.objects.create(project=project, text="Ailleurs ?")
    objects |= {
        "checkquestion": question,
        "questionanswer": QuestionAnswer.objects.create(question=question, claim=claim, answer="yes"),
        "relationcandidate": RelationCandidate.objects.create(
            project=project, kind=RelationKind.SAME, a_article=article, a_start=0, a_end=14,
            b_article=Article.objects.create(project=project, body="Un tiers.", body_hash=body_hash("Un tiers.")),
            b_start=0, b_end=8, score=0.5, origin=CandidateOrigin.ENGINE,
        ),
        "comment": Comment.objects.create(project=project, claim=claim, author=olga, body="Ailleurs."),
        "referencefactcheck": ReferenceFactCheck.objects.create(
            project=project, url="https://example.org/fc", claim_reviewed="Ailleurs.", rating_text="Faux",
        ),
    }
    gone_pk = gone.pk
    gone.delete()
    return {"objects": objects, "deleted_claim": gone_pk}


_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _page(response) -> str:
    """The page with its CSRF token blanked (masked afresh in every response) and its own address
    blanked (the language switch's `next` holds the id asked about): nothing else may differ."""
    path = response.request["PATH_INFO"]
    text = _CSRF.sub(r"\1<csrf>", response.content.decode())
    return text.replace(quote(path, safe=""), "<path>").replace(path, "<path>")


@pytest.mark.parametrize("name", ["rita", "max"])
def test_history_pages_answer_alike_for_hidden_deleted_and_missing_objects(
    name, client, users, project, claim, elsewhere
) -> None:
    client.force_login(users[name])
    objects = elsewhere["objects"]
    assert set(objects) == _history_models(), "give the fixture an object of each history admin"
    for model, obj in objects.items():
        hidden = client.get(reverse(f"admin:annotations_{model}_history", args=[obj.pk]))
        missing = client.get(reverse(f"admin:annotations_{model}_history", args=[MISSING]))
        assert hidden.status_code == missing.status_code == 404, model
        assert _page(hidden) == _page(missing), model
        version = obj.history.first().history_id
        hidden = client.get(reverse(f"admin:annotations_{model}_simple_history", args=[obj.pk, version]))
        missing = client.get(reverse(f"admin:annotations_{model}_simple_history", args=[MISSING, version]))
        assert hidden.status_code == missing.status_code == 404, model
        assert _page(hidden) == _page(missing), model
    deleted = client.get(reverse("admin:annotations_claim_history", args=[elsewhere["deleted_claim"]]))
    assert deleted.status_code == 404
    # Their own project's objects still have their history.
    assert client.get(reverse("admin:annotations_claim_history", args=[claim.pk])).status_code == 200
