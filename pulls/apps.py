from django.apps import AppConfig


class PullsConfig(AppConfig):
    name = "pulls"
    verbose_name = "Pull requests"

    def ready(self):
        from repos.services import PUSH_HOOKS

        from .services import on_ref_updated

        if on_ref_updated not in PUSH_HOOKS:
            PUSH_HOOKS.append(on_ref_updated)
