"""The demo's broker (config/broker.py): a reader never sees a half-written message, and a bad file is skipped."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from kombu import Connection

BROKER = "config.broker:Transport"


@pytest.fixture(autouse=True)
def _fresh_broker_state():
    """kombu keeps declared exchanges and bindings in one process-wide state; each test has its own folder."""
    from kombu.transport import filesystem

    filesystem.Transport.global_state.clear()
    yield
    filesystem.Transport.global_state.clear()


def _connection(folder: Path, transport: str = BROKER) -> Connection:
    queue = folder / "queue"
    queue.mkdir(parents=True, exist_ok=True)
    return Connection(
        "filesystem://",
        transport=transport,
        transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_broker_skips_a_message_file_that_is_still_empty(tmp_path):
    # given an empty message file first in the queue (names sort by time), as kombu's own writer leaves it
    # between creating and writing it,
    # then a whole message behind it
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("celery")
        (tmp_path / "queue" / "0_half-written.celery.msg").write_bytes(b"")
        queue.put({"task": "tenancy.heartbeat"})
        # when the worker reads the queue
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
    # then it gets the whole message instead of dying on the empty one
    assert message.payload == {"task": "tenancy.heartbeat"}


def test_kombus_own_transport_dies_on_that_file(tmp_path):
    # the failure the demo's broker exists for (kombu #1551): the same empty file stops kombu's reader
    with _connection(tmp_path, transport="filesystem") as connection:
        queue = connection.SimpleQueue("celery")
        (tmp_path / "queue" / "0_half-written.celery.msg").write_bytes(b"")
        with pytest.raises(ValueError):
            queue.get(timeout=5)
        queue.close()


def test_broker_readers_see_whole_messages_while_writers_write(tmp_path):
    # given two writers putting messages as fast as they can
    count = 200
    received, failures = [], []

    def write(name: str) -> None:
        with _connection(tmp_path) as connection:
            queue = connection.SimpleQueue("celery")
            for n in range(count):
                queue.put({"writer": name, "n": n, "padding": "x" * 4000})
            queue.close()

    writers = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
    # when a reader drains the queue at the same time
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("celery")
        for writer in writers:
            writer.start()
        while len(received) < 2 * count:
            try:
                message = queue.get(timeout=20)
            except queue.Empty:
                break
            except ValueError as error:  # what a half-written file gives kombu's reader
                failures.append(error)
                continue
            received.append((message.payload["writer"], message.payload["n"]))
            message.ack()
        queue.close()
    for writer in writers:
        writer.join(timeout=30)
    # then every message arrives whole, once
    assert failures == []
    assert sorted(received) == sorted((name, n) for name in ("a", "b") for n in range(count))
    assert not list((tmp_path / "queue").glob(".writing-*"))
