from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"

    def ready(self):
        from repos.services import PUSH_HOOKS

        from .services import on_push_hook

        if on_push_hook not in PUSH_HOOKS:
            PUSH_HOOKS.append(on_push_hook)
