"""What can be told about an upload from its first bytes, before any job is queued. Pure.

An import refuses the whole source when any line is bad, so a bad line found in the first
SNIFF_BYTES is a sure refusal: the API and the import page answer it at once (400 with the file,
line and field) instead of queueing a job that could only fail. Lines are read whole: the sample
is cut at its last newline, so nothing is refused for being cut short.
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO

from .reader import Limits, RecordError, SourceReader, printable
from .sniff import GZIP_MAGIC, SNIFF_BYTES

# Formats read line by line: the sample's whole lines are checked as the import would check them.
_BY_LINE = ("jsonl", "doccano", "csv")
# Formats of one document: checked whole when the file fits in the sample, else by its first byte.
_JSON = ("labelstudio", "claimreview")
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def precheck(
    name: str,
    fh: BinaryIO,
    *,
    format: str,
    limits: Limits = Limits(),
    day_first: bool = False,
    separator: str | None = None,
    encoding: str | None = None,
) -> RecordError | None:
    """The first sure reason the upload cannot be imported, or None (the job then checks it all).

    `fh` is the upload, read from its start and left there.
    """
    name = printable(Path(name).name)
    fh.seek(0)
    head = fh.read(SNIFF_BYTES + 1)
    fh.seek(0)
    if not head:
        return RecordError(name, None, None, "the file is empty")
    from .release import looks_like_records, release_problem  # builds on reader

    if format == "release" or (format == "jsonl" and looks_like_records(head)):
        # A Workbench release, its two files found by content: both must be there.
        return release_problem(name, fh, zipped=head.startswith(_ZIP_MAGIC))
    if format == "zip":
        if not head.startswith(_ZIP_MAGIC) or not zipfile.is_zipfile(fh):
            fh.seek(0)
            return RecordError(name, None, None, "is not a valid zip archive")
        fh.seek(0)
        return None
    whole = len(head) <= SNIFF_BYTES
    if head.startswith(GZIP_MAGIC):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            head = inflater.decompress(head, SNIFF_BYTES + 1)
        except zlib.error as exc:
            return RecordError(name, None, None, f"is not a valid .gz file ({exc})")
        whole = whole and inflater.eof and len(head) <= SNIFF_BYTES
    if format in _JSON and not whole:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if start not in (b"[", b"{"):
            return RecordError(name, 1, None, "not valid JSON: it must start with [ or {")
        return None
    if format not in _BY_LINE and not whole:
        return None  # one article (txt, html) or a list of URLs: the job reads it whole
    if not whole:
        head = head[: head.rfind(b"\n") + 1]
        if not head:
            return None  # one line longer than the sample: the job measures it
    if format == "claimreview":
        from .claimreview import read_claimreview  # builds on reader

        return next((i for i in read_claimreview(name, head, limits) if isinstance(i, RecordError)), None)
    if format == "urls":
        return None
    suffix = {"csv": ".csv", "labelstudio": ".json", "html": ".html", "txt": ".txt"}.get(format, ".jsonl")
    with tempfile.NamedTemporaryFile(suffix=suffix, prefix="workbench-precheck-") as tmp:
        tmp.write(head)
        tmp.flush()
        reader = SourceReader(
            tmp.name, format=format, limits=limits, day_first=day_first, separator=separator, encoding=encoding,
        )
        for item in reader:
            if not isinstance(item, RecordError):
                continue
            if format == "csv" and not whole and item.line != 1 and not item.message.startswith("not valid"):
                # A quoted cell may hold newlines: the sample's last record may be cut inside
                # one, so beyond the header only undecodable bytes are sure.
                continue
            return RecordError(name, item.line, item.field, item.message)
    return None
