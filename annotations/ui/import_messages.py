"""Import problems in the reader's language.

The readers (annotations/importers) are pure and run in the worker, so they record each problem
in English on the Job. The job page translates the known forms here, at display time, in the
language of whoever reads it; a form not listed is shown as recorded. Each pattern matches one
message of the readers, its variable parts (values, numbers) captured and put back unchanged.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop, ngettext

_V = r"(?P<value>.+?)"
_N = r"(?P<n>[\d,.]+(?: (?:bytes|KB|MB|GB))?)"
_M = r"(?P<max>[\d,.]+(?: (?:bytes|KB|MB|GB))?)"

# (pattern of the English message, its msgid); a pattern must match the whole message.
FORMS: list[tuple[re.Pattern[str], str]] = [(re.compile(p + r"\Z", re.S), m) for p, m in [
    (r"missing or empty; every article needs its text", gettext_noop("missing or empty; every article needs its text")),
    (rf"is {_N} characters; an article is at most {_M}", gettext_noop("is %(n)s characters; an article is at most %(max)s")),
    (rf"is {_N} characters; at most {_M}", gettext_noop("is %(n)s characters; at most %(max)s")),
    (rf"is {_N} characters as JSON; at most {_M}", gettext_noop("is %(n)s characters as JSON; at most %(max)s")),
    (rf"is nested more than {_N} levels deep", gettext_noop("is nested more than %(n)s levels deep")),
    (r"is not a JSON object", gettext_noop("is not a JSON object")),
    (r"must be a JSON object", gettext_noop("must be a JSON object")),
    (r"must be a date as text, YYYY-MM-DD", gettext_noop("must be a date as text, YYYY-MM-DD")),
    (rf"{_V} is a day-first date; dates are YYYY-MM-DD unless the project's language is French or the import "
     r"is told dates are day first",
     gettext_noop("%(value)s is a day-first date; dates are YYYY-MM-DD unless the project's language is French "
                  "or the import is told dates are day first")),
    (rf"{_V} is not a date \(DD/MM/YYYY\)", gettext_noop("%(value)s is not a date (DD/MM/YYYY)")),
    (rf"{_V} is not a date \(YYYY-MM-DD\)", gettext_noop("%(value)s is not a date (YYYY-MM-DD)")),
    (rf"{_V} is not an identifier", gettext_noop("%(value)s is not an identifier")),
    (r"must be text, not (?P<value>\w+)", gettext_noop("must be text, not %(value)s")),
    (rf"{_V} is not an http\(s\) URL", gettext_noop("%(value)s is not an http(s) URL")),
    (r"contains a NUL character \(U\+0000\) at character (?P<n>\d+), which cannot be stored",
     gettext_noop("contains a NUL character (U+0000) at character %(n)s, which cannot be stored")),
    (r"contains a lone surrogate \((?P<value>U\+[0-9A-F]{4})\) at character (?P<n>\d+), which is not a character "
     r"and cannot be stored",
     gettext_noop("contains a lone surrogate (%(value)s) at character %(n)s, which is not a character and cannot "
                  "be stored")),
    (r"has a key that contains a NUL character \(U\+0000\) at character (?P<n>\d+), which cannot be stored",
     gettext_noop("has a key that contains a NUL character (U+0000) at character %(n)s, which cannot be stored")),
    (rf"{_V} is not a number JSON can hold", gettext_noop("%(value)s is not a number JSON can hold")),
    (rf"not valid JSON \({_V}\)", gettext_noop("not valid JSON (%(value)s)")),
    (r"each line must be a JSON object", gettext_noop("each line must be a JSON object")),
    (r"each task must be a JSON object", gettext_noop("each task must be a JSON object")),
    (r"not valid (?P<encoding>[\w-]+) \(byte 0x(?P<byte>[0-9a-f]+) at column (?P<n>\d+)\); save the file as UTF-8",
     gettext_noop("not valid %(encoding)s (byte 0x%(byte)s at column %(n)s); save the file as UTF-8")),
    (rf"is {_N} long; a line may be at most {_M}", gettext_noop("is %(n)s long; a line may be at most %(max)s")),
    (r"empty file: the first line must name the columns", gettext_noop("empty file: the first line must name the columns")),
    (r"no 'body' \(or 'text'\) column in the header", gettext_noop("no 'body' (or 'text') column in the header")),
    (rf"unreadable CSV header \({_V}\)", gettext_noop("unreadable CSV header (%(value)s)")),
    (rf"malformed CSV \({_V}\)", gettext_noop("malformed CSV (%(value)s)")),
    (r"has (?P<n>\d+) columns; the header has (?P<max>\d+)", gettext_noop("has %(n)s columns; the header has %(max)s")),
    (r"is not a valid zip archive", gettext_noop("is not a valid zip archive")),
    (rf"cannot be unpacked \({_V}\)", gettext_noop("cannot be unpacked (%(value)s)")),
    (r"contains no articles", gettext_noop("contains no articles")),
    (r"its owner no longer exists", gettext_noop("its owner no longer exists")),
    (rf"the file is {_N}, more than an article can hold \({_M} characters\)",
     gettext_noop("the file is %(n)s, more than an article can hold (%(max)s characters)")),    # Other annotation tools' exports (importers/tools.py).
    (r"must be a whole number, not (?P<value>.+)", gettext_noop("must be a whole number, not %(value)s")),
    (r"must be a non-empty label", gettext_noop("must be a non-empty label")),
    (rf"is {_N} characters; a label is at most {_M}", gettext_noop("is %(n)s characters; a label is at most %(max)s")),
    (r"the span (?P<a>\d+)–(?P<b>\d+) is not inside the text \(0–(?P<n>\d+)\) or is empty",
     gettext_noop("the span %(a)s–%(b)s is not inside the text (0–%(n)s) or is empty")),
    (r"(?P<value>.+) is not the text at (?P<a>\d+)–(?P<b>\d+) \(outside the text\)",
     gettext_noop("%(value)s is not the text at %(a)s–%(b)s (outside the text)")),
    (r"(?P<value>.+) is not the text at (?P<a>\d+)–(?P<b>\d+) \((?P<shown>.+)\)",
     gettext_noop("%(value)s is not the text at %(a)s–%(b)s (%(shown)s)")),
    (rf"has more than {_N} spans", gettext_noop("has more than %(n)s spans")),
    (rf"has more than {_N} relations", gettext_noop("has more than %(n)s relations")),
    (rf"is {_N} characters as JSON with the spans' labels; at most {_M}",
     gettext_noop("is %(n)s characters as JSON with the spans' labels; at most %(max)s")),
    (r"must be a list of \[start, end, label\]", gettext_noop("must be a list of [start, end, label]")),
    (r"must be \[start, end, label\]", gettext_noop("must be [start, end, label]")),
    (r"must be a list", gettext_noop("must be a list")),
    (r"must be an object with id, label, start_offset and end_offset",
     gettext_noop("must be an object with id, label, start_offset and end_offset")),
    (r"must be an object with from_id, to_id and type", gettext_noop("must be an object with from_id, to_id and type")),
    (r"(?P<value>.+) is no entity of this line", gettext_noop("%(value)s is no entity of this line")),
    (r"missing or empty; every task needs its text \(in a field named text, or its only text field\)",
     gettext_noop("missing or empty; every task needs its text (in a field named text, or its only text field)")),
    (r"must be an object with start, end, text and labels", gettext_noop("must be an object with start, end, text and labels")),
    (r"is an XPath range \(a HyperText task\); only tasks labelled in a Text tag can be imported",
     gettext_noop("is an XPath range (a HyperText task); only tasks labelled in a Text tag can be imported")),
    (r"must be text", gettext_noop("must be text")),
    (r"must be a list of labels", gettext_noop("must be a list of labels")),
    (r"must be an object with a result list", gettext_noop("must be an object with a result list")),
    (r"must be an object", gettext_noop("must be an object")),
    (r"(?P<value>.+) is no region of this annotation", gettext_noop("%(value)s is no region of this annotation")),
    # A Workbench release read back (importers/release.py).
    (r"the release's claims carry no article texts; import them with its articles file \((?P<value>.+)\): the "
     r"release's zip as downloaded, or a zip of both files",
     gettext_noop("the release's claims carry no article texts; import them with its articles file (%(value)s): "
                  "the release's zip as downloaded, or a zip of both files")),
    (r"holds no Workbench release claims file \(JSONL\); only a release made with its JSONL files can be imported",
     gettext_noop("holds no Workbench release claims file (JSONL); only a release made with its JSONL files can "
                  "be imported")),
    (r"holds two release claims files \((?P<a>.+) and (?P<b>.+)\); keep one",
     gettext_noop("holds two release claims files (%(a)s and %(b)s); keep one")),
    (r"holds two release articles files \((?P<a>.+) and (?P<b>.+)\); keep one",
     gettext_noop("holds two release articles files (%(a)s and %(b)s); keep one")),
    (r"article (?P<value>-?\d+) is not in (?P<file>.+)", gettext_noop("article %(value)s is not in %(file)s")),
    (r"claim (?P<value>\d+) is already on line (?P<n>\d+)", gettext_noop("claim %(value)s is already on line %(n)s")),
    (r"article (?P<value>\d+) is already on line (?P<n>\d+)", gettext_noop("article %(value)s is already on line %(n)s")),
    (r"claim (?P<value>\d+) has the span of claim (?P<other>.+) of the same article",
     gettext_noop("claim %(value)s has the span of claim %(other)s of the same article")),
    (r"(?P<value>.+) is not a relation kind \((?P<kinds>.+)\)", gettext_noop("%(value)s is not a relation kind (%(kinds)s)")),
    # Lists of URLs and their fetching (importers/fetch.py).
    (rf"a list of URLs may hold at most {_N} URLs", gettext_noop("a list of URLs may hold at most %(n)s URLs")),
    (rf"holds {_N} URLs; at most {_M}", gettext_noop("holds %(n)s URLs; at most %(max)s")),
    (r"the host (?P<value>.+) cannot be resolved \((?P<reason>.+)\)",
     gettext_noop("the host %(value)s cannot be resolved (%(reason)s)")),
    (r"the host (?P<value>.+) is a private or local address \((?P<address>.+)\); not fetched",
     gettext_noop("the host %(value)s is a private or local address (%(address)s); not fetched")),
    (r"redirected to (?P<value>.+), which is not an http\(s\) URL",
     gettext_noop("redirected to %(value)s, which is not an http(s) URL")),
    (r"its robots\.txt could not be read \((?P<reason>.+)\); not fetched",
     gettext_noop("its robots.txt could not be read (%(reason)s); not fetched")),
    (r"its robots\.txt answered HTTP (?P<n>\d+); not fetched", gettext_noop("its robots.txt answered HTTP %(n)s; not fetched")),
    (r"robots\.txt disallows it for the Workbench; not fetched",
     gettext_noop("robots.txt disallows it for the Workbench; not fetched")),
    (r"could not be fetched \((?P<reason>.+)\)", gettext_noop("could not be fetched (%(reason)s)")),
    (r"the server answered HTTP (?P<n>\d+)", gettext_noop("the server answered HTTP %(n)s")),
    (r"the page is larger than (?P<n>[\d,]+) bytes; not imported", gettext_noop("the page is larger than %(n)s bytes; not imported")),
    # Named separators and encodings, compressed files (importers/sniff.py).
    (r"(?P<value>.+) is not a CSV separator; name one character, or one of (?P<names>.+)",
     gettext_noop("%(value)s is not a CSV separator; name one character, or one of %(names)s")),
    (r"(?P<value>.+) is not an encoding Python knows \(try utf-8, windows-1252, latin-1\)",
     gettext_noop("%(value)s is not an encoding Python knows (try utf-8, windows-1252, latin-1)")),
    (r"(?P<value>.+): files in (?P<encoding>.+) are not read; save the file as UTF-8",
     gettext_noop("%(value)s: files in %(encoding)s are not read; save the file as UTF-8")),
    (r"is not a valid \.gz file \((?P<value>.+)\)", gettext_noop("is not a valid .gz file (%(value)s)")),
    # Refused at upload, before a job exists (services/imports.py, importers/reader.py).
    (rf"the file is {_N}, more than the {_M} an import may hold",
     gettext_noop("the file is %(n)s, more than the %(max)s an import may hold")),
    (r"(?P<value>.+): cannot tell the format from the extension; use (?P<extensions>.+) or a folder, or name "
     r"the format \((?P<names>.+)\)",
     gettext_noop("%(value)s: cannot tell the format from the extension; use %(extensions)s or a folder, or name "
                  "the format (%(names)s)")),
    (r"(?P<value>.+): cannot tell the format inside the \.gz from its name; name it like (?P<example>.+), or "
     r"name the format \((?P<names>.+)\)",
     gettext_noop("%(value)s: cannot tell the format inside the .gz from its name; name it like %(example)s, "
                  "or name the format (%(names)s)")),
]]


def translate_problem(message: str) -> str:
    """One recorded problem in the active language (as recorded when its form is not known)."""
    for pattern, msgid in FORMS:
        match = pattern.match(message)
        if match:
            return gettext(msgid) % match.groupdict()
    return message


def describe_problem(file: str, line: int | None, field: str | None, message: str) -> str:
    """One problem with where it is (file, line, field) in one sentence, in the active language."""
    translated = translate_error(field, message)
    if line is not None and field:
        return gettext("%(file)s, line %(line)s, field '%(field)s': %(message)s") % {
            "file": file, "line": line, "field": field, "message": translated,
        }
    if line is not None:
        return gettext("%(file)s, line %(line)s: %(message)s") % {"file": file, "line": line, "message": translated}
    return gettext("%(file)s: %(message)s") % {"file": file, "message": translated}


def translate_error(field: str | None, message: str) -> str:
    """A RecordError's message in the active language; one naming several fields ("published: …;
    url: …", importers.reader.build_record) part by part."""
    columns = [c.strip() for c in (field or "").split(",")] if field and "," in field else []
    if len(columns) > 1:
        parts, rest = [], message
        for i, column in enumerate(columns):
            head = f"{column}: "
            if not rest.startswith(head):
                return translate_problem(message)
            following = f"; {columns[i + 1]}: " if i + 1 < len(columns) else None
            end = rest.find(following) if following else len(rest)
            if end < 0:
                return translate_problem(message)
            parts.append(f"{column}{gettext(':')} {translate_problem(rest[len(head):end])}")
            rest = rest[end + 2:] if following else ""
        return "; ".join(parts)
    return translate_problem(message)


_REFUSED = re.compile(r"(?P<source>.+): refused, (?P<n>\d+) bad lines?; nothing was imported\Z", re.S)
_REFUSED_ONE = re.compile(r"(?P<source>.+): refused, (?P<reason>.+); nothing was imported\Z", re.S)


def translate_job_error(error: str) -> str:
    """A failed import's stored reason (ImportRefused) in the active language."""
    match = _REFUSED.match(error)
    if match:
        n = int(match["n"])
        return ngettext(
            "%(source)s: refused, %(n)s bad line; nothing was imported",
            "%(source)s: refused, %(n)s bad lines; nothing was imported", n,
        ) % {"source": match["source"], "n": n}
    match = _REFUSED_ONE.match(error)
    if match:
        return gettext("%(source)s: refused, %(reason)s; nothing was imported") % {
            "source": match["source"], "reason": translate_problem(match["reason"]),
        }
    return error
