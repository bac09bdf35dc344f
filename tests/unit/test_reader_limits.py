"""The import reader's limits and storability checks, without a database (the reader is pure)."""

from __future__ import annotations

import json
import zipfile

from annotations.importers.reader import (
    ArticleRecord,
    Limits,
    RecordError,
    SourceReader,
    build_record,
    printable,
    unstorable,
)


def test_it_accepts_every_real_character_including_astral_ones():
    # A surrogate pair written as JSON escapes is one emoji, not a lone surrogate.
    raw = json.loads('{"body": "Poutine \\ud83d\\ude00 普京 Путин", "metadata": {"é": ["\\ud83c\\udf0d"]}}')
    record = build_record("a.jsonl", 1, raw)
    assert isinstance(record, ArticleRecord)
    assert record.body == "Poutine 😀 普京 Путин" and record.metadata == {"é": ["🌍"]}


def test_it_names_what_a_database_would_refuse():
    assert unstorable("ok 😀") is None
    assert "NUL character (U+0000) at character 3" in unstorable("ab\x00")
    assert "lone surrogate (U+DC00) at character 1" in unstorable("\udc00b")


def test_errors_quote_bad_characters_as_escapes():
    error = RecordError("a\x00.jsonl", 1, "metadata.\ud800", "key \x00")
    assert (error.file, error.field, error.message) == ("a\\x00.jsonl", "metadata.\\ud800", "key \\x00")
    assert printable("déjà 😀") == "déjà 😀"


def test_it_counts_metadata_depth_from_the_metadata_object():
    limits = Limits(json_depth=3)
    ok = build_record("a", 1, {"body": "x", "metadata": {"a": {"b": {"c": 1}}}}, limits)
    assert isinstance(ok, ArticleRecord)
    deep = build_record("a", 1, {"body": "x", "metadata": {"a": {"b": {"c": []}}}}, limits)
    assert isinstance(deep, RecordError)
    assert (deep.field, deep.message) == ("metadata.a", "is nested more than 3 levels deep")


def test_it_refuses_a_line_longer_than_any_record_without_keeping_it(tmp_path):
    limits = Limits(body_chars=10, metadata_chars=10)  # lines of at most 12 × 20 bytes + 1 MB
    path = tmp_path / "long.jsonl"
    path.write_text(
        json.dumps({"body": "court"}) + "\n" + json.dumps({"body": "x" * (2 << 20)}) + "\n"
        + json.dumps({"body": "encore"}) + "\n",
        encoding="utf-8",
    )
    items = list(SourceReader(path, limits=limits))
    assert [type(i).__name__ for i in items] == ["ArticleRecord", "RecordError", "ArticleRecord"]
    assert items[1].line == 2 and "a line may be at most" in items[1].message


def test_it_refuses_a_body_over_the_limit_in_every_format(tmp_path):
    limits = Limits(body_chars=5)
    (tmp_path / "a.txt").write_text("123456", encoding="utf-8")
    (tmp_path / "a.csv").write_text("body\n123456\n", encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as zf:
        zf.writestr("a.txt", "1234567890123456789012345")  # more bytes than 5 characters can take
    for name, field, says in [
        ("a.txt", "body", "is 6 characters"), ("a.csv", "body", "is 6 characters"),
        ("a.zip", "body", "more than an article can hold"),
    ]:
        [item] = list(SourceReader(tmp_path / name, limits=limits))
        assert isinstance(item, RecordError) and item.field == field and says in item.message, item
