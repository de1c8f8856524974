"""tenancy.publishing: the outbox's tasks go to Redis as the message Celery and kombu would have stored, in one
LPUSH; what that path does not cover goes through Celery. (tests/tenancy/test_outbox.py runs a real worker on
messages sent this way.)"""

from __future__ import annotations

import json
from unittest import mock

import pytest
from kombu.transport import redis as kombu_redis

from config.celery import app as celery_app
from tenancy import publishing

PER_MESSAGE = {("headers", "id"), ("headers", "root_id"), ("properties", "correlation_id"),
               ("properties", "delivery_tag")}  # fmt: skip


@pytest.fixture
def not_eager():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


def _without_ids(message: dict) -> dict:
    return {
        part: {k: v for k, v in value.items() if (part, k) not in PER_MESSAGE} if isinstance(value, dict) else value
        for part, value in message.items()
    }


def test_the_message_is_the_one_celery_and_kombu_store(not_eager):
    # given what Celery's apply_async hands kombu's Redis transport for a task of the outbox
    kwargs = {"tenant_id": 7, "outbox_ids": [1, 2]}
    stored = []
    with mock.patch.object(
        kombu_redis.Channel, "_put", lambda self, queue, message, **kw: stored.append((queue, message))
    ):
        celery_app.signature("tenancy.send_recorded_tasks", kwargs=kwargs).apply_async(retry=False)
    [(queue, theirs)] = stored
    # when this module builds it
    ours = publishing.message(celery_app, "tenancy.send_recorded_tasks", kwargs, queue=queue)
    # then they are the same but for the ids made for each message, which are fresh and agree with each other
    assert json.loads(json.dumps(ours)) == json.loads(json.dumps(_without_ids(theirs) | {
        part: {**theirs[part], **{k: ours[part][k] for p, k in PER_MESSAGE if p == part}}
        for part in ("headers", "properties")
    }))  # fmt: skip
    assert ours["headers"]["id"] == ours["headers"]["root_id"] == ours["properties"]["correlation_id"]
    assert ours["headers"]["id"] != theirs["headers"]["id"]


def test_send_is_one_lpush_on_the_default_queue(not_eager, monkeypatch):
    client = mock.Mock()
    monkeypatch.setitem(publishing._clients, celery_app.conf.broker_url, client)
    publishing.send("tenancy.send_recorded_tasks", {"tenant_id": 7, "outbox_ids": [3]})
    [call] = client.mock_calls
    assert call.args[0] == "celery" and call[0] == "lpush"
    assert json.loads(call.args[1])["headers"]["task"] == "tenancy.send_recorded_tasks"


def test_what_the_lean_path_does_not_cover_goes_through_celery(monkeypatch):
    # given eager tasks (as in the tests and the demo)
    client = mock.Mock()
    monkeypatch.setitem(publishing._clients, celery_app.conf.broker_url, client)
    with mock.patch.object(celery_app, "signature") as signature:
        publishing.send("tenancy.send_recorded_tasks", {"tenant_id": 7, "outbox_ids": [3]})
    # then Celery sends it
    assert signature.return_value.apply_async.called and not client.mock_calls


CHANGES = {
    "routes in Django's settings": lambda settings, monkeypatch: setattr(
        settings, "CELERY_TASK_ROUTES", {"tenancy.*": {"queue": "other"}}
    ),
    "another broker in the environment": lambda settings, monkeypatch: monkeypatch.setenv(
        "CELERY_BROKER_URL", "memory://"
    ),
    "eager tasks set on the app": lambda settings, monkeypatch: setattr(celery_app.conf, "task_always_eager", True),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_the_lean_path_follows_a_setting_changed_in_a_running_process(not_eager, monkeypatch, settings, change):
    # given a process that sent through the lean path (its decision is kept, not re-read for every message)
    client = mock.Mock()
    monkeypatch.setitem(publishing._clients, celery_app.conf.broker_url, client)
    publishing.send("tenancy.send_recorded_tasks", {"tenant_id": 7, "outbox_ids": [3]})
    assert len(client.mock_calls) == 1
    # when a setting it depends on changes
    change(settings, monkeypatch)
    with mock.patch.object(celery_app, "signature") as signature:
        publishing.send("tenancy.send_recorded_tasks", {"tenant_id": 7, "outbox_ids": [3]})
    # then the message goes through Celery, and the kept client is not used
    assert signature.return_value.apply_async.called
    assert len(client.mock_calls) == 1
