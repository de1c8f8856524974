"""A Celery worker process freezes what loading made, as the web process does (config.wsgi)."""

import gc

from celery.signals import worker_process_init, worker_ready

from config.celery import freeze_what_loading_made


def test_a_worker_process_freezes_what_loading_made():
    # given the handler connected where a worker process starts to take tasks (a prefork child, or the worker
    # itself for the solo and threads pools)
    for signal in (worker_process_init, worker_ready):
        assert any(receiver() is freeze_what_loading_made for _key, receiver in signal.receivers)
    # when it runs, the objects alive now leave the collector's generations
    before = gc.get_freeze_count()
    try:
        freeze_what_loading_made(sender=None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
