"""What saving a verdict costs in statements (services.work.annotation_save), and that the cheap
path keeps every rule: optimistic locking, history, roles, assignment accounting and automatic
adjudication, also when two annotators save at the same instant (PostgreSQL).

Inside a test's transaction the service's own atomic block is a savepoint, so each list starts
with SAVEPOINT and ends with RELEASE; in a request it is BEGIN … COMMIT, which are not queries.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.access import NotFound, StaleVersion
from annotations.models import (
    Adjudication,
    AdjudicationMethod,
    Annotation,
    Article,
    Assignment,
    AssignmentStatus,
    Claim,
    ClaimOrigin,
    ClaimStatus,
    Evidence,
    Membership,
    Project,
    Role,
    body_hash,
)
from annotations.services import work
from annotations.services.adjudication import AUTO_REASON, WITHDRAWN_REASON, claim_adjudicate

pytestmark = pytest.mark.django_db

_TOP_LEVEL = re.compile(r'\b(FROM|INTO|UPDATE)\s+"(\w+)"')


def statements(ctx: CaptureQueriesContext) -> list[str]:
    """Each captured statement as "VERB table" (the outermost one; FOR UPDATE noted), or
    SAVEPOINT / RELEASE / ROLLBACK for transaction control."""
    out = []
    for query in ctx.captured_queries:
        sql = query["sql"]
        verb = sql.split(None, 1)[0].upper()
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            out.append(verb)
            continue
        depth, table = 0, "?"
        for i, char in enumerate(sql):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0 and (found := _TOP_LEVEL.match(sql, i)):
                table = found.group(2).removeprefix("annotations_")
                break
        locked = " FOR UPDATE" if re.search(r"FOR (NO KEY )?UPDATE", sql) else ""
        out.append(f"{verb} {table}{locked}")
    return out


def lock() -> str:
    """The claim's locking read: FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction
    already holds the write lock."""
    return "SELECT claim FOR UPDATE" if connection.vendor == "postgresql" else "SELECT claim"


@pytest.fixture
def carol(django_user_model, project):
    """A third annotator."""
    user = django_user_model.objects.create_user(username="carol", password="pw-carol")
    Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
    return user


def assign(claim: Claim, user, slot: int, status: str = AssignmentStatus.ASSIGNED) -> Assignment:
    return Assignment.objects.create(
        project=claim.article.project, article=claim.article, claim=claim, annotator=user,
        slot=slot, status=status,
    )


def other_claim(project: Project, text: str = "Une autre affirmation.") -> Claim:
    article = Article.objects.create(project=project, body=text, body_hash=body_hash(text))
    return Claim.objects.create(article=article, start=0, end=len(text), quote=text,
                                origin=ClaimOrigin.MANUAL, status=ClaimStatus.ACCEPTED)


# --- the common case: an assigned annotator saves, then changes, a verdict ----------------------


def test_a_verdict_on_an_assigned_claim_takes_five_statements(claim, alice, verdicts):
    slot = assign(claim, alice, 0)
    with CaptureQueriesContext(connection) as created:
        mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"],
                                    confidence=4, rationale="Lavrov l'a dit.")
    assert statements(created) == [
        "SAVEPOINT", lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation",
        "UPDATE assignment", "RELEASE",
    ]
    slot.refresh_from_db()
    assert slot.status == AssignmentStatus.DONE and slot.completed_at is not None
    assert (mine.version, mine.verdict, mine.annotator, mine.claim) == (
        1, verdicts["supported"], alice, claim)

    with CaptureQueriesContext(connection) as updated:
        changed = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"],
                                       version=1, confidence=2, rationale="Finalement non.")
    # The slot is already done: nothing to record.
    assert statements(updated) == [
        "SAVEPOINT", lock(), "SELECT claim", "UPDATE annotation", "INSERT historicalannotation",
        "RELEASE",
    ]
    assert "version" in next(q["sql"] for q in updated.captured_queries if q["sql"].startswith("UPDATE"))
    row = Annotation.objects.get(pk=mine.pk)
    assert (row.version, row.verdict, row.confidence, row.rationale) == (
        2, verdicts["refuted"], 2, "Finalement non.")
    assert row.created_at == mine.created_at and row.updated_at == changed.updated_at > mine.updated_at
    history = list(row.history.order_by("history_id").values_list(
        "history_type", "version", "verdict_id", "rationale", "history_user_id", "history_change_reason"))
    assert history == [
        ("+", 1, verdicts["supported"].pk, "Lavrov l'a dit.", alice.pk, None),
        ("~", 2, verdicts["refuted"].pk, "Finalement non.", alice.pk, None),
    ]


def test_a_verdict_without_decision_yet_records_no_slot(claim, alice, verdicts):
    slot = assign(claim, alice, 0)
    with CaptureQueriesContext(connection) as ctx:
        work.annotation_save(claim=claim, annotator=alice, verdict=None, rationale="À vérifier")
    assert "UPDATE assignment" not in statements(ctx)
    slot.refresh_from_db()
    assert slot.status == AssignmentStatus.ASSIGNED
    # The verdict, given later, finishes it.
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], version=1)
    slot.refresh_from_db()
    assert slot.status == AssignmentStatus.DONE


def test_a_skipped_assignment_is_finished_by_the_verdict(claim, alice, verdicts):
    slot = assign(claim, alice, 0, AssignmentStatus.SKIPPED)
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    slot.refresh_from_db()
    assert slot.status == AssignmentStatus.DONE


# --- outside the queue: the verdict takes a free slot -----------------------------------------


def test_a_verdict_outside_the_queue_takes_the_lowest_free_slot(project, claim, alice, bob, carol, verdicts):
    with CaptureQueriesContext(connection) as ctx:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert statements(ctx) == [
        "SAVEPOINT", lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation",
        "INSERT assignment", "RELEASE",
    ]
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    slots = dict(Assignment.objects.filter(claim=claim).values_list("annotator__username", "slot"))
    assert slots == {"alice": 0, "bob": 1}
    assert set(Assignment.objects.values_list("status", flat=True)) == {AssignmentStatus.DONE}
    # Overlap 2 is met: a third verdict is extra work and holds no slot.
    with CaptureQueriesContext(connection) as extra:
        work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["refuted"])
    assert not any(s.endswith("assignment") for s in statements(extra))
    assert Assignment.objects.filter(claim=claim).count() == 2


def test_a_gap_in_the_slots_is_filled_first(project, claim, alice, bob, verdicts):
    assign(claim, bob, 1)  # slot 0 was freed (its claim was rejected and accepted again)
    with CaptureQueriesContext(connection) as ctx:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert statements(ctx) == [  # the read after the lock brought every slot: no extra query
        "SAVEPOINT", lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation",
        "INSERT assignment", "RELEASE",
    ]
    assert Assignment.objects.get(claim=claim, annotator=alice).slot == 0


def test_a_save_that_loses_the_slot_race_is_replayed(monkeypatch, claim, alice, bob, verdicts):
    """Another transaction's slot insert lands between the read and ours: the IntegrityError
    rolls the whole save back and it runs again on what is there."""
    real = work.assignment_record_verdict
    calls = []

    def racing(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            assign(claim, bob, 0, AssignmentStatus.DONE)  # the slot this save read as free
        return real(**kwargs)

    monkeypatch.setattr(work, "assignment_record_verdict", racing)
    mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert len(calls) == 2
    # bob's row went with the rolled-back attempt (same connection); alice's replay took slot 0.
    assert list(Assignment.objects.values_list("annotator", "slot")) == [(alice.pk, 0)]
    assert list(Annotation.objects.values_list("pk", flat=True)) == [mine.pk]
    assert mine.history.count() == 1


def test_a_save_that_keeps_losing_raises_and_leaves_nothing(monkeypatch, claim, alice, bob, verdicts):
    real = work.assignment_record_verdict

    def always_racing(**kwargs):
        assign(claim, bob, 0, AssignmentStatus.DONE)
        return real(**kwargs)

    monkeypatch.setattr(work, "assignment_record_verdict", always_racing)
    with pytest.raises(IntegrityError):
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert not Annotation.objects.exists() and not Assignment.objects.exists()
    assert not Annotation.history.exists()


# --- optimistic locking -----------------------------------------------------------------------


def test_a_stale_update_reads_twice_and_writes_nothing(claim, alice, verdicts):
    mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], rationale="v1")
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], version=1, rationale="v2")
    with CaptureQueriesContext(connection) as ctx, pytest.raises(StaleVersion) as stale:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["misleading"], version=1)
    assert statements(ctx) == ["SAVEPOINT", lock(), "SELECT claim", "ROLLBACK", "RELEASE"]
    current = stale.value.current
    assert (current.pk, current.version, current.rationale, current.annotator) == (mine.pk, 2, "v2", alice)
    assert Annotation.objects.get().verdict == verdicts["refuted"]
    assert mine.history.count() == 2


def test_a_second_create_is_stale_and_an_update_of_nothing_is_refused(claim, alice, verdicts):
    with pytest.raises(ValidationError) as nothing:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], version=1)
    assert "version" in nothing.value.message_dict
    mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    with pytest.raises(StaleVersion) as again:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"])
    assert again.value.current.pk == mine.pk and again.value.current.verdict == verdicts["supported"]


def test_a_writer_that_went_around_the_lock_still_makes_the_update_stale(monkeypatch, claim, alice, verdicts):
    """The UPDATE names the version it read: a change made meanwhile is never overwritten."""
    mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    real = work._judged

    def meanwhile(claim_id, annotator_id):
        seen = real(claim_id, annotator_id)
        Annotation.objects.filter(pk=mine.pk).update(version=F("version") + 1, rationale="sneaked in")
        return seen

    monkeypatch.setattr(work, "_judged", meanwhile)
    with pytest.raises(StaleVersion) as stale:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["refuted"], version=1)
    assert (stale.value.current.version, stale.value.current.rationale) == (2, "sneaked in")
    assert Annotation.objects.get().verdict == verdicts["supported"]
    assert mine.history.count() == 1


def test_validation_names_the_field_without_foreign_key_queries(claim, alice, verdicts):
    with CaptureQueriesContext(connection) as ctx, pytest.raises(ValidationError) as bad:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], confidence=9)
    assert "confidence" in bad.value.message_dict
    assert not any(s.startswith(("INSERT", "UPDATE")) for s in statements(ctx))
    with pytest.raises(ValidationError) as negative:
        work.annotation_save(claim=claim, annotator=alice, verdict=None, time_spent_seconds=-1)
    assert "time_spent_seconds" in negative.value.message_dict
    assert not Annotation.objects.exists()


# --- who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who,error", [("rita", PermissionDenied), ("rhea", PermissionDenied),
                                       ("charlie", NotFound)])
def test_roles_are_checked_from_the_locking_read(claim, users, verdicts, who, error):
    with CaptureQueriesContext(connection) as ctx, pytest.raises(error):
        work.annotation_save(claim=claim, annotator=users[who], verdict=verdicts["supported"])
    assert statements(ctx) == ["SAVEPOINT", lock(), "ROLLBACK", "RELEASE"]
    assert not Annotation.objects.exists()


def _seen(row: Claim | None, roles: frozenset[str]) -> tuple | None:
    """What a locking read gives the save: the claim's, article's and project's loaded values,
    the chosen verdict's values (or its absence), the roles."""
    if row is None:
        return None
    project = row.article.project
    chosen = getattr(row, "chosen", "unset")
    return (
        {k: v for k, v in vars(row).items() if not k.startswith("_")} | {"caller_role": None, "membership": None},
        {k: v for k, v in vars(row.article).items() if not k.startswith("_")},
        {k: (type(v), v) for k, v in vars(project).items() if not k.startswith("_")},
        chosen if chosen == "unset" else {k: v for k, v in vars(chosen).items() if not k.startswith("_")},
        roles,
    )


