from django.apps import AppConfig


class PullsConfig(AppConfig):
    name = "pulls"
    verbose_name = "Pull requests"

    def ready(self):
        from repos.signals import ref_updated

        from .services import on_ref_updated

        ref_updated.connect(on_ref_updated, dispatch_uid="pulls.on_ref_updated")
