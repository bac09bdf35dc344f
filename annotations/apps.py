"""The domain app: corpus, claims, verdicts, jobs and releases."""

from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    """App config for the annotations domain."""

    name = "annotations"
    verbose_name = "Workbench"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .access import forget_roles
        from .models import Membership

        # A membership written during a request must not be answered from the request's memo.
        post_save.connect(forget_roles, sender=Membership, dispatch_uid="forget_roles_saved")
        post_delete.connect(forget_roles, sender=Membership, dispatch_uid="forget_roles_deleted")
