"""Importing doccano and Label Studio exports: spans become claims, relations claim relations.

The files under tests/fixtures/tools are shaped as the tools document their exports: doccano's
sequence labelling and relation extraction JSONL, Label Studio's JSON (a list of tasks, and one
task a line) and JSON_MIN.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotations.importers.reader import SourceReader
from annotations.importers.tools import PROVENANCE_KEY, relation_kind
from annotations.models import Article, Claim, ClaimRelation, Job, JobStatus
from annotations.services.imports import ImportRefused, articles_import, import_job_start

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "tools"


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copy(FIXTURES / name, tmp_path / name))


def _claims(article: Article) -> list[tuple[str, str, str, str]]:
    return [
        (c.quote, c.status, c.origin, c.kind)
        for c in Claim.objects.filter(article=article).order_by("start")
    ]


def test_it_imports_doccano_sequence_labelling_as_suggestions(project, max_):
    report = articles_import(project=project, path=FIXTURES / "doccano_sequence.jsonl", by=max_)
    assert (report.created, report.claims, report.relations) == (2, 3, 0)
    first = Article.objects.get(external_id="1")
    # Offsets are code points: the flag (two astral code points) before the spans counts two.
    assert _claims(first) == [
        ("la Russie a fait des « concessions importantes » à Anchorage", "candidate", "imported", ""),
        ("Le sommet a duré trois heures", "candidate", "imported", "event"),
    ]
    spans = first.metadata[PROVENANCE_KEY]["spans"]
    assert first.metadata[PROVENANCE_KEY]["tool"] == "doccano"
    # Two labels on one span make one claim that keeps both.
    assert [s["labels"] for s in spans] == [["CLAIM", "QUOTE"], ["EVENT"]]
    assert first.metadata["Comments"] == []
    assert Claim.objects.filter(decided_by__isnull=True).count() == 3


def test_it_imports_doccano_relations_as_claim_relations_and_accepted(project, max_):
    report = articles_import(
        project=project, path=FIXTURES / "doccano_relations.jsonl", by=max_, spans_as="accepted"
    )
    assert (report.claims, report.relations) == (4, 2)
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}
    assert set(Claim.objects.values_list("decided_by", flat=True)) == {max_.pk}
    lavrov = Article.objects.get(external_id="10")
    contradicts = ClaimRelation.objects.get(source__article=lavrov)
    assert contradicts.kind == "contradicts" and contradicts.note == "CONTRADICTS"
    assert contradicts.source.quote == "la position de la Russie restait inchangée"
    other = ClaimRelation.objects.get(source__article__external_id="11")
    # Not one of the Workbench's kinds: related (symmetric, stored lower id first), its label kept
    # on the relation and its direction in the article's metadata.
    assert (other.kind, other.note) == ("related", "cause_of")
    assert {other.source.kind, other.target.kind} == {"quantity", "event"}
    [link] = other.source.article.metadata[PROVENANCE_KEY]["relations"]
    body = other.source.article.body
    assert body[slice(*link["from"])].startswith("Les deux présidents")
    assert lavrov.metadata[PROVENANCE_KEY]["relations"][0]["kind"] == "contradicts"
    # Claims and relations have their history, like any other.
    assert Claim.history.count() == 4 and ClaimRelation.history.count() == 2


@pytest.mark.parametrize("name", ["label_studio.json", "label_studio_tasks.jsonl"])
def test_it_imports_a_label_studio_export(project, max_, name):
    report = articles_import(project=project, path=FIXTURES / name, by=max_)
    assert (report.created, report.claims, report.relations) == (2, 3, 1)
    first = Article.objects.get(external_id="1")
    assert first.title == "Anchorage : deux versions"
    assert [q for q, *_ in _claims(first)] == ["la position de la Russie reste inchangée", "Moscou a cédé"]
    provenance = first.metadata[PROVENANCE_KEY]
    assert provenance["tool"] == "label-studio"
    # Two annotators marked the first span; the cancelled annotation is left out.
    assert provenance["spans"][0]["labels"] == ["CLAIM", "Position"]
    assert provenance["spans"][0]["annotators"] == ["1", "2"]
    assert all("NOT_A_CLAIM" not in s["labels"] for s in provenance["spans"])
    assert Claim.objects.get(article=first, start=provenance["spans"][0]["start"]).kind == "position"
    relation = ClaimRelation.objects.get()
    assert relation.kind == "contradicts"
    # The second task counts in UTF-16 units, as Label Studio did before 2022: converted.
    second = Article.objects.get(external_id="2")
    [claim] = Claim.objects.filter(article=second)
    assert claim.quote == "Donald Trump a parlé d'une rencontre « extrêmement productive »"
    assert second.body[claim.start : claim.end] == claim.quote
    assert second.metadata[PROVENANCE_KEY]["spans"][0]["annotators"] == ["ines@example.org"]


def test_it_imports_label_studio_json_min(project, max_):
    report = articles_import(project=project, path=FIXTURES / "label_studio_min.json", by=max_)
    assert (report.created, report.claims) == (1, 2)
    article = Article.objects.get()
    assert article.external_id == "5"
    assert "annotator" not in article.metadata and "lead_time" not in article.metadata
    spans = article.metadata[PROVENANCE_KEY]["spans"]
    assert [s["annotators"] for s in spans] == [["paul@example.org"], ["paul@example.org"]]
    assert [c[3] for c in _claims(article)] == ["", "event"]


def test_it_keeps_offsets_valid_when_line_endings_are_unified(project, max_, tmp_path):
    text = "Titre\r\nLe Kremlin a parlé.\r\nMoscou a cédé."
    start = text.index("Moscou")
    path = tmp_path / "crlf.jsonl"
    path.write_text(json.dumps({"text": text, "label": [[start, len(text), "CLAIM"]]}) + "\n")
    articles_import(project=project, path=path, by=max_)
    assert Claim.objects.get().quote == "Moscou a cédé."


def _bad(tmp_path: Path, name: str, lines: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_it_refuses_spans_that_do_not_match_their_text_naming_line_and_field(project, max_, tmp_path):
    tasks = json.loads((FIXTURES / "label_studio.json").read_text(encoding="utf-8"))
    tasks[1]["annotations"][0]["result"][0]["value"]["text"] = "Donald Trump a dit autre chose"
    path = tmp_path / "ls.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    [error] = exc.value.errors
    assert (error.file, error.field) == ("ls.json", "annotations[0].result[0].value.text")
    # The line the task starts on in the pretty-printed file.
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[error.line - 1].strip() == "{" and '"id": 2' in lines[error.line]
    assert "is not the text at" in error.message
    assert not Article.objects.exists() and not Claim.objects.exists()


@pytest.mark.parametrize(("line", "field"), [
    ({"text": "Court.", "label": [[0, 99, "CLAIM"]]}, "label[0]"),
    ({"text": "Court.", "label": [[3, 3, "CLAIM"]]}, "label[0]"),
    ({"text": "Court.", "label": [["0", 3, "CLAIM"]]}, "label[0]"),
    ({"text": "Court.", "label": [[0, 3, ""]]}, "label[0]"),
    ({"text": "Court.", "label": [[0, 3, "A\x00"]]}, "label[0]"),
    ({"text": "Court.", "entities": [{"id": 1, "label": "C", "start_offset": 0, "end_offset": 5}],
      "relations": [{"id": 1, "from_id": 1, "to_id": 2, "type": "supports"}]}, "relations[0].to_id"),
    ({"text": "Court.", "entities": [{"id": 1, "label": "C", "start_offset": -1, "end_offset": 5}]},
     "entities[0]"),
])
def test_it_refuses_bad_doccano_lines(project, max_, tmp_path, line, field):
    path = _bad(tmp_path, "d.jsonl", [{"text": "Un bon article.", "label": [[0, 6, "CLAIM"]]}, line])
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_, format="doccano")
    [error] = exc.value.errors
    assert (error.file, error.line, error.field) == ("d.jsonl", 2, field)
    assert not Article.objects.exists() and not Claim.objects.exists()


def test_it_refuses_bad_label_studio_tasks(project, max_, tmp_path):
    good = {"data": {"text": "Moscou a cédé."}, "annotations": [{"completed_by": 1, "result": [
        {"id": "a", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 0, "end": 6, "text": "Moscou", "labels": ["CLAIM"]}}]}]}
    dangling = json.loads(json.dumps(good))
    dangling["data"]["text"] = "Washington a cédé."
    dangling["annotations"][0]["result"][0]["value"].update(end=10, text="Washington")
    dangling["annotations"][0]["result"].append(
        {"type": "relation", "from_id": "a", "to_id": "zz", "direction": "right", "labels": []})
    html = {"data": {"text": "<p>Un</p>"}, "annotations": [{"result": [{"id": "h", "type": "hypertextlabels",
            "value": {"start": "/p[1]/text()[1]", "end": "/p[1]/text()[1]", "startOffset": 0,
                      "endOffset": 2, "text": "Un", "hypertextlabels": ["CLAIM"]}}]}]}
    no_text = {"data": {"image": "https://example.org/1.jpg", "caption": "x"}, "annotations": []}
    path = _bad(tmp_path, "tasks.jsonl", [good, dangling, html, no_text])
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    assert [(e.line, e.field) for e in exc.value.errors] == [
        (2, "annotations[0].result[1].to_id"),
        (3, "annotations[0].result[0].value.start"),
        (4, "data.text"),
    ]
    assert not Article.objects.exists() and not Claim.objects.exists()


def test_it_keeps_the_hostile_input_guarantees_for_tool_exports(project, max_, tmp_path, settings):
    settings.IMPORT_MAX_JSON_DEPTH = 8
    deep: object = "x"
    for _ in range(20):
        deep = [deep]
    path = _bad(tmp_path, "h.jsonl", [
        {"data": {"text": "Nul\x00 ici."}, "annotations": []},
        {"data": {"text": "Ok.", "source": "\ud800"}, "annotations": []},
        {"data": {"text": "Profond.", "extra": deep}, "annotations": []},
        {"text": "Un label trop long.", "label": [[0, 2, "L" * 500]]},
    ])
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    assert [(e.line, e.field) for e in exc.value.errors] == [
        (1, "data.text"), (2, "data.source"), (3, "data.extra[0]"), (4, "label[0]"),
    ]
    assert not Article.objects.exists()


def test_it_reads_a_json_list_with_line_numbers_and_refuses_a_broken_one(tmp_path):
    reader = SourceReader(FIXTURES / "label_studio.json")
    assert reader.format == "labelstudio"
    lines = [r.line for r in reader]
    text = (FIXTURES / "label_studio.json").read_text(encoding="utf-8").splitlines()
    assert all(text[n - 1].strip() == "{" for n in lines) and len(lines) == 2
    broken = tmp_path / "broken.json"
    broken.write_text('[{"data": {"text": "Un."}, "annotations": []},\n{"data": ')
    [first, error] = list(SourceReader(broken))
    assert error.line == 2 and "not valid JSON" in error.message


def test_it_maps_relation_labels_to_kinds():
    assert [relation_kind(x) for x in ("Same claim", "CONTRADICTION", "supports", "cause")] == [
        "same", "contradicts", "supports", "related",
    ]


def test_the_command_imports_a_tool_export_as_accepted_claims(project, max_, tmp_path, capsys):
    path = _copy(tmp_path, "doccano_sequence.jsonl")
    call_command(
        "import_articles", str(path), project=project.slug, format="doccano", spans_as="accepted",
        user=max_.username,
    )
    assert "3 claims (accepted) and 0 relations" in capsys.readouterr().out
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}


def test_the_api_and_the_ui_pass_the_importers_choice(project, max_, client, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(max_)
    with open(FIXTURES / "label_studio_min.json", "rb") as fh:
        response = client.post(
            reverse("api:article-import-file"),
            {"project": project.slug, "file": fh, "spans_as": "accepted"},
        )
    assert response.status_code == 202, response.content
    job = Job.objects.get()
    assert job.params == {"format": "labelstudio", "spans_as": "accepted"}
    with open(FIXTURES / "doccano_relations.jsonl", "rb") as fh:
        response = client.post(
            reverse("ui:import", args=[project.slug]),
            {"file": fh, "format": "doccano", "spans_as": "suggestions"},
        )
    assert response.status_code == 302, response.content
    assert Job.objects.latest("pk").params["spans_as"] == "suggestions"
    response = client.post(
        reverse("api:article-import-file"),
        {"project": project.slug, "file": open(FIXTURES / "label_studio_min.json", "rb"), "spans_as": "maybe"},
    )
    assert response.status_code == 400


def test_a_queued_import_writes_the_claims(project, max_, tmp_path):
    from annotations.services.imports import import_job_work
    from annotations.services.jobs import job_run

    path = _copy(tmp_path, "label_studio.json")
    job = import_job_start(project=project, by=max_, path=str(path), spans_as="accepted", suggest=False)
    job = job_run(job.pk, import_job_work)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["claims"], job.result["relations"]) == (3, 1)


def test_a_json_list_nested_past_any_limit_is_refused_not_crashed(project, max_, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('[{"data": {"text": "Un."}, "annotations": []},\n' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "]")
    with pytest.raises(ImportRefused) as exc:
        articles_import(project=project, path=path, by=max_)
    [error] = exc.value.errors
    assert error.line == 2 and "nested" in error.message
    assert not Article.objects.exists()
