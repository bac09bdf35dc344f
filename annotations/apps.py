"""The domain app: corpus, claims, verdicts, jobs and releases."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    """App config for the annotations domain."""

    name = "annotations"
    verbose_name = "Workbench"
    default_auto_field = "django.db.models.BigAutoField"
