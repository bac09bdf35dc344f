"""kombu's filesystem transport with messages that appear whole or not at all.

kombu 5.7 writes a message by opening its final name and then writing into it, guarded by
an flock its reader never takes: a worker polling ten times a second can list the file while
it is still empty, fail to decode it and stop with "Unrecoverable error: JSONDecodeError"
(seen in CI when a restarted worker met a job being queued). Here a message is written under
a name no queue's pattern matches, flushed, and renamed into the queue folder; a rename within
one filesystem is atomic, so a reader finds either nothing or the whole message. The reader
claims a message by renaming it into the processed folder beside the queue, not into the
system's temporary folder, which may be another filesystem (where a "move" is a copy).
"""

from __future__ import annotations

import os
import uuid
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

# A message being written is named ".<uuid>.part": its text after the first dot is never
# "<queue>.msg", which is what kombu's reader (and ours) takes.
PARTIAL_SUFFIX = ".part"


def message_name(queue: str) -> str:
    """File name of a new message on `queue`, in kombu's order: oldest first when sorted."""
    return f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"


def write_atomically(folder: str, name: str, data: bytes) -> None:
    """Write `data` to folder/name so that no reader ever sees part of it."""
    partial = os.path.join(folder, f".{uuid.uuid4()}{PARTIAL_SUFFIX}")
    try:
        with open(partial, "wb") as f:
            f.write(data)
            f.flush()
            # Durable before it is visible: a message seen by a worker survives a power cut.
            os.fsync(f.fileno())
        os.replace(partial, os.path.join(folder, name))
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise


class Channel(filesystem.Channel):
    """Filesystem channel whose messages are written atomically and claimed by rename."""

    # kombu's two base classes name the second argument differently; this is the nearer one's.
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put `payload` onto `queue`, whole."""
        name = message_name(queue)
        try:
            write_atomically(self.data_folder_out, name, str_to_bytes(dumps(payload)))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Take the oldest message of `queue`, claimed by renaming it out of the queue folder."""
        wanted = f"{queue}.msg"
        claimed_dir = str(self.processed_folder)
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(claimed_dir, name)
            try:
                # Another worker may have claimed it first: the rename then fails and we go on.
                os.replace(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
                if not self.store_processed:
                    os.remove(claimed)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {claimed!r} from queue.") from exc
            return loads(bytes_to_str(payload))
        raise Empty()


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the atomic channel above."""

    Channel = Channel
