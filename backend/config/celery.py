"""Celery application: background jobs (hotspot recomputes) run on Redis, outside web requests."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("ebikeops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
