"""The offline relation command (`suggest_relations --offline`) on the seed articles."""
from __future__ import annotations

import json
import socket
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"
VANCE = ("003_8356f32ed995249b", "la Russie a fait d' »importantes concessions »")
LAVROV = ("004_1a76c2d5e02062fc", "restait totalement inchangée")


def _seed_rows(lang: bool = True) -> list[dict]:
    rows = []
    for path in sorted(SEEDS.glob("*.txt")):
        row = {"id": path.stem, "text": path.read_text(encoding="utf-8")}
        if lang:
            row["lang"] = "fr"
        rows.append(row)
    return rows


def _write(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _covers(side: dict, texts: dict[str, str], target: tuple[str, str]) -> bool:
    doc, quote = target
    return side["doc"] == doc and quote in texts[doc][side["start"]:side["end"]]


@pytest.mark.slow
def test_it_relates_the_seed_articles_offline(tmp_path: Path, no_network: None) -> None:
    source, target = _write(tmp_path / "docs.jsonl", _seed_rows(lang=False)), tmp_path / "pairs.jsonl"
    with pytest.raises(OSError, match="offline"):  # the network really is off
        socket.create_connection(("example.com", 80))
    call_command("suggest_relations", "--offline", "--input", str(source), "--output", str(target),
                 "--top-contradictions", "5")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows and sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "pairs.jsonl"]
    for r in rows:
        assert set(r) == {"a", "b", "relation", "score", "reasons"}
        assert r["a"]["doc"] != r["b"]["doc"]
        for side in (r["a"], r["b"]):
            assert 0 <= side["start"] < side["end"] <= len(texts[side["doc"]])
        assert r["relation"] in {"contradicts", "same", "supports", "related"}
    contradictions = [r for r in rows if r["relation"] == "contradicts"]
    assert 0 < len(contradictions) <= 5
    assert rows[:len(contradictions)] == contradictions  # proposed contradictions come first
    assert [r["score"] for r in contradictions] == sorted((r["score"] for r in contradictions), reverse=True)
    # The pair the corpus exists for: Vance's concessions and Lavrov's unchanged position.
    assert any(
        (_covers(r["a"], texts, VANCE) and _covers(r["b"], texts, LAVROV))
        or (_covers(r["a"], texts, LAVROV) and _covers(r["b"], texts, VANCE))
        for r in rows
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "text": "x", "lang": "fr"}', '{"id": "b", "lang": "fr"}'], r"line 2: missing field 'text'"),
        (['{"id": "a", "text": "x"}', "{nope"], r"line 2: invalid JSON"),
        (['{"id": "a", "text": 5}'], r"line 1: field 'text' must be a string"),
        (['{"id": true, "text": "x"}'], r"line 1: field 'id' must be a non-empty string or an integer"),
        (['{"id": "a", "text": "x", "lang": 3}'], r"line 1: field 'lang' must be a string"),
        (['{"id": "a", "text": "x"}', "", '{"id": "a", "text": "y"}'], r"line 3: field 'id' repeats the id of line 1"),
    ],
)
def test_it_refuses_bad_input_naming_line_and_field(tmp_path: Path, lines: list[str], message: str) -> None:
    source, target = tmp_path / "docs.jsonl", tmp_path / "pairs.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=rf"docs.jsonl: {message}.*nothing was written"):
        call_command("suggest_relations", "--offline", "--input", str(source), "--output", str(target))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl"]  # no output, no temp file


def test_it_refuses_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    source, target = tmp_path / "docs.jsonl", tmp_path / "pairs.jsonl"
    source.write_bytes(b'{"id": "a", "text": "x"}\n{"id": "b", "text": "\xff"}\n')
    with pytest.raises(CommandError, match=r"line 2: not UTF-8"):
        call_command("suggest_relations", "--offline", "--input", str(source), "--output", str(target))
    assert not target.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--offline needs --input and --output"),
        (["--k", "0"], "--k must be at least 1"),
        (["--top-contradictions", "-1"], "--top-contradictions must be 0 or more"),
    ],
)
def test_it_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    source = _write(tmp_path / "docs.jsonl", [{"id": "a", "text": "x"}])
    io = [] if not args else ["--input", str(source), "--output", str(tmp_path / "out.jsonl")]
    with pytest.raises(CommandError, match=message):
        call_command("suggest_relations", "--offline", *io, *args)


def test_it_writes_an_empty_file_for_a_single_document(tmp_path: Path) -> None:
    source = _write(tmp_path / "docs.jsonl", _seed_rows()[:1])
    target = tmp_path / "pairs.jsonl"
    call_command("suggest_relations", "--offline", "--input", str(source), "--output", str(target))
    assert target.read_text(encoding="utf-8") == ""