@pytest.mark.parametrize("code", [None, "supported", "no-such-verdict"])
@pytest.mark.parametrize("who", ["alice", "alice+reviewer", "rita", "charlie", "root", "no claim"])
def test_the_hand_written_lock_reads_what_the_orm_lock_read(claim, users, verdicts, django_user_model, who, code):
    """_lock_claim (one hand-written statement) against the ORM-built _lock it replaces on the
    create path: same loaded columns, same Python types (SQLite's 0/1 become booleans), same
    roles, the verdict chosen by code or left unset, nothing for a missing claim."""
    if who == "alice+reviewer":
        Membership.objects.create(user=users["alice"], project=claim.article.project, role=Role.REVIEWER)
    by = (django_user_model.objects.create_superuser(username="root", password="x") if who == "root"
          else users[who.split("+")[0] if who != "no claim" else "alice"])
    claim_id = claim.pk + 1000 if who == "no claim" else claim.pk
    with transaction.atomic():
        orm = work._lock(Claim.objects.filter(pk=claim_id), by=by, to_claim="", verdict_code=code)
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        hand = work._lock_claim(claim_id, by=by, verdict_code=code)
    assert statements(ctx) == [lock()]
    expected = _seen(*orm)
    if expected is not None:
        del expected[0]["caller_role"], expected[0]["membership"]
    got = _seen(*hand)
    if got is not None:
        del got[0]["caller_role"], got[0]["membership"]
    assert got == expected
    assert hand[1] == orm[1]


