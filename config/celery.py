"""The Celery application; tasks are discovered in each app's tasks.py."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tessera")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect  # a prefork pool's child, after the fork
@worker_ready.connect  # the process that runs the tasks of a solo or threads pool
def freeze_what_loading_made(**kwargs) -> None:
    """As config.wsgi does for the web: what loading made (modules, models, tasks) lives as long as the process;
    frozen, the collector's full passes leave it out. A routing worker spent 2.6 s of a 40-second run in ten
    full passes over ~180,000 objects, up to 0.26 s each, every one of them a pause for the tickets it was routing."""
    gc.freeze()
