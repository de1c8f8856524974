"""The embedded demo's Celery broker: kombu's file-system transport, with every file written atomically.

kombu's own transport creates a message file and only then writes into it, so a worker listing the folder in
between reads an empty file and dies on a JSONDecodeError (kombu issue #1551: the demo stopped 30 seconds into
one cold start in two). Here a message is written under a name the readers skip and renamed into place
(`os.replace`, atomic within a folder), so a reader sees a whole message or none; exchange tables get the same
treatment under a lock. A message file that still cannot be read (left by an older version, or a full disk) is
logged and skipped, never fatal.

Chosen over the alternatives because it keeps the demo's process layout that of production (a separate worker
with beat, tasks crossing a real broker) with nothing to install: kombu's SQL transport needs SQLAlchemy, and
eager tasks would run mail and webhook retries inside web requests. Settings select it with
`CELERY_BROKER_TRANSPORT` whenever `CELERY_BROKER_URL` is `filesystem://`.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import uuid
from pathlib import Path
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.json import dumps

logger = logging.getLogger(__name__)


def write_atomically(folder: str | Path, name: str, data: bytes) -> None:
    """Write `data` to folder/name so that no reader ever sees the file half written."""
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, os.path.join(folder, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The reader's filter wants "<stamp>_<uuid>.<queue>.msg"; the temporary ".writing-…tmp" never matches it.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        try:
            write_atomically(self.data_folder_out, name, dumps(payload).encode())
        except OSError as exc:
            raise ChannelError(f"Cannot add {name!r} to {self.data_folder_out}") from exc

    def _get(self, queue):
        while True:  # ends with the next readable message, or kombu's Empty when none is left
            try:
                return super()._get(queue)
            except ValueError as exc:  # JSONDecodeError; kombu has already taken the file out of the queue
                logger.warning("Skipped an unreadable message file in queue %r: %s", queue, exc)

    def get_table(self, exchange):
        try:
            return super().get_table(exchange)
        except ValueError:  # an exchange table from before atomic writes, cut short: rebound on the next start
            logger.warning("Unreadable exchange table %r; treating it as empty.", exchange)
            return []

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._rewrite_table(exchange, lambda table: table if entry in table else [entry, *table])

    def _delete(self, queue, exchange, routing_key, pattern, *args, **kwargs):
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        self._rewrite_table(exchange, lambda table: [row for row in table if row != entry])

    def _rewrite_table(self, exchange, change) -> None:
        """Read, change and atomically replace an exchange table, one writer at a time (a lock file beside it)."""
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        with open(file.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                table = self.get_table(exchange)
                changed = change(table)
                if changed != table:
                    write_atomically(self.control_folder, file.name, dumps(changed).encode())
            except OSError as exc:
                raise ChannelError(f"Cannot update {file}") from exc
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


class Transport(filesystem.Transport):
    Channel = Channel
    # A folder has no host: without this kombu warns "No hostname was supplied" on every connection.
    default_connection_params = {"port": None, "hostname": None}
