"""An upload handler that never keeps more of a file on disk than an import may hold."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Stream an upload to a temporary file, dropping what lies past IMPORT_MAX_UPLOAD_BYTES.

    The file still reports its whole size, so the import form, serializer and service refuse it
    with a clear message; meanwhile an oversized upload cannot fill the disk.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.IMPORT_MAX_UPLOAD_BYTES - start
        if room > 0:
            self.file.write(raw_data[:room])
