"""The questions list costs the same number of queries whatever the number of questions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from annotations.models import CheckQuestion, QuestionAnswer
pytestmark = pytest.mark.django_db

def test_questions_list_queries_do_not_grow_with_questions(graph, project, claim, client_for):
    client = client_for("alice")
    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/v1/questions/?project=test")
        assert r.status_code == 200
        return len(ctx.captured_queries), r.json()["results"]
    count()  # the token's first use writes once
    before, _ = count()
    for i in range(5):
        q = CheckQuestion.objects.create(project=project, text=f"Q{i} ?")
        QuestionAnswer.objects.create(question=q, claim=claim, answer="yes")
    after, results = count()
    assert after == before
    assert any(r["contradictions"] for r in results)