def test_anonymous_and_inactive_users_are_refused(claim, alice, verdicts):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotFound):
        work.annotation_save(claim=claim, annotator=AnonymousUser(), verdict=verdicts["supported"])
    alice.is_active = False
    with pytest.raises(NotFound):
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert not Annotation.objects.exists()


def test_several_roles_and_superusers(claim, alice, verdicts, django_user_model):
    """The memberships are joined (a row per role): every role counts, in one statement; a
    superuser who is no member annotates, as access.require() lets them."""
    Membership.objects.create(user=alice, project=claim.article.project, role=Role.REVIEWER)
    with CaptureQueriesContext(connection) as ctx:
        mine = work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert statements(ctx)[:3] == ["SAVEPOINT", lock(), "SELECT claim"]
    assert mine.pk and Annotation.objects.get().annotator == alice
    root = django_user_model.objects.create_superuser(username="root", password="x")
    work.annotation_save(claim=claim, annotator=root, verdict=verdicts["supported"])
    assert Annotation.objects.count() == 2


def test_the_claim_status_is_read_under_the_lock(claim, alice, verdicts):
    """A claim rejected since the caller loaded it is refused (the caller's copy is stale)."""
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.REJECTED)
    assert claim.status == ClaimStatus.ACCEPTED
    with pytest.raises(ValidationError) as refused:
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    assert "claim" in refused.value.message_dict
    Claim.objects.filter(pk=claim.pk).delete()
    with pytest.raises(NotFound):
        work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])


