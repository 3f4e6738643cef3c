from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"

    def ready(self):
        from pulls.signals import pull_request_changed
        from repos.signals import ref_updated

        from .services import on_pull_request_hook, on_push_hook

        ref_updated.connect(on_push_hook, dispatch_uid="pipelines.on_push")
        pull_request_changed.connect(on_pull_request_hook, dispatch_uid="pipelines.on_pull_request")
