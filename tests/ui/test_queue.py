"""The work queue: who gets which slot, skip and come back, done on a verdict, and its views."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import selectors
from annotations.access import NotFound
from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimStatus,
    Membership,
    Role,
    TaskKind,
)
from annotations.services import projects as project_services
from annotations.services import work
from annotations.services.assignments import (
    assignment_complete,
    assignment_next,
    assignment_skip,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def judging(project):
    """The test project asking for judging only, overlap 2."""
    project.task_kind = TaskKind.JUDGING
    project.save()
    return project


@pytest.fixture
def carol(django_user_model, project):
    """A third annotator."""
    user = django_user_model.objects.create_user(username="carol", password="pw-carol")
    Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    return user


def judge(assignment, verdicts, code="supported"):
    """Give the assignment's claim a verdict as its annotator, as the article page would."""
    return work.annotation_save(
        claim=assignment.claim, annotator=assignment.annotator, verdict=verdicts[code]
    )


def work_through(project, user, verdicts) -> list[int]:
    """Ask for work until none is left, finishing each item; the claim ids handed out."""
    got = []
    while (a := assignment_next(project=project, by=user)) is not None:
        got.append(a.claim_id)
        judge(a, verdicts)
    return got


# Handing out claims


def test_overlap_is_met_exactly_and_nobody_gets_a_claim_twice(
    judging, make_articles, alice, bob, carol, verdicts
):
    make_articles(judging, 2, claims=3)
    handed = {u.username: work_through(judging, u, verdicts) for u in (alice, bob, carol)}
    for claims in handed.values():
        assert len(claims) == len(set(claims))
    per_claim = Counter(c for claims in handed.values() for c in claims)
    assert len(per_claim) == 6 and set(per_claim.values()) == {2}
    assert len(handed["alice"]) == 6 and len(handed["bob"]) == 6 and handed["carol"] == []
    slots = set(Assignment.objects.values_list("claim", "slot"))
    assert len(slots) == 12 and {s for _, s in slots} == {0, 1}


def test_the_queue_goes_in_article_order_then_by_claim_start(judging, make_articles, alice, verdicts):
    first, second = make_articles(judging, 2, claims=2)
    order = work_through(judging, alice, verdicts)
    expected = list(first.claims.order_by("start").values_list("pk", flat=True)) + list(
        second.claims.order_by("start").values_list("pk", flat=True)
    )
    assert order == expected


def test_next_is_idempotent_until_the_work_is_done(judging, make_articles, alice, verdicts):
    make_articles(judging, 1, claims=2)
    a = assignment_next(project=judging, by=alice)
    assert assignment_next(project=judging, by=alice).pk == a.pk
    assert Assignment.objects.count() == 1
    judge(a, verdicts)
    a.refresh_from_db()
    assert a.status == AssignmentStatus.DONE and a.completed_at is not None
    b = assignment_next(project=judging, by=alice)
    assert b.pk != a.pk and b.claim_id != a.claim_id


def test_candidate_suggestions_rejected_and_adjudicated_claims_are_not_handed_out(
    judging, make_articles, alice, rita, verdicts
):
    make_articles(judging, 1, claims=2, status=ClaimStatus.CANDIDATE)
    make_articles(judging, 1, claims=2, status=ClaimStatus.REJECTED)
    (article,) = make_articles(judging, 1, claims=2)
    adjudicated, open_claim = article.claims.order_by("start")
    Adjudication.objects.create(
        claim=adjudicated, verdict=verdicts["supported"], adjudicator=rita,
        method=AdjudicationMethod.ADJUDICATED,
    )
    assert work_through(judging, alice, verdicts) == [open_claim.pk]


def test_a_claim_rejected_after_it_was_handed_out_leaves_the_queue(
    judging, make_articles, alice, verdicts
):
    make_articles(judging, 1, claims=2)
    first = assignment_next(project=judging, by=alice)
    first.claim.status = ClaimStatus.REJECTED
    first.claim.save()
    second = assignment_next(project=judging, by=alice)
    assert second.claim_id != first.claim_id
    assert not Assignment.objects.filter(pk=first.pk).exists()
    # A skipped one too: rejected meanwhile, its slot is freed instead of coming back.
    assignment_skip(assignment=second, by=alice)
    Claim.objects.filter(pk=second.claim_id).update(status=ClaimStatus.REJECTED)
    assert assignment_next(project=judging, by=alice) is None
    assert not Assignment.objects.filter(annotator=alice).exists()