# --- automatic adjudication ---------------------------------------------------------------------


def test_unanimity_is_decided_from_the_read_and_costs_only_when_reached(claim, alice, bob, carol, verdicts):
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    with CaptureQueriesContext(connection) as reached:
        work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    done = statements(reached)
    assert done[:5] == [
        "SAVEPOINT", lock(), "SELECT claim", "INSERT annotation", "INSERT historicalannotation"]
    assert "INSERT adjudication" in done and "INSERT historicaladjudication" in done
    assert len(done) <= 12, done
    auto = Adjudication.objects.get(claim=claim)
    assert (auto.method, auto.adjudicator, auto.verdict) == (
        AdjudicationMethod.UNANIMOUS, None, verdicts["supported"])
    assert set(auto.agrees_with.values_list("username", flat=True)) == {"alice", "bob"}
    assert auto.history.get().history_change_reason == AUTO_REASON
    # A third agreeing verdict joins it; a dissent withdraws it.
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["supported"])
    agreeing = Adjudication.objects.get().agrees_with.values_list("username", flat=True)
    assert set(agreeing) == {"alice", "bob", "carol"}
    work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["refuted"], version=1)
    assert not Adjudication.objects.exists()
    assert Adjudication.history.filter(history_type="-").get().history_change_reason == WITHDRAWN_REASON


def test_the_joined_read_counts_each_annotation_and_slot_once(project, claim, alice, bob, carol, verdicts):
    """Three annotations × three assignments come back as nine rows: each is counted once."""
    Project.objects.filter(pk=project.pk).update(overlap=3)
    for slot, user in enumerate((alice, bob, carol)):
        assign(claim, user, slot)
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"])
    with CaptureQueriesContext(connection) as ctx:
        work.annotation_save(claim=claim, annotator=carol, verdict=verdicts["supported"])
    assert statements(ctx)[-2] == "UPDATE assignment"  # carol's own slot, not a new one
    assert not Adjudication.objects.exists()  # 2 against 1: no unanimity
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"], version=1)
    auto = Adjudication.objects.get()
    assert set(auto.agrees_with.values_list("username", flat=True)) == {"alice", "bob", "carol"}
    assert Assignment.objects.filter(claim=claim).count() == 3
    assert set(Assignment.objects.values_list("status", flat=True)) == {AssignmentStatus.DONE}


def test_the_hand_written_read_of_a_judged_claim_matches_the_models(project, claim, alice, bob, carol, rita, verdicts):
    """_judged (one hand-written statement) gives each annotation once, as the ORM loads it
    (aware datetimes on SQLite too), the adjudication and the slots."""
    Project.objects.filter(pk=project.pk).update(overlap=3)
    assert work._judged(claim.pk, alice.pk) == work._Judged(
        annotations=[], adjudication=None, slots=work.ClaimSlots(mine=None, used=frozenset()))
    assign(claim, alice, 0)
    assign(claim, carol, 2, status=AssignmentStatus.SKIPPED)
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"], rationale="a")
    work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["refuted"], confidence=4)
    claim_adjudicate(claim=claim, by=rita, verdict=verdicts["misleading"])
    judged = work._judged(claim.pk, carol.pk)
    fields = [f.attname for f in Annotation._meta.concrete_fields]
    expected = [[getattr(a, f) for f in fields] for a in Annotation.objects.order_by("pk")]
    got = sorted(([getattr(a, f) for f in fields] for a in judged.annotations), key=lambda row: row[0])
    assert got == expected and all(a.created_at.tzinfo is not None for a in judged.annotations)
    assert judged.adjudication == (Adjudication.objects.get().pk, False)
    assert judged.slots == work.ClaimSlots(mine=AssignmentStatus.SKIPPED, used=frozenset({0, 1, 2}))


