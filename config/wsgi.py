import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What loading made (modules, settings, models, URL patterns) lives as long as the process. Frozen, it is left
# out of the collector's full passes, which otherwise walk it in the middle of a request (docs/benchmarks.md).
gc.freeze()