def test_a_verdict_given_outside_the_queue_takes_a_slot(judging, claim, alice, bob, carol, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    mine = Assignment.objects.get(claim=claim, annotator=alice)
    assert mine.status == AssignmentStatus.DONE and mine.slot == 0
    assert assignment_next(project=judging, by=alice) is None
    assert assignment_next(project=judging, by=bob).claim_id == claim.pk
    assert assignment_next(project=judging, by=carol) is None  # overlap 2 is met


def test_a_verdict_beyond_the_overlap_takes_no_slot(judging, claim, alice, bob, carol, verdicts):
    for user in (alice, bob):
        judge(assignment_next(project=judging, by=user), verdicts)
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["refuted"])
    assert Assignment.objects.filter(claim=claim).count() == 2


def test_saving_without_a_verdict_leaves_the_assignment_open(judging, claim, alice):
    a = assignment_next(project=judging, by=alice)
    work.annotation_save(claim=claim, annotator=alice, verdict=None, rationale="À vérifier")
    a.refresh_from_db()
    assert a.status == AssignmentStatus.ASSIGNED
    with pytest.raises(ValidationError) as exc:
        assignment_complete(assignment=a, by=alice)
    assert "verdict" in exc.value.message_dict


# Skip and come back


def test_skipped_work_comes_back_after_the_rest_in_the_order_it_was_skipped(
    judging, make_articles, alice, verdicts
):
    make_articles(judging, 1, claims=3)
    x = assignment_next(project=judging, by=alice)
    assignment_skip(assignment=x, by=alice)
    y = assignment_next(project=judging, by=alice)
    assert y.claim_id != x.claim_id
    assignment_skip(assignment=y, by=alice)
    z = assignment_next(project=judging, by=alice)
    judge(z, verdicts)
    # Nothing new is left: the skipped ones come back, first skipped first.
    assert assignment_next(project=judging, by=alice).pk == x.pk
    assignment_skip(assignment=x, by=alice)
    assert assignment_next(project=judging, by=alice).pk == y.pk
    judge(y, verdicts)
    again = assignment_next(project=judging, by=alice)
    assert again.pk == x.pk and again.status == AssignmentStatus.ASSIGNED
    judge(again, verdicts)
    assert assignment_next(project=judging, by=alice) is None


def test_a_skipped_item_keeps_its_slot(judging, claim, alice, bob, carol):
    a = assignment_next(project=judging, by=alice)
    assignment_skip(assignment=a, by=alice)
    assert assignment_next(project=judging, by=bob).claim_id == claim.pk
    assert assignment_next(project=judging, by=carol) is None


def test_skipping_or_finishing_someone_elses_assignment_is_refused(judging, claim, alice, bob, verdicts):
    a = assignment_next(project=judging, by=alice)
    with pytest.raises(NotFound):
        assignment_skip(assignment=a, by=bob)
    with pytest.raises(NotFound):
        assignment_complete(assignment=a, by=bob)
    judge(a, verdicts)
    with pytest.raises(ValidationError):
        assignment_skip(assignment=a, by=alice)
    a.refresh_from_db()
    assert a.status == AssignmentStatus.DONE


def test_losing_the_annotator_role_frees_held_and_skipped_slots_but_keeps_finished_work(
    judging, make_articles, alice, bob, carol, max_, verdicts
):
    make_articles(judging, 1, claims=3)
    done = assignment_next(project=judging, by=alice)
    judge(done, verdicts)
    skipped = assignment_skip(assignment=assignment_next(project=judging, by=alice), by=alice)
    held = assignment_next(project=judging, by=alice)
    work_through(judging, bob, verdicts)
    assert work_through(judging, carol, verdicts) == []  # alice and bob fill the overlap of 2

    project_services.membership_remove(project=judging, user=alice, role=Role.ANNOTATOR, by=max_)

    assert list(Assignment.objects.filter(annotator=alice).values_list("pk", flat=True)) == [done.pk]
    # The two claims alice held come to carol; the one alice finished does not.
    assert sorted(work_through(judging, carol, verdicts)) == sorted([skipped.claim_id, held.claim_id])


