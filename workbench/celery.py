"""The Celery application; its configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

# "filesystem://", the embedded default, names our filesystem transport (workbench/broker.py:
# kombu's lets a worker read a message still being written). An alias, not broker_transport,
# so that a broker URL given later (`celery worker -b redis://...`, a test's own broker) still
# picks its own transport. Set before any connection resolves (and caches) the name.
TRANSPORT_ALIASES["filesystem"] = "workbench.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

app = Celery("workbench")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
