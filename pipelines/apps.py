from django.apps import AppConfig


class PipelinesConfig(AppConfig):
    name = "pipelines"

    def ready(self):
        from pulls.services import PULL_REQUEST_HOOKS
        from repos.services import PUSH_HOOKS

        from .services import on_pull_request_hook, on_push_hook

        if on_push_hook not in PUSH_HOOKS:
            PUSH_HOOKS.append(on_push_hook)
        if on_pull_request_hook not in PULL_REQUEST_HOOKS:
            PULL_REQUEST_HOOKS.append(on_pull_request_hook)