def test_losing_one_of_two_roles_keeps_the_slots_the_other_still_gets(project, make_articles, alice, max_):
    Membership.objects.create(user=alice, project=project, role=Role.REVIEWER)
    make_articles(project, 1, claims=1)
    finding = assignment_next(project=project, by=alice)
    assert finding.claim_id is None
    project_services.membership_remove(project=project, user=alice, role=Role.ANNOTATOR, by=max_)
    # Reviewers find claims too, so the article stays alice's.
    assert Assignment.objects.get(annotator=alice).pk == finding.pk
    project_services.membership_remove(project=project, user=alice, role=Role.REVIEWER, by=max_)
    assert not Assignment.objects.filter(annotator=alice).exists()


# Finding work


def test_finding_hands_each_article_to_one_finder_until_they_say_done(
    project, make_articles, alice, bob
):
    project.task_kind = TaskKind.FINDING
    project.save()
    first, second = make_articles(project, 2, claims=2)
    a = assignment_next(project=project, by=alice)
    b = assignment_next(project=project, by=bob)
    assert (a.article_id, a.claim_id, b.article_id, b.claim_id) == (first.pk, None, second.pk, None)
    assert assignment_next(project=project, by=alice).pk == a.pk
    assignment_complete(assignment=a, by=alice)
    assert assignment_next(project=project, by=alice) is None  # bob holds the other article


def test_both_kinds_find_an_article_before_judging_its_claims(project, make_articles, alice):
    assert project.task_kind == TaskKind.BOTH
    (article,) = make_articles(project, 1, claims=2)
    kinds = []
    while (a := assignment_next(project=project, by=alice)) is not None:
        kinds.append("find" if a.claim_id is None else "judge")
        if a.claim_id is None:
            assignment_complete(assignment=a, by=alice)
        else:
            work.annotation_save(
                claim=a.claim, annotator=alice, verdict=project.scheme.verdicts.first()
            )
    assert kinds == ["find", "judge", "judge"]


# Who gets work


def test_roles_without_queue_work_are_refused_and_outsiders_told_nothing(
    judging, claim, rita, max_, rhea, charlie
):
    for user in (rita, max_, rhea):
        with pytest.raises(PermissionDenied):
            assignment_next(project=judging, by=user)
    with pytest.raises(NotFound):
        assignment_next(project=judging, by=charlie)
    assert not Assignment.objects.exists()


def test_reviewers_may_take_finding_work_but_never_judging(project, claim, rita):
    a = assignment_next(project=project, by=rita)
    assert a.claim_id is None and a.article_id == claim.article_id
    assignment_complete(assignment=a, by=rita)
    assert assignment_next(project=project, by=rita) is None


def test_queue_counts(judging, make_articles, alice, verdicts):
    make_articles(judging, 2, claims=2)
    a = assignment_next(project=judging, by=alice)
    counts = selectors.queue_counts(alice, judging)
    assert (counts.open, counts.skipped, counts.done, counts.waiting) == (1, 0, 0, 3)
    assignment_skip(assignment=a, by=alice)
    judge(assignment_next(project=judging, by=alice), verdicts)
    counts = selectors.queue_counts(alice, judging)
    assert (counts.open, counts.skipped, counts.done, counts.waiting) == (0, 1, 1, 2)