def test_a_persons_adjudication_costs_the_save_nothing(claim, alice, bob, rita, verdicts):
    claim_adjudicate(claim=claim, by=rita, verdict=verdicts["misleading"])
    work.annotation_save(claim=claim, annotator=alice, verdict=verdicts["supported"])
    with CaptureQueriesContext(connection) as ctx:
        work.annotation_save(claim=claim, annotator=bob, verdict=verdicts["supported"])
    assert not any("adjudication" in s for s in statements(ctx))
    assert Adjudication.objects.get().adjudicator == rita


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_agreeing_saves_never_miss_unanimity(django_user_model, project, verdicts):
    """Two assigned annotators save the same verdict on the same claim at the same instant, each
    on its own connection, claim after claim: every claim ends with its automatic adjudication.
    (Without the claim's lock each save reads the claim before the other commits and neither
    sees two verdicts; on SQLite the IMMEDIATE transactions serialise them.)"""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name):
        pytest.skip("an in-memory SQLite database cannot be shared between connections")
    people = []
    for name in ("ann", "ben"):
        user = django_user_model.objects.create_user(username=name, password="x")
        Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
        people.append(user)
    claims = [other_claim(project, f"Affirmation numéro {i}.") for i in range(20)]
    for claim in claims:
        for slot, user in enumerate(people):
            assign(claim, user, slot)
    verdict = verdicts["supported"]
    barrier = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def work_through(user) -> None:
        try:
            connection.ensure_connection()  # this thread's own connection, opened before the race
            for claim in claims:
                barrier.wait(timeout=30)
                work.annotation_save(claim=claim, annotator=user, verdict=verdict)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work_through, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    adjudicated = dict(Adjudication.objects.values_list("claim_id", "method"))
    assert adjudicated == {c.pk: AdjudicationMethod.UNANIMOUS for c in claims}
    assert set(Assignment.objects.values_list("status", flat=True)) == {AssignmentStatus.DONE}


# --- evidence: a claim cannot cite itself -------------------------------------------------------


def test_a_claim_cannot_be_its_own_evidence(claim, alice):
    with pytest.raises(ValidationError) as refused:
        work.evidence_add(claim=claim, by=alice, stance="context", linked_claim=claim)
    assert list(refused.value.message_dict) == ["linked_claim"]
    assert not Evidence.objects.exists()


def test_the_article_page_says_so_instead_of_failing(claim, alice, client):
    client.force_login(alice)
    response = client.post(reverse("ui:evidence_add", args=[claim.pk]),
                           {"stance": "context", "linked_claim": str(claim.pk)}, HTTP_HX_REQUEST="true")
    assert response.status_code < 500
    page = response.content.decode()
    # Once, beside its field (issue 16: not twice, and never under the raw field name).
    assert page.count("A claim cannot be its own evidence.") == 1
    assert '<p class="error">A claim cannot be its own evidence.</p>' in page
    assert "linked_claim:" not in page
    assert not Evidence.objects.exists()


def test_the_admin_says_so_instead_of_failing(claim, rita, client):
    client.force_login(rita)
    response = client.post(reverse("admin:annotations_evidence_add"), {
        "claim": claim.pk, "linked_claim": claim.pk, "stance": "context",
        "title": "", "publisher": "", "passage": "", "url": "",
    })
    assert response.status_code == 200
    # The admin's model form checks the constraint before the service would.
    assert response.context["adminform"].form.errors
    assert not Evidence.objects.exists()


def test_outsiders_and_anonymous_users_cannot_add_evidence(claim, alice, charlie, client):
    with pytest.raises(NotFound):
        work.evidence_add(claim=claim, by=charlie, stance="context", url="https://example.org")
    response = client.post(reverse("ui:evidence_add", args=[claim.pk]),
                           {"stance": "context", "url": "https://example.org"})
    assert response.status_code in (302, 404)
    assert not Evidence.objects.exists()