def test_queue_counts_both_kinds_of_waiting_work_in_one_query(project, make_articles, alice, verdicts):
    """A project asking for judging and finding counts the claims and the articles still waiting
    for the user together, each as the queue would hand them out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project.task_kind = TaskKind.BOTH
    project.save()
    make_articles(project, 3, claims=2)
    with CaptureQueriesContext(connection) as ctx:
        counts = selectors.queue_counts(alice, project, frozenset({"annotator"}), statuses=(0, 0, 0))
    assert len(ctx.captured_queries) == 1
    assert (counts.waiting_claims, counts.waiting_articles) == (6, 3)
    found = assignment_next(project=project, by=alice)
    counts = selectors.queue_counts(alice, project)
    assert counts.open == 1
    assert counts.waiting == 6 + 3 - 1 and not counts.waiting.more
    assert found is not None


def test_assignment_next_runs_a_number_of_queries_independent_of_the_project_size(
    judging, make_articles, alice, bob, verdicts
):
    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            a = assignment_next(project=judging, by=alice)
        judge(a, verdicts)
        return len(ctx.captured_queries)

    make_articles(judging, 2, claims=2)
    small = measure()
    make_articles(judging, 30, claims=10)
    assert measure() == small
    assert small <= 12


# Views


def post_next(client, project):
    return client.post(reverse("ui:next", args=[project.slug]))


def test_next_redirects_to_the_claim_on_its_article_page(judging, claim, alice, client_for):
    response = post_next(client_for(alice), judging)
    a = Assignment.objects.get(annotator=alice)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("ui:article", args=[claim.article_id]) + f"?claim={claim.pk}&assignment={a.pk}"
    )
    assert post_next(client_for(alice), judging)["Location"] == response["Location"]


def test_next_with_nothing_left_says_so_on_the_project_page(judging, alice, client_for):
    client = client_for(alice)
    response = post_next(client, judging)
    assert response["Location"] == reverse("ui:project", args=[judging.slug])
    page = client.get(response["Location"])
    assert "Nothing left in your queue" in page.content.decode()


def test_next_refuses_get_wrong_roles_outsiders_and_anonymous(judging, claim, rhea, charlie, client, client_for):
    url = reverse("ui:next", args=[judging.slug])
    assert client_for(rhea).post(url).status_code == 403
    assert client_for(charlie).post(url).status_code == 404
    assert client_for(charlie).post(reverse("ui:next", args=["nope"])).status_code == 404
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))
    assert client_for(rhea).get(url).status_code == 405
    assert not Assignment.objects.exists()


def test_skip_goes_to_the_next_item(judging, make_articles, alice, client_for):
    make_articles(judging, 1, claims=2)
    client = client_for(alice)
    post_next(client, judging)
    first = Assignment.objects.get(annotator=alice)
    response = client.post(reverse("ui:skip", args=[first.pk]))
    second = Assignment.objects.exclude(pk=first.pk).get(annotator=alice)
    assert response["Location"].endswith(f"assignment={second.pk}")
    first.refresh_from_db()
    assert first.status == AssignmentStatus.SKIPPED


def test_skipping_the_last_item_brings_it_straight_back_with_a_message(judging, claim, alice, client_for):
    client = client_for(alice)
    post_next(client, judging)
    a = Assignment.objects.get(annotator=alice)
    response = client.post(reverse("ui:skip", args=[a.pk]))
    assert response["Location"].endswith(f"assignment={a.pk}")
    assert any("skipped" in str(m) for m in get_messages(response.wsgi_request))


def test_skip_and_done_refuse_others_outsiders_and_anonymous(judging, claim, alice, bob, charlie, client, client_for):
    a = assignment_next(project=judging, by=alice)
    for name in ("ui:skip", "ui:assignment_done"):
        url = reverse(name, args=[a.pk])
        assert client_for(bob).post(url).status_code == 404
        assert client_for(charlie).post(url).status_code == 404
        assert client_for(alice).get(url).status_code == 405
        response = client.post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("ui:login"))
    a.refresh_from_db()
    assert a.status == AssignmentStatus.ASSIGNED


def test_done_with_an_article_goes_to_the_next(project, make_articles, alice, client_for):
    project.task_kind = TaskKind.FINDING
    project.save()
    make_articles(project, 2)
    client = client_for(alice)
    post_next(client, project)
    a = Assignment.objects.get(annotator=alice)
    response = client.post(reverse("ui:assignment_done", args=[a.pk]))
    b = Assignment.objects.exclude(pk=a.pk).get(annotator=alice)
    assert response["Location"] == reverse("ui:article", args=[b.article_id]) + f"?assignment={b.pk}"
    a.refresh_from_db()
    assert a.status == AssignmentStatus.DONE


def test_done_without_a_verdict_is_refused_with_a_message(judging, claim, alice, client_for):
    client = client_for(alice)
    post_next(client, judging)
    a = Assignment.objects.get(annotator=alice)
    response = client.post(reverse("ui:assignment_done", args=[a.pk]))
    assert response["Location"].endswith(f"assignment={a.pk}")
    assert any("verdict" in str(m) for m in get_messages(response.wsgi_request))
    a.refresh_from_db()
    assert a.status == AssignmentStatus.ASSIGNED


def test_the_queue_views_run_a_bounded_number_of_queries(
    judging, make_articles, alice, client_for, django_assert_max_num_queries
):
    make_articles(judging, 20, claims=10)
    client = client_for(alice)
    with django_assert_max_num_queries(18):
        post_next(client, judging)
    a = Assignment.objects.get(annotator=alice)
    with django_assert_max_num_queries(26):
        client.post(reverse("ui:skip", args=[a.pk]))


# Progress for managers


def test_annotator_progress_counts_each_persons_work(project, make_articles, alice, bob, max_, verdicts):
    first, _second = make_articles(project, 2, claims=2)
    find = assignment_next(project=project, by=alice)  # "both": alice finds the first article
    assignment_complete(assignment=find, by=alice)
    judge(assignment_next(project=project, by=alice), verdicts)
    assignment_skip(assignment=assignment_next(project=project, by=alice), by=alice)
    assignment_next(project=project, by=bob)  # the first article's claims come before the second
    people = {p.user.username: p for p in selectors.annotator_progress(max_, project)}
    assert set(people) == {"alice", "bob"}
    a = people["alice"]
    assert (a.find_done, a.judge_done, a.judge_skipped, a.judge_open, a.verdicts) == (1, 1, 1, 0, 1)
    assert (a.assigned, a.done, a.percent, a.roles) == (3, 2, 67, ("annotator",))
    assert a.last_done is not None
    b = people["bob"]
    assert (b.judge_open, b.assigned, b.done, b.last_done) == (1, 1, 0, None)


def test_annotator_progress_lists_whoever_holds_slots(project, claim, rita, max_):
    assignment_next(project=project, by=rita)  # a reviewer may find claims
    people = {p.user.username: p for p in selectors.annotator_progress(max_, project)}
    assert people["rita"].find_open == 1 and people["rita"].roles == ("reviewer",)


def test_article_progress_figures(judging, make_articles, alice, bob, max_, verdicts):
    first, second = make_articles(judging, 2, claims=2)
    for user in (alice, bob):
        judge(assignment_next(project=judging, by=user), verdicts)  # both judge the same claim
    assignment_next(project=judging, by=alice)
    rows = {a.pk: a for a in selectors.article_progress(max_, judging)}
    f = rows[first.pk]
    assert (f.n_accepted, f.n_judged, f.slots_needed, f.slots_taken, f.slots_done) == (2, 1, 4, 3, 2)
    s = rows[second.pk]
    assert (s.n_accepted, s.n_judged, s.slots_taken, s.finders_open, s.finders_done) == (2, 0, 0, 0, 0)


def test_progress_is_for_managers_only(project, claim, alice, rita, charlie):
    for selector in (selectors.annotator_progress, selectors.article_progress):
        with pytest.raises(PermissionDenied):
            selector(alice, project)
        with pytest.raises(PermissionDenied):
            selector(rita, project)
        with pytest.raises(NotFound):
            selector(charlie, project)


def test_progress_runs_a_fixed_number_of_queries(
    project, make_articles, django_user_model, max_, verdicts, django_assert_num_queries
):
    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as people:
            selectors.annotator_progress(max_, project)
        with CaptureQueriesContext(connection) as articles:
            list(selectors.article_progress(max_, project))
        return len(people.captured_queries), len(articles.captured_queries)

    make_articles(project, 1, claims=1)
    small = measure()
    make_articles(project, 20, claims=5)
    for i in range(5):
        user = django_user_model.objects.create_user(username=f"extra{i}")
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
        for _ in range(3):
            a = assignment_next(project=project, by=user)
            if a.claim_id is None:
                assignment_complete(assignment=a, by=user)
            else:
                judge(a, verdicts)
    assert measure() == small
    assert small[0] <= 6 and small[1] <= 2
